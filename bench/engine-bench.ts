// `npm run bench`: what the engine costs on top of the git work a task needs, as ratios measured
// in the same run (the machine is shared and noisy; absolute times mean little, ratios travel).
//
// 1. Engine overhead: a whole task (plan, code, commit, push, deploy, test, report) with a scripted
//    AI that answers at once, `true` as deploy and test, and an in-memory code host, against the
//    bare git operations the same task performs, timed back to back, interleaved.
// 2. Throughput: tasks per second with several tasks at once versus one after another.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { TransportCommandRunner } from '../src/adapters/exec/command-runner';
import { CommandDeployer } from '../src/adapters/deploy/command-deployer';
import { GitCliWorkspace } from '../src/adapters/git/git-workspace';
import { FileTaskStore } from '../src/adapters/store/file-task-store';
import { CommandTestRunner } from '../src/adapters/test-runner/command-test-runner';
import { loadConfig } from '../src/core/config/load';
import { Engine } from '../src/core/engine';
import type { Issue, IssueRef, PullRequest } from '../src/core/model';
import type { AiAgent, CodeHost, Notifier } from '../src/core/ports';
import { createRedactor } from '../src/core/redact';
import { WorktreeInfraFs } from '../src/runtime/worktree-infra-fs';

const RIG_YAML = `
ai: { provider: anthropic, model: claude-sonnet-5, max_retry: 1 }
deploy:
  method: custom
  config:
    commands:
      - { name: deploy, run: "true", timeout: 30s }
test:
  - { type: command, name: unit, run: "true", timeout: 30s }
`;

/** Answers at once and writes one file: the AI's share of a task costs nothing here. */
const instantAi: AiAgent = {
  description: 'instant',
  plan: async (input) => ({ summary: input.issue.title, steps: ['edit'], files: ['feature.txt'] }),
  code: async (input, ctx) => {
    await fs.writeFile(path.join(ctx.worktree, `feature-${input.issue.number}.txt`), `${input.issue.title}\n`);
    return { filesChanged: [`feature-${input.issue.number}.txt`], summary: 'wrote the feature' };
  },
  fix: async () => ({ filesChanged: [], summary: 'nothing' }),
  proposeInfraFix: async () => ({ summary: '', reason: '', files: [] }),
  explain: async () => '',
  review: async () => ({ verdict: 'approve', summary: 'ok', comments: [] }),
};

class MemoryCodeHost implements CodeHost {
  private pulls = new Map<string, PullRequest>();
  private next = 1000;
  async getIssue(ref: IssueRef): Promise<Issue> {
    return { ...ref, title: `Feature ${ref.number}`, body: 'bench', labels: [], author: 'bench', url: `https://example.invalid/${ref.number}`, comments: [] };
  }
  async listOpenIssues() {
    return [];
  }
  async permissionOf() {
    return 'write' as const;
  }
  async findPullRequest(_ref: IssueRef, branch: string) {
    return this.pulls.get(branch) ?? null;
  }
  async createPullRequest(_ref: IssueRef, draft: { head: string }) {
    const pr = { number: this.next++, url: `https://example.invalid/pull/${this.next}` };
    this.pulls.set(draft.head, pr);
    return pr;
  }
  async updatePullRequest() {}
  async createComment() {
    return this.next++;
  }
  async updateComment() {}
}

const silent: Notifier = { notify: async () => {} };

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8' });
}

function sampleRepo(): { work: string; origin: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rig-bench-'));
  const origin = path.join(dir, 'origin.git');
  const work = path.join(dir, 'work');
  git(dir, 'init', '--quiet', '--bare', '--initial-branch=main', origin);
  mkdirSync(work);
  git(work, 'init', '--quiet', '--initial-branch=main');
  git(work, 'config', 'user.name', 'Bench');
  git(work, 'config', 'user.email', 'bench@example.com');
  for (let i = 0; i < 50; i++) writeFileSync(path.join(work, `file-${i}.txt`), `content ${i}\n`);
  writeFileSync(path.join(work, 'rig.yaml'), RIG_YAML);
  git(work, 'add', '--all');
  git(work, 'commit', '--quiet', '-m', 'initial');
  git(work, 'remote', 'add', 'origin', origin);
  git(work, 'push', '--quiet', '-u', 'origin', 'main');
  return { work, origin };
}

/** The git and shell work of one task, with nothing around it. */
function bareTask(work: string, n: number): void {
  const wt = path.join(work, '.git', 'bare-wt', String(n));
  const branch = `bare/issue-${n}`;
  git(work, 'fetch', '--quiet', '--no-tags', 'origin', '+refs/heads/main:refs/remotes/origin/main');
  git(work, 'ls-remote', '--heads', 'origin', `refs/heads/${branch}`);
  git(work, 'worktree', 'add', '--quiet', '-B', branch, wt, 'refs/remotes/origin/main');
  writeFileSync(path.join(wt, `feature-${n}.txt`), `Feature ${n}\n`);
  git(wt, 'add', '--all');
  git(wt, 'status', '--porcelain');
  git(wt, 'commit', '--quiet', '-m', `Feature ${n}`);
  git(wt, 'push', '--quiet', 'origin', `HEAD:refs/heads/${branch}`);
  execFileSync('bash', ['-c', 'true'], { cwd: wt });
  execFileSync('bash', ['-c', 'true'], { cwd: wt });
  git(wt, 'diff', '--numstat', 'origin/main...HEAD');
  git(work, 'worktree', 'remove', '--force', wt);
}

async function makeEngine(work: string): Promise<Engine> {
  const ws = await GitCliWorkspace.open(work);
  const { config } = loadConfig(RIG_YAML, { env: {} });
  const runner = new TransportCommandRunner();
  return new Engine(config, {
    store: new FileTaskStore(ws.stateDir),
    git: ws,
    codeHost: new MemoryCodeHost(),
    ai: () => instantAi,
    runner,
    deployer: new CommandDeployer(runner),
    tests: new CommandTestRunner(runner),
    notifier: silent,
    redact: createRedactor([]),
    fs: new WorktreeInfraFs(),
    pollMs: 50,
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const rounds = Number(process.env.RIG_BENCH_ROUNDS ?? 8);
  const { work } = sampleRepo();
  const engine = await makeEngine(work);
  let issue = 1;
  const ref = () => ({ owner: 'bench', repo: 'repo', number: issue++ });

  // Warm-up: file system caches, git's first start, JIT.
  bareTask(work, 0);
  await engine.exec(ref());

  const bare: number[] = [];
  const full: number[] = [];
  for (let i = 0; i < rounds; i++) {
    let t = performance.now();
    bareTask(work, 100 + i);
    bare.push(performance.now() - t);
    t = performance.now();
    const task = await engine.exec(ref());
    full.push(performance.now() - t);
    if (task.status !== 'completed') throw new Error(`bench task ended ${task.status}: ${task.statusReason}`);
  }
  const bareMs = median(bare);
  const fullMs = median(full);

  const concurrency = Number(process.env.RIG_BENCH_CONCURRENCY ?? 4);
  const batch = concurrency * 2;
  let t = performance.now();
  for (let i = 0; i < batch; i++) await engine.exec(ref());
  const sequentialPerSec = batch / ((performance.now() - t) / 1000);
  t = performance.now();
  const results = [];
  for (let i = 0; i < batch; i += concurrency) {
    results.push(...(await Promise.all(Array.from({ length: concurrency }, () => engine.exec(ref())))));
  }
  const parallelPerSec = batch / ((performance.now() - t) / 1000);
  const failed = results.filter((r) => r.status !== 'completed');
  if (failed.length) throw new Error(`${failed.length} concurrent tasks did not complete: ${failed[0]!.statusReason}`);

  const rows = [
    ['bare git + commands of one task (median)', `${bareMs.toFixed(0)} ms`],
    ['whole task through the engine (median)', `${fullMs.toFixed(0)} ms`],
    ['engine / bare ratio', `${(fullMs / bareMs).toFixed(2)}×`],
    ['engine overhead per task', `${(fullMs - bareMs).toFixed(0)} ms`],
    [`tasks/s one at a time`, sequentialPerSec.toFixed(2)],
    [`tasks/s ${concurrency} at once`, parallelPerSec.toFixed(2)],
    ['concurrency speed-up', `${(parallelPerSec / sequentialPerSec).toFixed(2)}×`],
    ['rounds', String(rounds)],
    ['cores', String(os.cpus().length)],
  ];
  const width = Math.max(...rows.map((r) => r[0]!.length));
  process.stdout.write(`Rig engine benchmark\n${rows.map(([k, v]) => `  ${k!.padEnd(width)}  ${v}`).join('\n')}\n`);
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
