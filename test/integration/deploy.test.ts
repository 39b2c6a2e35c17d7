import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CommandDeployer } from '../../src/adapters/deploy/command-deployer';
import { TransportCommandRunner } from '../../src/adapters/exec/command-runner';
import { deploySchema, type DeployConfig } from '../../src/core/config/schema';
import type { RunContext } from '../../src/core/ports';

// Stands in for the docker CLI: records each call's arguments, directory and one runtime variable,
// and plays a failing `up` when asked to.
const FAKE_DOCKER = `#!/bin/sh
{
  printf 'cwd=%s\\n' "$PWD"
  printf 'branch=%s\\n' "$RIG_BRANCH_NAME"
  for arg in "$@"; do printf 'arg=%s\\n' "$arg"; done
  printf -- '---\\n'
} >> "$FAKE_DOCKER_LOG"
case " $* " in
  *" up "*) if [ -n "$FAKE_DOCKER_FAIL_UP" ]; then echo "Error: container api exited (1)" >&2; exit 17; fi ;;
  *" ps "*) echo "NAME  STATUS"; echo "api   Exited (1) 2 seconds ago" ;;
  *" logs "*) echo "api  | Error: cannot connect to database" ;;
esac
exit 0
`;

let worktree: string;
let bin: string;
let dockerLog: string;
let ctx: RunContext;

beforeEach(async () => {
  worktree = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'rig-deploy-')));
  bin = await fs.mkdtemp(path.join(os.tmpdir(), 'rig-fake-bin-'));
  dockerLog = path.join(bin, 'calls.log');
  await fs.writeFile(path.join(bin, 'docker'), FAKE_DOCKER, { mode: 0o755 });
  ctx = {
    worktree,
    vars: {
      BRANCH_NAME: 'rig/issue-9',
      COMMIT_SHA: 'abcabcabcabcabcabcabcabcabcabcabcabcabca',
      ISSUE_ID: 'octo/hello#9',
      ISSUE_NUMBER: '9',
      ISSUE_TITLE: '$(touch canary)',
      REPO_OWNER: 'octo',
      REPO_NAME: 'hello',
    },
    signal: new AbortController().signal,
  };
});

afterEach(async () => {
  await fs.rm(worktree, { recursive: true, force: true });
  await fs.rm(bin, { recursive: true, force: true });
});

/** The fake docker first on PATH, as a user's own PATH would have the real one. */
const deployer = (extraEnv: Record<string, string> = {}) => {
  const baseEnv = { PATH: `${bin}:${process.env.PATH}`, FAKE_DOCKER_LOG: dockerLog, ...extraEnv };
  return new CommandDeployer(new TransportCommandRunner({ local: { baseEnv, graceMs: 500 } }), { baseEnv, graceMs: 500 });
};

interface DockerCall {
  cwd: string;
  branch: string;
  args: string[];
}

async function dockerCalls(): Promise<DockerCall[]> {
  const text = await fs.readFile(dockerLog, 'utf8').catch(() => '');
  return text
    .split('---\n')
    .filter(Boolean)
    .map((block) => {
      const lines = block.trimEnd().split('\n');
      const value = (prefix: string) => lines.filter((l) => l.startsWith(prefix)).map((l) => l.slice(prefix.length));
      return { cwd: value('cwd=')[0]!, branch: value('branch=')[0]!, args: value('arg=') };
    });
}

const custom = (runs: string[], rollback?: { enabled?: boolean; runs: string[] }): DeployConfig =>
  deploySchema.parse({
    method: 'custom',
    config: { commands: runs.map((run, i) => ({ name: `step ${i + 1}`, run })) },
    ...(rollback ? { rollback: { enabled: rollback.enabled, config: { commands: rollback.runs.map((run, i) => ({ name: `undo ${i + 1}`, run })) } } } : {}),
  });

const compose = (config: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): DeployConfig =>
  deploySchema.parse({ method: 'docker-compose', config, ...extra });

describe('CommandDeployer, custom', () => {
  it('runs the commands in order in the worktree', async () => {
    const out = await deployer().deploy(custom(['echo one >> order', 'echo "two ${ISSUE_NUMBER}" >> order']), ctx);
    expect(out.success).toBe(true);
    expect(out.commands.map((c) => [c.name, c.exitCode])).toEqual([
      ['step 1', 0],
      ['step 2', 0],
    ]);
    expect(await fs.readFile(path.join(worktree, 'order'), 'utf8')).toBe('one\ntwo 9\n');
  });

  it('stops at the first failing command', async () => {
    const out = await deployer().deploy(custom(['echo one >> order', 'echo broken >&2; exit 5', 'echo three >> order']), ctx);
    expect(out.success).toBe(false);
    expect(out.commands).toHaveLength(2);
    expect(out.commands[1]).toMatchObject({ name: 'step 2', exitCode: 5, output: 'broken\n' });
    expect(await fs.readFile(path.join(worktree, 'order'), 'utf8')).toBe('one\n');
  });

  it('runs the configured rollback, and nothing when there is none or it is disabled', async () => {
    const d = deployer();
    const out = await d.rollback(custom(['true'], { runs: ['echo undone ${BRANCH_NAME} > rollback.txt'] }), ctx);
    expect(out?.success).toBe(true);
    expect(out?.commands.map((c) => c.name)).toEqual(['undo 1']);
    expect(await fs.readFile(path.join(worktree, 'rollback.txt'), 'utf8')).toBe('undone rig/issue-9\n');
    expect(await d.rollback(custom(['true'], { enabled: false, runs: ['touch never'] }), ctx)).toBeNull();
    expect(await d.rollback(custom(['true']), ctx)).toBeNull();
    expect(await fs.readdir(worktree)).toEqual(['rollback.txt']);
  });

  it('refuses a method it does not run, naming it', async () => {
    const terraform = { method: 'terraform', config: {} } as unknown as DeployConfig;
    await expect(deployer().deploy(terraform, ctx)).rejects.toThrow(/deploy method "terraform" is not supported/);
    await expect(deployer().rollback(terraform, ctx)).rejects.toThrow(/"terraform" is not supported/);
  });
});

describe('CommandDeployer, docker-compose', () => {
  beforeEach(async () => {
    await fs.writeFile(path.join(worktree, 'docker-compose.yml'), 'services:\n  api:\n    image: alpine\n');
  });

  it('runs docker compose up with every configured option as separate arguments', async () => {
    await fs.mkdir(path.join(worktree, 'deploy'));
    await fs.writeFile(path.join(worktree, 'deploy', 'compose.yml'), 'services: {}\n');
    await fs.writeFile(path.join(worktree, 'deploy', '.env'), 'TAG=1\n');
    const config = compose({ file: 'deploy/compose.yml', env_file: 'deploy/.env', project_name: 'rig-9', services: ['api', 'db'], build: true });
    const out = await deployer().deploy(config, ctx);
    expect(out.success).toBe(true);
    expect(out.commands).toHaveLength(1);
    expect(out.commands[0]!.command).toBe('docker compose -f deploy/compose.yml --env-file deploy/.env -p rig-9 up -d --build api db');
    expect(await dockerCalls()).toEqual([
      {
        cwd: worktree,
        branch: 'rig/issue-9',
        args: ['compose', '-f', 'deploy/compose.yml', '--env-file', 'deploy/.env', '-p', 'rig-9', 'up', '-d', '--build', 'api', 'db'],
      },
    ]);
  });

  it('uses the defaults of rig.yaml: docker-compose.yml, all services', async () => {
    const out = await deployer().deploy(compose(), ctx);
    expect(out.success).toBe(true);
    expect((await dockerCalls()).map((c) => c.args)).toEqual([['compose', '-f', 'docker-compose.yml', 'up', '-d']]);
  });

  it('adds what ps and logs say when up fails', async () => {
    const out = await deployer({ FAKE_DOCKER_FAIL_UP: '1' }).deploy(compose({ project_name: 'rig-9' }), ctx);
    expect(out.success).toBe(false);
    expect(out.commands[0]!.exitCode).toBe(17);
    const output = out.commands[0]!.output;
    expect(output).toContain('Error: container api exited (1)');
    expect(output).toContain('[rig] docker compose -f docker-compose.yml -p rig-9 ps --all:\nNAME  STATUS\napi   Exited (1)');
    expect(output).toContain('[rig] docker compose -f docker-compose.yml -p rig-9 logs --no-color --tail 100:\napi  | Error: cannot connect to database');
    expect((await dockerCalls()).map((c) => c.args.slice(5))).toEqual([['up', '-d'], ['ps', '--all'], ['logs', '--no-color', '--tail', '100']]);
  });

  it('says clearly that the compose file is missing, without calling docker', async () => {
    await expect(deployer().deploy(compose({ file: 'compose.prod.yml' }), ctx)).rejects.toThrow(
      `deploy.config.file: compose.prod.yml not found in the worktree (${path.join(worktree, 'compose.prod.yml')})`,
    );
    await expect(deployer().deploy(compose({ env_file: 'missing.env' }), ctx)).rejects.toThrow(/deploy\.config\.env_file: missing\.env not found/);
    expect(await dockerCalls()).toEqual([]);
  });

  it('refuses a compose file outside the worktree and option-like names', async () => {
    const outside = path.join(path.dirname(worktree), `${path.basename(worktree)}-outside.yml`);
    await fs.writeFile(outside, 'services: {}\n');
    try {
      await expect(deployer().deploy(compose({ file: `../${path.basename(outside)}` }), ctx)).rejects.toThrow(/outside the worktree/);
    } finally {
      await fs.rm(outside);
    }
    await expect(deployer().deploy(compose({ services: ['--privileged'] }), ctx)).rejects.toThrow(/must not begin with "-"/);
    await expect(deployer().deploy(compose({ project_name: '-x' }), ctx)).rejects.toThrow(/must not begin with "-"/);
    expect(await dockerCalls()).toEqual([]);
  });

  it('rolls back with docker compose down when no rollback is configured', async () => {
    await fs.writeFile(path.join(worktree, '.env'), 'A=1\n');
    const out = await deployer().rollback(compose({ env_file: '.env', project_name: 'rig-9' }), ctx);
    expect(out?.success).toBe(true);
    expect((await dockerCalls()).map((c) => c.args)).toEqual([['compose', '-f', 'docker-compose.yml', '--env-file', '.env', '-p', 'rig-9', 'down']]);
  });

  it('prefers the configured rollback, and does nothing when it is disabled', async () => {
    const configured = compose({}, { rollback: { config: { commands: [{ name: 'restore', run: 'echo restored > r.txt' }] } } });
    expect((await deployer().rollback(configured, ctx))?.commands.map((c) => c.name)).toEqual(['restore']);
    const disabled = compose({}, { rollback: { enabled: false, config: { commands: [{ name: 'restore', run: 'touch never' }] } } });
    expect(await deployer().rollback(disabled, ctx)).toBeNull();
    expect(await dockerCalls()).toEqual([]);
    expect((await fs.readdir(worktree)).sort()).toEqual(['docker-compose.yml', 'r.txt']);
  });

  it('says so when docker is not installed', async () => {
    const empty = await fs.mkdtemp(path.join(os.tmpdir(), 'rig-empty-bin-'));
    try {
      const d = new CommandDeployer(new TransportCommandRunner(), { baseEnv: { PATH: empty } });
      await expect(d.deploy(compose(), ctx)).rejects.toThrow(/needs `docker` \(with the compose plugin\) on PATH/);
    } finally {
      await fs.rm(empty, { recursive: true, force: true });
    }
  });
});
