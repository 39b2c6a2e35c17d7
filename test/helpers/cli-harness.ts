import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startAnthropicFake, type AnthropicFake, type FakeScript } from '../../src/fakes/anthropic-fake-server';
import { startGitHubFake, type FakeIssueSeed, type GitHubFake } from '../../src/fakes/github-fake-server';
import { createSampleRepo, type SampleRepo } from './git-repo';

export const CLI = path.resolve(__dirname, '../../dist/cli.cjs');
export const GITHUB_TOKEN = 'ghp_testtoken000000000000000000000000000';
export const ANTHROPIC_KEY = 'sk-ant-test-key-0000000000000000000000';

export interface RigResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Scenario {
  repo: SampleRepo;
  github: GitHubFake;
  anthropic: AnthropicFake;
  issueUrl: (n?: number) => string;
  env: Record<string, string>;
  /** Runs the real CLI in the user's clone and waits for it. */
  rig(args: string[], opts?: { env?: Record<string, string> }): Promise<RigResult>;
  /** Starts the real CLI without waiting. */
  spawnRig(args: string[], opts?: { env?: Record<string, string> }): ChildProcess & { output: () => string };
  statusJson(): Promise<Array<Record<string, any>>>;
  close(): Promise<void>;
}

export interface ScenarioOptions {
  files: Record<string, string>;
  rigYaml: string;
  issues: FakeIssueSeed[];
  script: FakeScript;
  executable?: string[];
  env?: Record<string, string>;
}

/**
 * A user's repository with a bare origin, a GitHub fake that knows that origin, and an Anthropic
 * fake playing `script`; the CLI runs as a real process against them.
 */
export async function startScenario(opts: ScenarioOptions): Promise<Scenario> {
  const repo = createSampleRepo({ ...opts.files, 'rig.yaml': opts.rigYaml }, { executable: opts.executable });
  const github = await startGitHubFake({
    token: GITHUB_TOKEN,
    viewer: 'rig-bot',
    repos: [{ owner: 'acme', name: 'shop', gitDir: repo.origin, roles: { 'rig-bot': 'write' }, issues: opts.issues }],
  });
  const anthropic = await startAnthropicFake(opts.script, { apiKey: ANTHROPIC_KEY });
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    GITHUB_TOKEN,
    GITHUB_API_URL: github.url,
    ANTHROPIC_API_KEY: ANTHROPIC_KEY,
    ANTHROPIC_BASE_URL: anthropic.url,
    GATE_DIR: repo.dir,
    ...opts.env,
  };
  const spawnRig = (args: string[], o: { env?: Record<string, string> } = {}) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: repo.work, env: { ...env, ...o.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    return Object.assign(child, { output: () => out });
  };
  const rig = (args: string[], o: { env?: Record<string, string> } = {}) =>
    new Promise<RigResult>((resolve) => {
      const child = spawn(process.execPath, [CLI, ...args], { cwd: repo.work, env: { ...env, ...o.env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
  return {
    repo,
    github,
    anthropic,
    env,
    issueUrl: (n = 1) => `https://github.com/acme/shop/issues/${n}`,
    rig,
    spawnRig,
    statusJson: async () => {
      const r = await rig(['status', '--json']);
      if (r.code !== 0) throw new Error(`rig status failed: ${r.stderr}`);
      return JSON.parse(r.stdout);
    },
    close: async () => {
      await github.close();
      await anthropic.close();
    },
  };
}

export async function waitFor<T>(probe: () => Promise<T | undefined | null | false>, what: string, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function writeFile(repo: SampleRepo, rel: string, content: string): void {
  writeFileSync(path.join(repo.work, rel), content);
}
