import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalCommandRunner } from '../../src/adapters/exec/local-runner';
import type { CommandConfig } from '../../src/core/config/schema';
import type { RunContext, RuntimeVars } from '../../src/core/ports';

const VARS: RuntimeVars = {
  BRANCH_NAME: 'rig/issue-12',
  COMMIT_SHA: 'deadbeefdeadbeefdeadbeefdeadbeefdeadbeef',
  ISSUE_ID: 'octo/hello#12',
  ISSUE_NUMBER: '12',
  ISSUE_TITLE: 'Fix "login" $(touch canary) `touch canary` \'; touch canary; \'',
  REPO_OWNER: 'octo',
  REPO_NAME: 'hello',
};

const command = (run: string, extra: Partial<CommandConfig> = {}): CommandConfig => ({
  name: 'step',
  run,
  timeout: 20_000,
  env: {},
  transport: { type: 'local' },
  ...extra,
});

/** A zombie nobody reaps (the container's init may not) has stopped running: it counts as gone. */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function eventually(check: () => boolean, ms = 3_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

let worktree: string;
let ctx: RunContext;
let lines: string[];
const leftovers: number[] = [];

beforeEach(async () => {
  worktree = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'rig-local-')));
  lines = [];
  ctx = { worktree, vars: VARS, signal: new AbortController().signal, onOutput: (line) => lines.push(line) };
});

afterEach(async () => {
  for (const pid of leftovers.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await fs.rm(worktree, { recursive: true, force: true });
});

const runner = (options: ConstructorParameters<typeof LocalCommandRunner>[0] = {}) =>
  new LocalCommandRunner({ baseEnv: { PATH: process.env.PATH }, graceMs: 500, ...options });

describe('LocalCommandRunner', () => {
  it('reports exit codes and what the command printed', async () => {
    const ok = await runner().run(command('echo hello'), ctx);
    expect(ok).toMatchObject({ name: 'step', command: 'echo hello', exitCode: 0, signal: null, timedOut: false, output: 'hello\n' });
    const failed = await runner().run(command('echo oops >&2; exit 3'), ctx);
    expect(failed.exitCode).toBe(3);
    expect(failed.output).toBe('oops\n');
    expect(lines).toEqual(['hello', 'oops']);
  });

  it('runs in the worktree with the inherited, configured and runtime environment', async () => {
    const r = runner({ baseEnv: { PATH: process.env.PATH, FROM_PARENT: 'parent', GITHUB_TOKEN: 'ghp_secret', RIG_ISSUE_TITLE: 'stale' } });
    const out = await r.run(
      command('printf "%s|" "$PWD" "$FROM_PARENT" "$GREETING" "${GITHUB_TOKEN-absent}" "$RIG_BRANCH_NAME" ${ISSUE_NUMBER} ${ISSUE_TITLE}', {
        env: { GREETING: "it's \"me\"" },
      }),
      ctx,
    );
    expect(out.exitCode).toBe(0);
    expect(out.output).toBe(`${worktree}|parent|it's "me"|absent|rig/issue-12|12|${VARS.ISSUE_TITLE}|`);
    expect(await fs.readdir(worktree)).toEqual([]);
  });

  it('runs in a workdir inside the worktree and refuses one that leaves it', async () => {
    await fs.mkdir(path.join(worktree, 'api', 'src'), { recursive: true });
    const out = await runner().run(command('pwd', { workdir: 'api/src' }), ctx);
    expect(out.output).toBe(`${path.join(worktree, 'api', 'src')}\n`);

    const outside = await fs.mkdtemp(path.join(os.tmpdir(), 'rig-outside-'));
    try {
      await fs.symlink(outside, path.join(worktree, 'link'));
      await expect(runner().run(command('touch escaped', { workdir: '../' }), ctx)).rejects.toThrow(/outside the worktree/);
      await expect(runner().run(command('touch escaped', { workdir: 'api/../..' }), ctx)).rejects.toThrow(/outside the worktree/);
      await expect(runner().run(command('touch escaped', { workdir: 'link' }), ctx)).rejects.toThrow(/outside the worktree/);
      await expect(runner().run(command('touch escaped', { workdir: outside }), ctx)).rejects.toThrow(/must be relative/);
      await expect(runner().run(command('true', { workdir: 'nope' }), ctx)).rejects.toThrow(/workdir "nope" does not exist/);
      expect(await fs.readdir(outside)).toEqual([]);
    } finally {
      await fs.rm(outside, { recursive: true, force: true });
    }
  });

  it('names a missing worktree', async () => {
    await expect(runner().run(command('true'), { ...ctx, worktree: path.join(worktree, 'gone') })).rejects.toThrow(/worktree .*gone does not exist/);
  });

  it('never runs a `bash` found through a relative PATH entry', async () => {
    await fs.writeFile(path.join(worktree, 'bash'), '#!/bin/sh\ntouch pwned\n', { mode: 0o755 });
    const out = await runner({ baseEnv: { PATH: `.:bin:${process.env.PATH}` } }).run(command('echo real'), ctx);
    expect(out.output).toBe('real\n');
    expect(await fs.readdir(worktree)).toEqual(['bash']);
  });

  it('caps the output, keeping its start and its end', async () => {
    const out = await runner({ maxOutputChars: 1_000 }).run(command('echo START; for i in $(seq 1 5000); do echo "line $i"; done; echo END'), ctx);
    expect(out.exitCode).toBe(0);
    expect(out.output.startsWith('START\nline 1\n')).toBe(true);
    expect(out.output.endsWith('line 5000\nEND\n')).toBe(true);
    const cut = /\[rig\] … (\d+) characters of output cut …/.exec(out.output);
    expect(cut).not.toBeNull();
    const total = 'START\n'.length + 'END\n'.length + Array.from({ length: 5000 }, (_, i) => `line ${i + 1}\n`).join('').length;
    expect(Number(cut![1])).toBe(total - 1_000);
    expect(out.output.length).toBeLessThan(1_100);
    // Streaming is not capped: every line reached the listener.
    expect(lines).toHaveLength(5002);
  });

  it('on timeout stops the whole process group, grandchildren included', async () => {
    const started = Date.now();
    const out = await runner().run(command("bash -c 'sleep 1000 & echo $! > pid; wait'", { timeout: 1_000 }), ctx);
    const pid = Number(await fs.readFile(path.join(worktree, 'pid'), 'utf8'));
    expect(out.timedOut).toBe(true);
    expect(out.exitCode).toBeNull();
    expect(out.signal).toBe('SIGTERM');
    expect(out.output).toContain('[rig] timed out after 1s');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await eventually(() => !running(pid))).toBe(true);
  });

  it('escalates to SIGKILL when the group ignores SIGTERM', async () => {
    const out = await runner().run(command("trap '' TERM; sleep 1000 & echo $! > pid; wait", { timeout: 500 }), ctx);
    const pid = Number(await fs.readFile(path.join(worktree, 'pid'), 'utf8'));
    expect(out.timedOut).toBe(true);
    expect(out.signal).toBe('SIGKILL');
    expect(out.durationMs).toBeGreaterThanOrEqual(1_000);
    expect(await eventually(() => !running(pid))).toBe(true);
  });

  it('stops the process group when the run is cancelled', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const out = await runner().run(command('sleep 1000 & echo $! > pid; wait', { timeout: 60_000 }), { ...ctx, signal: controller.signal });
    const pid = Number(await fs.readFile(path.join(worktree, 'pid'), 'utf8'));
    expect(out.timedOut).toBe(false);
    expect(out.exitCode).toBeNull();
    expect(out.output).toContain('[rig] cancelled');
    expect(out.durationMs).toBeLessThan(3_000);
    expect(await eventually(() => !running(pid))).toBe(true);
  });

  it('does not start a command whose run is already cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    const out = await runner().run(command('touch started'), { ...ctx, signal: controller.signal });
    expect(out.exitCode).toBeNull();
    expect(out.output).toContain('cancelled before it started');
    expect(await fs.readdir(worktree)).toEqual([]);
  });

  it('ends processes that still hold the output when the shell exits, and spares detached ones', async () => {
    const attached = await runner().run(command('sleep 1000 & echo $! > pid'), ctx);
    const attachedPid = Number(await fs.readFile(path.join(worktree, 'pid'), 'utf8'));
    leftovers.push(attachedPid);
    expect(attached.exitCode).toBe(0);
    expect(attached.output).toContain('still held its output');
    expect(await eventually(() => !running(attachedPid))).toBe(true);

    const detached = await runner().run(command('sleep 1000 >/dev/null 2>&1 & echo $! > pid'), ctx);
    const detachedPid = Number(await fs.readFile(path.join(worktree, 'pid'), 'utf8'));
    leftovers.push(detachedPid);
    expect(detached.exitCode).toBe(0);
    expect(detached.durationMs).toBeLessThan(1_000);
    expect(running(detachedPid)).toBe(true);
  });

  it('refuses an env name that could not be exported or would shadow a runtime variable', async () => {
    await expect(runner().run(command('true', { env: { 'BAD-NAME': 'x' } }), ctx)).rejects.toThrow(/not a valid variable name/);
    await expect(runner().run(command('true', { env: { RIG_ISSUE_TITLE: 'x' } }), ctx)).rejects.toThrow(/reserved/);
  });
});
