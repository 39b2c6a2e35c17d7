import { promises as fs } from 'node:fs';
import path from 'node:path';
import { CommandDeployer } from '../../src/adapters/deploy/command-deployer';
import { TransportCommandRunner } from '../../src/adapters/exec/command-runner';
import { GitCliWorkspace } from '../../src/adapters/git/git-workspace';
import { GitHubCodeHost } from '../../src/adapters/github/github-code-host';
import { createGitHubClient } from '../../src/adapters/github/octokit-client';
import { FileTaskStore } from '../../src/adapters/store/file-task-store';
import { CommandTestRunner } from '../../src/adapters/test-runner/command-test-runner';
import { loadConfig } from '../../src/core/config/load';
import { Engine } from '../../src/core/engine';
import type { AiAgent, AiCallUsage, AiContext, CodeResult, ReviewInput, ReviewVerdict } from '../../src/core/ports';
import { createRedactor } from '../../src/core/redact';
import { startGitHubFake, type FakeIssueSeed, type GitHubFake } from '../../src/fakes/github-fake-server';
import { WorktreeInfraFs } from '../../src/runtime/worktree-infra-fs';
import { createSampleRepo, type SampleRepo } from './git-repo';

/**
 * An AiAgent for engine tests: each call runs the given function against the real worktree and
 * reports the usage it is told to, with no model behind it. Provider behaviour is tested against
 * the providers' own fakes; here the subject is the engine.
 */
export function scriptedAgent(opts: {
  edit: (worktree: string, call: number, kind: 'code' | 'fix') => Promise<string[]>;
  usage?: Partial<AiCallUsage>;
  review?: (round: number, input: ReviewInput) => ReviewVerdict;
}): AiAgent & { calls: number } {
  let reviews = 0;
  let calls = 0;
  const report = (ctx: AiContext, purpose: AiCallUsage['purpose']) =>
    ctx.onUsage({ model: 'scripted', purpose, inputTokens: 100, outputTokens: 10, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0.01, ...opts.usage });
  const run = async (kind: 'code' | 'fix', ctx: AiContext): Promise<CodeResult> => {
    report(ctx, kind);
    ctx.signal.throwIfAborted();
    const files = await opts.edit(ctx.worktree, ++calls, kind);
    return { filesChanged: files, summary: `${kind} ${calls}` };
  };
  return {
    description: 'scripted',
    get calls() {
      return calls;
    },
    plan: async (input, ctx) => {
      report(ctx, 'plan');
      return { summary: input.issue.title, steps: ['edit'], files: [] };
    },
    code: (_input, ctx) => run('code', ctx),
    fix: (_input, ctx) => run('fix', ctx),
    proposeInfraFix: async () => {
      throw new Error('no proposals in this script');
    },
    explain: async () => 'explained',
    review: async (input, ctx) => {
      report(ctx, 'review');
      return opts.review ? opts.review(++reviews, input) : { verdict: 'approve', summary: 'fine', comments: [] };
    },
  };
}

export interface EngineHarness {
  repo: SampleRepo;
  github: GitHubFake;
  engine: Engine;
  close(): Promise<void>;
}

export async function engineHarness(opts: { files: Record<string, string>; rigYaml: string; issues: FakeIssueSeed[]; ai: AiAgent }): Promise<EngineHarness> {
  const repo = createSampleRepo(opts.files);
  const github = await startGitHubFake({ repos: [{ owner: 'acme', name: 'shop', gitDir: repo.origin, issues: opts.issues }] });
  const ws = await GitCliWorkspace.open(repo.work);
  const { config } = loadConfig(opts.rigYaml, { env: {} });
  const runner = new TransportCommandRunner();
  const codeHost = new GitHubCodeHost(createGitHubClient({ baseUrl: github.url, userAgent: 'rig-test', waitScale: 0.001 }));
  const engine = new Engine(config, {
    store: new FileTaskStore(ws.stateDir),
    git: ws,
    codeHost,
    ai: () => opts.ai,
    runner,
    deployer: new CommandDeployer(runner),
    tests: new CommandTestRunner(runner),
    notifier: { notify: async () => {} },
    redact: createRedactor([]),
    fs: new WorktreeInfraFs(),
    pollMs: 50,
  });
  return { repo, github, engine, close: () => github.close() };
}

export async function writeIn(worktree: string, rel: string, content: string): Promise<string[]> {
  await fs.mkdir(path.dirname(path.join(worktree, rel)), { recursive: true });
  await fs.writeFile(path.join(worktree, rel), content);
  return [rel];
}
