// How close the map's token estimate is to real tokenizers, compared with chars/4. The tokenizers
// are not dependencies of Rig: install them anywhere and point this script at that directory.
//
//   npm install --prefix /tmp/tokenizers @anthropic-ai/tokenizer gpt-tokenizer
//   npx tsx scripts/repo-map-tokens.ts --tokenizers /tmp/tokenizers [--repo PATH]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { GitRepoMapper } from '../src/adapters/context/git-repo-mapper';
import { estimateTokens } from '../src/adapters/context/tokens';
import type { Issue } from '../src/core/model';
import { generateFiles, writeRepo } from './repo-map-synthetic';

interface Counter {
  name: string;
  count(text: string): number;
}

function loadTokenizers(dir: string): Counter[] {
  const req = createRequire(path.join(path.resolve(dir), 'package.json'));
  const out: Counter[] = [];
  try {
    const claude = req('@anthropic-ai/tokenizer') as { countTokens(t: string): number };
    out.push({ name: 'claude', count: (t) => claude.countTokens(t) });
  } catch {
    process.stderr.write(`@anthropic-ai/tokenizer not found under ${dir}\n`);
  }
  try {
    const cl100k = req('gpt-tokenizer/cjs/encoding/cl100k_base') as { encode(t: string): number[] };
    out.push({ name: 'cl100k', count: (t) => cl100k.encode(t).length });
  } catch {
    process.stderr.write(`gpt-tokenizer not found under ${dir}\n`);
  }
  if (out.length === 0) throw new Error(`no tokenizer found under ${dir}; install @anthropic-ai/tokenizer and gpt-tokenizer there`);
  return out;
}

const issue = (title: string): Issue => ({ owner: 'o', repo: 'r', number: 1, title, body: '', labels: [], author: 'a', url: '', comments: [] });

async function samples(repo: string): Promise<Array<{ kind: 'map' | 'file'; text: string }>> {
  const out: Array<{ kind: 'map' | 'file'; text: string }> = [];
  const mapper = new GitRepoMapper();
  const subjects = execFileSync('git', ['log', '--format=%s', '-n', '6'], { cwd: repo, encoding: 'utf8' }).trim().split('\n');
  const generated = mkdtempSync(path.join(os.tmpdir(), 'rig-tokens-'));
  try {
    const files = generateFiles(3000, 11);
    writeRepo(generated, files);
    const titles = ['The reporting cohort policy ignores the region', 'invoice tax rounding is off', 'webhook retries never stop'];
    for (const [dir, list] of [[repo, subjects], [generated, titles]] as const) {
      for (const title of list) for (const budget of [500, 2000, 8000, 30000]) out.push({ kind: 'map', text: (await mapper.build(dir, issue(title), { budgetTokens: budget })).map });
    }
    const tracked = execFileSync('git', ['ls-files'], { cwd: repo, encoding: 'utf8' }).trim().split('\n').filter((f) => /\.(ts|md|json|yaml|sh)$/.test(f));
    for (let i = 0; i < Math.min(60, tracked.length); i++) out.push({ kind: 'file', text: readFileSync(path.join(repo, tracked[(i * 7919) % tracked.length]!), 'utf8') });
    for (const f of files.slice(0, 60)) out.push({ kind: 'file', text: f.content });
  } finally {
    rmSync(generated, { recursive: true, force: true });
  }
  return out.filter((s) => s.text.length > 0);
}

function stats(ratios: number[]): string {
  const mean = ratios.reduce((a, b) => a + b, 0) / ratios.length;
  return `mean ${mean.toFixed(3)}, min ${Math.min(...ratios).toFixed(3)}, max ${Math.max(...ratios).toFixed(3)}`;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const at = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const dir = at('--tokenizers');
  if (!dir) throw new Error('usage: npx tsx scripts/repo-map-tokens.ts --tokenizers DIR [--repo PATH]');
  const tokenizers = loadTokenizers(dir);
  const all = await samples(path.resolve(at('--repo') ?? path.join(__dirname, '..')));
  const lines: string[] = [];
  for (const kind of ['map', 'file'] as const) {
    const group = all.filter((s) => s.kind === kind);
    for (const t of tokenizers) {
      const real = group.map((s) => t.count(s.text));
      const est = group.map((s, i) => estimateTokens(s.text) / real[i]!);
      const quarter = group.map((s, i) => s.text.length / 4 / real[i]!);
      lines.push(`${kind}s (${group.length}) vs ${t.name}: estimate/real ${stats(est)}; chars/4/real ${stats(quarter)}`);
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
