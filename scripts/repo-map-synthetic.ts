// Builds a generated repository of 10,000 files — TypeScript, Python, Go, Rust, Java, Ruby, shell,
// YAML and Markdown at realistic depths, with tests beside code, a vendored node_modules, lockfiles,
// images and a minified bundle — commits it to a temporary git repository, and measures the map:
// build time, tokens, and where the file each issue is about ranks.
//
//   npx tsx scripts/repo-map-synthetic.ts [--files 10000] [--seed 7] [--budget 8000] [--runs 3] [--per-kind 4] [--keep] [--json]
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GitRepoMapper } from '../src/adapters/context/git-repo-mapper';
import type { Issue } from '../src/core/model';

// ---------------------------------------------------------------- a seeded generator

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DOMAINS = ['billing', 'catalog', 'shipping', 'identity', 'search', 'inventory', 'analytics', 'messaging', 'payments', 'accounts', 'reporting', 'pricing', 'checkout', 'fulfilment', 'loyalty', 'storefront'];
const NOUNS = ['invoice', 'order', 'customer', 'product', 'cart', 'coupon', 'shipment', 'warehouse', 'session', 'query', 'event', 'metric', 'email', 'webhook', 'refund', 'tax', 'price', 'discount', 'address', 'carrier', 'label', 'ledger', 'receipt', 'subscription', 'plan', 'voucher', 'parcel', 'route', 'stock', 'supplier', 'review', 'rating', 'banner', 'campaign', 'segment', 'cohort', 'report', 'export', 'audit', 'permission', 'role', 'token', 'password', 'profile', 'avatar', 'notification', 'template', 'currency', 'exchange', 'settlement', 'payout', 'dispute', 'chargeback', 'manifest', 'pallet', 'barcode', 'sku', 'variant', 'bundle', 'wishlist'];
const VERBS = ['create', 'update', 'delete', 'fetch', 'list', 'validate', 'compute', 'render', 'parse', 'serialize', 'sync', 'apply', 'retry', 'schedule', 'export', 'import', 'merge', 'split', 'resolve', 'normalize', 'format', 'load', 'store', 'publish', 'consume', 'reconcile', 'estimate', 'allocate', 'cancel', 'archive'];
const ROLES = ['service', 'handler', 'repository', 'client', 'model', 'controller', 'mapper', 'validator', 'util', 'store', 'worker', 'view', 'api', 'queue', 'cache', 'policy', 'factory', 'adapter', 'builder', 'schema'];
const QUALIFIERS = ['', '', '', 'ForCustomer', 'InBatch', 'Async', 'ById', 'WithRetry', 'FromCache', 'ForRegion', 'Total', 'Draft'];

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const camel = (...parts: string[]) => parts[0]! + parts.slice(1).map(cap).join('');
const snake = (...parts: string[]) => parts.map((p) => p.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase()).join('_');

export interface GeneratedFile {
  path: string;
  content: string;
  /** Names defined in the file (empty for data files). */
  defines: string[];
  domain: string;
  noun: string;
  role: string;
}

interface Gen {
  r: () => number;
  pick<T>(xs: readonly T[]): T;
  int(lo: number, hi: number): number;
}

function gen(seed: number): Gen {
  const r = rng(seed);
  return { r, pick: (xs) => xs[Math.floor(r() * xs.length)]!, int: (lo, hi) => lo + Math.floor(r() * (hi - lo + 1)) };
}

/** A few lines of filler so files have realistic sizes: comments and statements, no definitions. */
function body(g: Gen, indent: string, calls: string[], comment: string): string {
  const lines: string[] = [];
  for (let i = g.int(3, 14); i > 0; i--) {
    const c = g.r();
    if (c < 0.25 && calls.length) lines.push(`${indent}result = ${g.pick(calls)}(result)`);
    else if (c < 0.4) lines.push(`${indent}${comment} ${g.pick(VERBS)} the ${g.pick(NOUNS)} before the ${g.pick(NOUNS)} is ${g.pick(VERBS)}d`);
    else lines.push(`${indent}value = value + ${g.int(1, 999)}`);
  }
  return lines.join('\n');
}

type Lang = 'ts' | 'py' | 'go' | 'rs' | 'java' | 'rb' | 'sh' | 'yaml' | 'md';
const MIX: Array<[Lang, number]> = [['ts', 0.3], ['py', 0.18], ['go', 0.14], ['java', 0.1], ['rs', 0.08], ['rb', 0.06], ['yaml', 0.05], ['md', 0.05], ['sh', 0.04]];

function pickLang(g: Gen): Lang {
  let x = g.r();
  for (const [lang, share] of MIX) {
    if ((x -= share) < 0) return lang;
  }
  return 'ts';
}

function sourceFile(g: Gen, lang: Lang, domain: string, usable: string[]): GeneratedFile {
  const noun = g.pick(NOUNS);
  const role = g.pick(ROLES);
  const n = g.int(2, 12);
  const names = new Set<string>();
  while (names.size < n) names.add(camel(g.pick(VERBS), cap(noun), g.pick(NOUNS) === noun ? '' : cap(g.pick(NOUNS)), g.pick(QUALIFIERS)));
  const fns = [...names];
  const type = `${cap(noun)}${cap(role)}`;
  const calls = Array.from({ length: g.int(0, 4) }, () => g.pick(usable.length ? usable : fns));
  const sub = Array.from({ length: g.int(0, 3) }, () => g.pick([...NOUNS, 'core', 'common', 'v2', 'legacy', 'internal'])).join('/');
  const join = (...parts: string[]) => parts.filter(Boolean).join('/');
  switch (lang) {
    case 'ts': {
      const file = `${noun}-${role}.ts`;
      const content = [
        `import { ${calls.join(', ') || 'noop'} } from '../shared';`,
        `export interface ${type}Options {`,
        `  ${noun}Id: string;`,
        `}`,
        `export class ${type} {`,
        ...fns.slice(0, 2).map((f) => `  async ${f}(input: ${type}Options): Promise<number> {\n    let result = 0;\n    let value = 0;\n${body(g, '    ', calls, '//')}\n    return value;\n  }`),
        `}`,
        ...fns.slice(2).map((f) => `export function ${f}(result: number): number {\n  let value = result;\n${body(g, '  ', calls, '//')}\n  return value;\n}`),
      ].join('\n');
      return { path: join('packages', domain, 'src', sub, file), content, defines: [type, ...fns], domain, noun, role };
    }
    case 'py': {
      const file = `${snake(noun, role)}.py`;
      const pyFns = fns.map((f) => snake(f));
      const content = [
        `"""${cap(domain)} ${noun} ${role}."""`,
        ...calls.map((c) => `from ${domain}.shared import ${snake(c)}`),
        `class ${type}:`,
        ...pyFns.slice(0, 2).map((f) => `    def ${f}(self, result):\n        value = 0\n${body(g, '        ', calls.map((c) => snake(c)), '#')}\n        return value`),
        ...pyFns.slice(2).map((f) => `def ${f}(result):\n    value = result\n${body(g, '    ', calls.map((c) => snake(c)), '#')}\n    return value`),
      ].join('\n');
      return { path: join('services', domain, domain, sub, file), content, defines: [type, ...pyFns], domain, noun, role };
    }
    case 'go': {
      const file = `${snake(noun, role)}.go`;
      const goFns = fns.map(cap);
      const content = [
        `package ${noun}`,
        `type ${type} struct {\n\tID string\n}`,
        ...goFns.map((f) => `func ${f}(result int) int {\n\tvalue := result\n${body(g, '\t', calls.map(cap), '//')}\n\treturn value\n}`),
      ].join('\n');
      return { path: join('go', domain, 'internal', noun, sub, file), content, defines: [type, ...goFns], domain, noun, role };
    }
    case 'rs': {
      const file = `${snake(noun, role)}.rs`;
      const rsFns = fns.map((f) => snake(f));
      const content = [
        `pub struct ${type} {\n    pub id: String,\n}`,
        `impl ${type} {`,
        ...rsFns.slice(0, 2).map((f) => `    pub fn ${f}(&self, result: i64) -> i64 {\n        let mut value = result;\n${body(g, '        ', calls.map((c) => snake(c)), '//')}\n        value\n    }`),
        `}`,
        ...rsFns.slice(2).map((f) => `pub fn ${f}(result: i64) -> i64 {\n    let mut value = result;\n${body(g, '    ', calls.map((c) => snake(c)), '//')}\n    value\n}`),
      ].join('\n');
      return { path: join('crates', `${domain}-core`, 'src', noun, file), content, defines: [type, ...rsFns], domain, noun, role };
    }
    case 'java': {
      const file = `${type}.java`;
      const content = [
        `package com.acme.${domain}.${noun};`,
        `public class ${type} {`,
        ...fns.map((f) => `    public int ${f}(int result) {\n        int value = result;\n${body(g, '        ', calls, '//')}\n        return value;\n    }`),
        `}`,
      ].join('\n');
      return { path: join('java', domain, 'src/main/java/com/acme', domain, noun, file), content, defines: [type, ...fns], domain, noun, role };
    }
    case 'rb': {
      const file = `${snake(noun, role)}.rb`;
      const rbFns = fns.map((f) => snake(f));
      const content = [
        `module ${cap(domain)}`,
        `  class ${type}`,
        ...rbFns.map((f) => `    def ${f}(result)\n      value = result\n${body(g, '      ', calls.map((c) => snake(c)), '#')}\n      value\n    end`),
        `  end`,
        `end`,
      ].join('\n');
      return { path: join('ruby', domain, 'lib', domain, file), content, defines: [type, ...rbFns], domain, noun, role };
    }
    case 'sh': {
      const verb = g.pick(VERBS);
      const file = `${verb}-${noun}.sh`;
      const shFns = fns.slice(0, 3).map((f) => snake(f));
      const content = [
        '#!/usr/bin/env bash',
        'set -euo pipefail',
        `${snake(domain, noun).toUpperCase()}_DIR="\${1:-.}"`,
        ...shFns.map((f) => `${f}() {\n  local value=0\n${body(g, '  ', [], '#')}\n}`),
        `${shFns[0]} "$@"`,
      ].join('\n');
      return { path: join('scripts', domain, file), content, defines: shFns, domain, noun, role: verb };
    }
    case 'yaml': {
      const file = `${noun}-${role}.yaml`;
      const content = [
        `${noun}_${role}:`,
        `  replicas: ${g.int(1, 9)}`,
        `  image: registry.example.com/${domain}/${noun}:${g.int(1, 40)}`,
        `  env:`,
        `    ${snake(domain, noun).toUpperCase()}_URL: http://${noun}.${domain}.svc`,
        `  schedule: "${g.int(0, 59)} * * * *"`,
      ].join('\n');
      return { path: join('deploy', domain, sub, file), content, defines: [`${noun}_${role}`], domain, noun, role };
    }
    case 'md': {
      const file = `${noun}-${role}.md`;
      const content = [`# ${cap(noun)} ${role}`, '', `How the ${domain} ${noun} ${role} works.`, '', `## ${cap(g.pick(VERBS))} a ${noun}`, '', body(g, '', [], '-')].join('\n');
      return { path: join('docs', domain, file), content, defines: [], domain, noun, role };
    }
  }
}

function testFor(file: GeneratedFile): GeneratedFile | null {
  const dir = path.posix.dirname(file.path);
  const base = path.posix.basename(file.path);
  const stem = base.replace(/\.[^.]+$/, '');
  const call = file.defines[1] ?? file.defines[0] ?? 'noop';
  const mk = (p: string, content: string): GeneratedFile => ({ path: p, content, defines: [], domain: file.domain, noun: file.noun, role: 'test' });
  if (base.endsWith('.ts')) return mk(`${dir}/__tests__/${stem}.test.ts`, `import { ${call} } from '../${stem}';\ntest('${call}', () => {\n  expect(${call}(1)).toBeGreaterThan(0);\n});`);
  if (base.endsWith('.py')) return mk(file.path.replace(/^services\/([^/]+)\/.*$/, `services/$1/tests/test_${stem}.py`), `from ${file.domain} import ${call}\n\ndef test_${call}():\n    assert ${call}(1) > 0`);
  if (base.endsWith('.go')) return mk(`${dir}/${stem}_test.go`, `package ${file.noun}\nfunc Test${call}(t *testing.T) {\n\t${call}(1)\n}`);
  if (base.endsWith('.java')) return mk(file.path.replace('/src/main/', '/src/test/').replace(/\.java$/, 'Test.java'), `public class ${stem}Test {\n    void test() { new ${stem}().${call}(1); }\n}`);
  if (base.endsWith('.rb')) return mk(file.path.replace(/\/lib\/.*$/, `/spec/${stem}_spec.rb`), `describe ${file.defines[0]} do\n  it { ${call}(1) }\nend`);
  return null;
}

/** Exactly `count` files: sources with tests, docs and config, plus the usual clutter. */
export function generateFiles(count: number, seed: number): GeneratedFile[] {
  const g = gen(seed);
  const files = new Map<string, GeneratedFile>();
  const add = (f: GeneratedFile) => {
    if (!files.has(f.path) && files.size < count) files.set(f.path, f);
  };
  const clutter = (p: string, content: string) => add({ path: p, content, defines: [], domain: '', noun: '', role: '' });
  // Clutter first, a fixed share: vendored code, lockfiles, images, a bundle.
  const vendored = Math.floor(count * 0.04);
  for (let i = 0; i < vendored; i++) {
    const pkg = `${g.pick(NOUNS)}-${g.pick(ROLES)}`;
    clutter(`web/node_modules/${pkg}/lib/${g.pick(VERBS)}-${i}.js`, `module.exports.${camel(g.pick(VERBS), g.pick(NOUNS))} = function () { return ${i}; };`);
  }
  clutter('package-lock.json', JSON.stringify({ lockfileVersion: 3, packages: Object.fromEntries(NOUNS.map((n) => [`node_modules/${n}`, { version: '1.0.0' }])) }, null, 2));
  clutter('web/yarn.lock', NOUNS.map((n) => `${n}@^1.0.0:\n  version "1.0.0"`).join('\n'));
  clutter('Cargo.lock', NOUNS.map((n) => `[[package]]\nname = "${n}"\nversion = "0.1.0"`).join('\n'));
  for (let i = 0; i < 40; i++) clutter(`web/public/img/${g.pick(NOUNS)}-${i}.png`, '\u0089PNG\r\n\u001a\n\u0000\u0000binary');
  clutter('web/dist/app.min.js', `!function(){${NOUNS.map((n) => `var ${n}=1;`).join('')}}();`);
  clutter('README.md', '# Acme commerce\n\nServices for billing, catalog, shipping and more.\n');
  for (const d of DOMAINS) clutter(`.github/workflows/${d}.yml`, `name: ${d}\non: [push]\njobs:\n  test-${d}:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make test-${d}\n`);

  const defined: string[] = [];
  while (files.size < count) {
    const lang = pickLang(g);
    const f = sourceFile(g, lang, g.pick(DOMAINS), defined.length > 50 ? defined.slice(-400) : []);
    if (files.has(f.path)) continue;
    add(f);
    defined.push(...f.defines.filter((d) => /^[a-z]/.test(d)).slice(0, 2));
    const t = testFor(f);
    if (t && g.r() < 0.6) add(t);
  }
  return [...files.values()];
}

export function writeRepo(dir: string, files: GeneratedFile[]): void {
  for (const f of files) {
    const full = path.join(dir, f.path);
    mkdirSync(path.dirname(full), { recursive: true });
    writeFileSync(full, f.content);
  }
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'pipe', maxBuffer: 256 * 1024 * 1024 });
  git('init', '--quiet', '--initial-branch=main');
  git('-c', 'user.name=Gen', '-c', 'user.email=gen@example.com', 'add', '--all');
  git('-c', 'user.name=Gen', '-c', 'user.email=gen@example.com', 'commit', '--quiet', '-m', 'generated');
}

// ---------------------------------------------------------------- issues about known files

export interface PlantedIssue {
  kind: string;
  issue: Issue;
  target: string;
}

function issue(title: string, body: string, comments: string[] = []): Issue {
  return { owner: 'acme', repo: 'shop', number: 1, title, body, labels: [], author: 'someone', url: '', comments: comments.map((c) => ({ author: 'other', body: c })) };
}

/** Issues of the kinds users write, `perKind` of each, each about one file picked at random. */
export function plantIssues(files: GeneratedFile[], seed: number, perKind = 1): PlantedIssue[] {
  const g = gen(seed + 1);
  const code = files.filter((f) => f.defines.length >= 3 && /\.(ts|py|go|java|rs|rb)$/.test(f.path));
  const python = code.filter((f) => f.path.endsWith('.py'));
  const pick = () => g.pick(code);
  const out: PlantedIssue[] = [];
  for (let k = 0; k < perKind; k++) {
    const a = pick();
    const b = pick();
    const c = pick();
    const d = g.pick(python);
    const e = pick();
    const v = pick();
    const name = b.defines[2] ?? b.defines[0]!;
    out.push(
      {
        kind: 'path mentioned',
        target: a.path,
        issue: issue(`Wrong rounding in ${path.posix.basename(a.path)}`, `In \`${a.path}\` the totals are off by one cent when a ${a.noun} has several lines.`),
      },
      {
        kind: 'identifier quoted',
        target: b.path,
        issue: issue(`${name} returns a negative value`, `Calling \`${name}\` with an empty ${b.noun} gives -1 instead of 0. Seen in production since Tuesday.`),
      },
      {
        kind: 'prose, named',
        target: c.path,
        issue: issue(`The ${c.domain} ${c.noun} ${c.role} ignores the region`, `When the ${c.noun} comes from another region, the ${c.domain} ${c.role} uses the default one. It should use the ${c.noun}'s own region.`),
      },
      {
        // Names the area and the thing, not the file's role: several files fit.
        kind: 'prose, vague',
        target: v.path,
        issue: issue(`${cap(v.domain)} ${v.noun}s are wrong after the update`, `Since yesterday every ${v.noun} in ${v.domain} shows yesterday's values. Please have a look.`),
      },
      {
        kind: 'stack trace',
        target: d.path,
        issue: issue('Crash when exporting', `Traceback (most recent call last):\n  File "/srv/app/${d.path}", line 42, in ${d.defines[1] ?? d.defines[0]}\n    value = value + total\nTypeError: unsupported operand type(s) for +: 'int' and 'NoneType'`),
      },
      {
        kind: 'long thread',
        target: e.path,
        issue: issue(
          `${cap(e.domain)}: ${e.noun} totals differ between runs`,
          `Steps to reproduce:\n1. create a ${e.noun}\n2. run the nightly job\n3. compare the totals\n\nExpected the same totals; got different ones on every run.`,
          [`I think \`${e.defines[0]}\` is involved, the ${e.role} caches something.`, 'Same here on staging, started after the last release.', `Could it be the ${e.noun} ${e.role} in ${e.domain}? The ${cap(e.noun)} objects look mutated.`],
        ),
      },
    );
  }
  return out;
}

// ---------------------------------------------------------------- measuring

interface IssueMeasure {
  kind: string;
  target: string;
  rank: number | null;
  medianMs: number;
  /** CPU time of this process (user + system) for the median run; git's own processes not included. */
  cpuMs: number;
  tokens: number;
  ranked: number;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opt = (name: string, dflt: number) => {
    const i = argv.indexOf(name);
    return i >= 0 ? Number(argv[i + 1]) : dflt;
  };
  const count = opt('--files', 10_000);
  const seed = opt('--seed', 7);
  const budget = opt('--budget', 8000);
  const runs = opt('--runs', 3);
  const perKind = opt('--per-kind', 4);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rig-synth-'));
  try {
    let t = performance.now();
    const files = generateFiles(count, seed);
    writeRepo(dir, files);
    const genMs = performance.now() - t;
    const mapper = new GitRepoMapper();
    const planted = plantIssues(files, seed, perKind);
    const measures: IssueMeasure[] = [];
    let firstMs = 0;
    for (const [i, p] of planted.entries()) {
      const times: Array<{ ms: number; cpuMs: number }> = [];
      let last = null;
      for (let r = 0; r < runs; r++) {
        t = performance.now();
        const cpu = process.cpuUsage();
        last = await mapper.build(dir, p.issue, { budgetTokens: budget });
        const used = process.cpuUsage(cpu);
        times.push({ ms: performance.now() - t, cpuMs: (used.user + used.system) / 1000 });
        if (i === 0 && r === 0) firstMs = times[0]!.ms;
      }
      times.sort((x, y) => x.ms - y.ms);
      const median = times[Math.floor(times.length / 2)]!;
      const idx = last!.ranked.findIndex((r) => r.path === p.target);
      measures.push({ kind: p.kind, target: p.target, rank: idx >= 0 ? idx + 1 : null, medianMs: median.ms, cpuMs: median.cpuMs, tokens: last!.tokens, ranked: last!.ranked.length });
    }
    const sweep: Array<{ budget: number; tokens: number; ms: number }> = [];
    for (const b of [1000, 2000, 4000, 8000, 16000, 32000]) {
      t = performance.now();
      const ctx = await mapper.build(dir, planted.find((p) => p.kind === 'prose, named')!.issue, { budgetTokens: b });
      sweep.push({ budget: b, tokens: ctx.tokens, ms: performance.now() - t });
    }
    const result = { files: count, seed, budget, runs, perKind, cpus: os.cpus().length, loadAverage: os.loadavg()[0] ?? 0, generateAndCommitMs: genMs, firstBuildMs: firstMs, measures, sweep, repo: argv.includes('--keep') ? dir : undefined };
    if (argv.includes('--json')) {
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      return;
    }
    const kinds = [...new Set(measures.map((m) => m.kind))];
    const ms = measures.map((m) => m.medianMs).sort((a, b) => a - b);
    const cpu = measures.map((m) => m.cpuMs).sort((a, b) => a - b);
    const tokens = measures.map((m) => m.tokens);
    const lines = [
      `generated ${count} files (seed ${seed}) and committed them in ${(genMs / 1000).toFixed(1)} s; first map ${firstMs.toFixed(0)} ms`,
      `machine: ${result.cpus} CPUs, load average ${result.loadAverage.toFixed(1)} at the end`,
      `${measures.length} issues, budget ${budget} tokens, ${runs} run(s) each: map time median ${ms[Math.floor(ms.length / 2)]!.toFixed(0)} ms, max ${ms[ms.length - 1]!.toFixed(0)} ms (CPU of this process: median ${cpu[Math.floor(cpu.length / 2)]!.toFixed(0)} ms); tokens ${Math.min(...tokens)}–${Math.max(...tokens)}`,
      'rank of the file each issue is about:',
      ...kinds.map((k) => {
        const ranks = measures.filter((m) => m.kind === k).map((m) => m.rank);
        const within = (n: number) => ranks.filter((r) => r !== null && r <= n).length;
        return `  ${k.padEnd(17)} ranks ${ranks.map((r) => r ?? '—').join(', ')}  (top 1: ${within(1)}/${ranks.length}, top 5: ${within(5)}/${ranks.length}, top 20: ${within(20)}/${ranks.length})`;
      }),
      'budget sweep (a "prose, named" issue):',
      ...sweep.map((s) => `  budget ${String(s.budget).padStart(6)} → ${String(s.tokens).padStart(6)} tokens, ${s.ms.toFixed(0)} ms`),
    ];
    if (result.repo) lines.push(`repository kept at ${result.repo}`);
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    if (!argv.includes('--keep')) rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
