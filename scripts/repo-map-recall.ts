// Recall of the repository map on real history: each commit's message stands in for the issue, the
// map is built on the commit's parent, and we count how many of the files the commit changed rank
// in the top 5 and top 20. Only files that existed in the parent can be ranked, so only they count.
//
//   npx tsx scripts/repo-map-recall.ts [--repo PATH] [--max-files 30] [--budget 8000] [--limit N] [--no-search-words] [--json]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GitRepoMapper } from '../src/adapters/context/git-repo-mapper';
import type { Issue } from '../src/core/model';

interface Args {
  repo: string;
  maxFiles: number;
  budget: number;
  limit: number;
  searchWords: boolean;
  json: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { repo: path.resolve(__dirname, '..'), maxFiles: 30, budget: 8000, limit: 500, searchWords: true, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--repo') args.repo = path.resolve(value());
    else if (a === '--max-files') args.maxFiles = Number(value());
    else if (a === '--budget') args.budget = Number(value());
    else if (a === '--limit') args.limit = Number(value());
    else if (a === '--no-search-words') args.searchWords = false;
    else if (a === '--json') args.json = true;
    else throw new Error(`unknown argument ${a}`);
  }
  return args;
}

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });

export interface CommitResult {
  sha: string;
  subject: string;
  /** Changed files that existed in the parent (the ones a map of the parent can rank). */
  touched: string[];
  hit5: number;
  hit20: number;
  totalFiles: number;
  ms: number;
  tokens: number;
}

export interface RecallSummary {
  repo: string;
  commitsSeen: number;
  skippedTooLarge: number;
  skippedNoParentFiles: number;
  n: number;
  recall5: number;
  recall20: number;
  /** Share of commits with at least one changed file in the top k. */
  anyIn5: number;
  anyIn20: number;
  /** What ranking files at random would score, for comparison. */
  chance5: number;
  chance20: number;
  medianMs: number;
  results: CommitResult[];
}

export async function measureRecall(args: Args): Promise<RecallSummary> {
  // A private clone, so checking out old commits never touches the repository being measured.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rig-recall-'));
  try {
    git(dir, 'clone', '--quiet', '--shared', '--no-checkout', args.repo, 'clone');
    const clone = path.join(dir, 'clone');
    const commits = git(clone, 'rev-list', '--no-merges', '--reverse', 'HEAD').trim().split('\n').filter(Boolean);
    const mapper = new GitRepoMapper({ searchWords: args.searchWords });
    const results: CommitResult[] = [];
    let skippedTooLarge = 0;
    let skippedNoParentFiles = 0;
    let seen = 0;
    for (const sha of commits.slice(-args.limit)) {
      const parents = git(clone, 'rev-list', '--parents', '-n', '1', sha).trim().split(' ').slice(1);
      if (parents.length !== 1) continue;
      seen++;
      const parent = parents[0]!;
      const changed = git(clone, 'diff', '--name-only', '--no-renames', parent, sha).trim().split('\n').filter(Boolean);
      if (changed.length > args.maxFiles) {
        skippedTooLarge++;
        continue;
      }
      const before = new Set(git(clone, 'ls-tree', '-r', '--name-only', parent).trim().split('\n'));
      const touched = changed.filter((f) => before.has(f));
      if (touched.length === 0) {
        skippedNoParentFiles++;
        continue;
      }
      git(clone, 'checkout', '--quiet', '--force', '--detach', parent);
      const message = git(clone, 'log', '-1', '--format=%B', sha);
      const [subject = '', ...rest] = message.split('\n');
      const issue: Issue = { owner: 'o', repo: 'r', number: 1, title: subject, body: rest.join('\n').trim(), labels: [], author: 'a', url: '', comments: [] };
      const t0 = performance.now();
      const ctx = await mapper.build(clone, issue, { budgetTokens: args.budget });
      const ms = performance.now() - t0;
      const rankOf = new Map(ctx.ranked.map((r, i) => [r.path, i]));
      const within = (k: number) => touched.filter((f) => (rankOf.get(f) ?? Infinity) < k).length;
      results.push({ sha: sha.slice(0, 10), subject, touched, hit5: within(5), hit20: within(20), totalFiles: ctx.totalFiles, ms, tokens: ctx.tokens });
    }
    const n = results.length;
    const mean = (f: (r: CommitResult) => number) => (n ? results.reduce((s, r) => s + f(r), 0) / n : 0);
    const times = results.map((r) => r.ms).sort((a, b) => a - b);
    return {
      repo: args.repo,
      commitsSeen: seen,
      skippedTooLarge,
      skippedNoParentFiles,
      n,
      recall5: mean((r) => r.hit5 / r.touched.length),
      recall20: mean((r) => r.hit20 / r.touched.length),
      anyIn5: mean((r) => (r.hit5 > 0 ? 1 : 0)),
      anyIn20: mean((r) => (r.hit20 > 0 ? 1 : 0)),
      chance5: mean((r) => Math.min(1, 5 / r.totalFiles)),
      chance20: mean((r) => Math.min(1, 20 / r.totalFiles)),
      medianMs: times.length ? times[Math.floor(times.length / 2)]! : 0,
      results,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const s = await measureRecall(args);
  if (args.json) {
    process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
    return;
  }
  const out = [
    `repository: ${s.repo}`,
    `commits with one parent: ${s.commitsSeen}; skipped: ${s.skippedTooLarge} touching more than ${args.maxFiles} files, ${s.skippedNoParentFiles} only adding files; measured n = ${s.n}`,
    `recall@5  ${pct(s.recall5)}  (chance ${pct(s.chance5)}); commits with a changed file in the top 5:  ${pct(s.anyIn5)}`,
    `recall@20 ${pct(s.recall20)}  (chance ${pct(s.chance20)}); commits with a changed file in the top 20: ${pct(s.anyIn20)}`,
    `median map time ${s.medianMs.toFixed(0)} ms (budget ${args.budget} tokens, words searched: ${args.searchWords})`,
    '',
    ...s.results.map((r) => `${r.sha} ${r.hit5}/${r.touched.length} @5, ${r.hit20}/${r.touched.length} @20  ${r.subject.slice(0, 70)}`),
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
