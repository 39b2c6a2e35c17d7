// Against a real sshd on 127.0.0.1: the "remote" host is this machine, so the test can look at
// the remote side's files and processes directly.
import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SshCommandRunner, SshConfigError } from '../../src/adapters/exec/ssh-runner';
import { TransportCommandRunner } from '../../src/adapters/exec/command-runner';
import type { CommandConfig, SshTarget } from '../../src/core/config/schema';
import type { RunContext, RuntimeVars } from '../../src/core/ports';
import { startSshd, type SshdServer } from '../helpers/sshd';

// GitHub's documented hostile inputs (docs.github.com, "script injections") and more of the kind.
const HOSTILE = [
  'a"; ls $GITHUB_WORKSPACE"',
  'zzz";echo${IFS}"hello";#',
  '$(touch canary)',
  '`touch canary`',
  "'; touch canary; '",
  '"; touch canary; "',
  "it's\nnew line; touch canary\n'",
  '${IFS}touch${IFS}canary',
  "'\\''; touch canary; echo '",
  'a[$(touch canary)]',
  'trailing \\',
  '%h %p %% ~root',
  'café 🚀',
];

const vars = (title: string, branch = 'rig/issue-3'): RuntimeVars => ({
  BRANCH_NAME: branch,
  COMMIT_SHA: 'cafebabecafebabecafebabecafebabecafebabe',
  ISSUE_ID: 'octo/hello#3',
  ISSUE_NUMBER: '3',
  ISSUE_TITLE: title,
  REPO_OWNER: 'octo',
  REPO_NAME: 'hello',
});

function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function eventually(check: () => boolean, ms = 5_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

let server: SshdServer;
let remoteDir: string;
let worktree: string;

beforeAll(async () => {
  // Fails (never skips) when sshd is missing, with the package to install.
  server = await startSshd();
  worktree = await fs.mkdtemp(path.join(os.tmpdir(), 'rig-ssh-worktree-'));
});

afterAll(async () => {
  await server?.stop();
  if (worktree) await fs.rm(worktree, { recursive: true, force: true });
});

beforeEach(async () => {
  remoteDir = await fs.realpath(await fs.mkdtemp(path.join(server.dir, 'remote-')));
});

const target = (over: Partial<SshTarget> = {}): SshTarget => ({
  host: server.host,
  port: server.port,
  user: server.user,
  key: server.clientKey,
  known_hosts: server.knownHosts,
  ...over,
});

const command = (run: string, over: Partial<CommandConfig> = {}, ssh: Partial<SshTarget> = {}): CommandConfig => ({
  name: 'remote step',
  run,
  timeout: 20_000,
  env: {},
  workdir: remoteDir,
  transport: { type: 'ssh', ssh: target(ssh) },
  ...over,
});

const context = (v: RuntimeVars = vars('plain'), signal = new AbortController().signal, onOutput?: (l: string) => void): RunContext => ({
  worktree,
  vars: v,
  signal,
  onOutput,
});

const runner = new SshCommandRunner({ graceMs: 1_000 });

describe('SshCommandRunner against a real sshd', () => {
  it('runs the command remotely in the workdir with the runtime and configured environment', async () => {
    const lines: string[] = [];
    const out = await runner.run(
      command('printf "%s|" "$PWD" "$RIG_COMMIT_SHA" ${ISSUE_NUMBER} "$DEPLOY_ENV"; echo; echo to-stderr >&2; exit 4', {
        env: { DEPLOY_ENV: "staging 'blue'" },
      }),
      context(vars('plain'), undefined, (l) => lines.push(l)),
    );
    expect(out.exitCode).toBe(4);
    expect(out.timedOut).toBe(false);
    expect(out.output).toContain(`${remoteDir}|cafebabecafebabecafebabecafebabecafebabe|3|staging 'blue'|\n`);
    expect(out.output).toContain('to-stderr\n');
    expect(lines).toContain('to-stderr');
  });

  it('keeps hostile titles and branch names inert on the remote side', async () => {
    for (const value of HOSTILE) {
      const out = await runner.run(
        command(`printf '%s' \${ISSUE_TITLE} > title.out; printf '%s' "\${BRANCH_NAME}" > branch.out; printf '%s' '\${ISSUE_TITLE}' > quoted.out`),
        context(vars(value, value)),
      );
      expect(out.exitCode, out.output).toBe(0);
      expect((await fs.readdir(remoteDir)).sort(), JSON.stringify(value)).toEqual(['branch.out', 'quoted.out', 'title.out']);
      for (const file of ['title.out', 'branch.out', 'quoted.out']) {
        expect(await fs.readFile(path.join(remoteDir, file), 'utf8'), `${file} for ${JSON.stringify(value)}`).toBe(value);
      }
      for (const file of await fs.readdir(remoteDir)) await fs.rm(path.join(remoteDir, file));
    }
  });

  it('sends configured env values with quotes and newlines intact', async () => {
    const value = "x'; touch canary; '\n$(touch canary)\"";
    const out = await runner.run(command('printf %s "$SECRETISH"', { env: { SECRETISH: value } }), context());
    expect(out.output).toBe(value);
    expect(await fs.readdir(remoteDir)).toEqual([]);
  });

  it('enters a workdir whose name needs quoting', async () => {
    const dir = path.join(remoteDir, "it's a $(dir)");
    await fs.mkdir(dir);
    const out = await runner.run(command('pwd', { workdir: dir }), context());
    expect(out.output).toBe(`${dir}\n`);
    const missing = await runner.run(command('touch should-not-exist', { workdir: path.join(remoteDir, 'missing') }), context());
    expect(missing.exitCode).toBe(1);
    expect(missing.output).toContain('cannot enter the remote workdir');
  });

  it('accepts a known_hosts path with spaces', async () => {
    const spaced = path.join(server.dir, 'with space', 'known hosts');
    await fs.mkdir(path.dirname(spaced), { recursive: true });
    await fs.copyFile(server.knownHosts, spaced);
    const out = await runner.run(command('echo ok', {}, { known_hosts: spaced }), context());
    expect(out.output).toBe('ok\n');
  });

  it('refuses a host whose key is not the one in known_hosts', async () => {
    const otherKey = await server.newKey(`other-host-${Date.now()}`);
    const otherPub = (await fs.readFile(`${otherKey}.pub`, 'utf8')).split(' ').slice(0, 2).join(' ');
    const wrong = path.join(server.dir, `wrong_known_hosts_${Date.now()}`);
    await fs.writeFile(wrong, `${server.hostPattern} ${otherPub}\n`);
    // The same command with the right file connects, so what follows is the key's doing.
    expect((await runner.run(command('touch reached'), context())).exitCode).toBe(0);
    await fs.rm(path.join(remoteDir, 'reached'));

    await expect(runner.run(command('touch reached', {}, { known_hosts: wrong }), context())).rejects.toThrow(SshConfigError);
    await expect(runner.run(command('touch reached', {}, { known_hosts: wrong }), context())).rejects.toThrow(
      new RegExp(`host key of 127\\.0\\.0\\.1:${server.port} does not match any entry in ${wrong}`),
    );
    const empty = path.join(server.dir, `empty_known_hosts_${Date.now()}`);
    await fs.writeFile(empty, '');
    await expect(runner.run(command('touch reached', {}, { known_hosts: empty }), context())).rejects.toThrow(/host key .* does not match/);
    expect(await fs.readdir(remoteDir)).toEqual([]);
  });

  it('fails clearly, without connecting, when known_hosts is missing', async () => {
    const missing = path.join(server.dir, 'no-such-known-hosts');
    await expect(runner.run(command('touch reached', {}, { known_hosts: missing }), context())).rejects.toThrow(
      new RegExp(`known_hosts file ${missing} not found: Rig never connects to an unverified host`),
    );
    expect(await fs.readdir(remoteDir)).toEqual([]);
  });

  it('refuses a known_hosts file inside the worktree, relative paths, and option-like hosts', async () => {
    const inWorktree = path.join(worktree, 'known_hosts');
    await fs.copyFile(server.knownHosts, inWorktree);
    await expect(runner.run(command('true', {}, { known_hosts: inWorktree }), context())).rejects.toThrow(/inside the task's worktree/);
    await expect(runner.run(command('true', {}, { known_hosts: 'known_hosts' }), context())).rejects.toThrow(/must be an absolute path or start with ~\//);
    await expect(runner.run(command('true', {}, { host: '-oProxyCommand=touch /tmp/x' }), context())).rejects.toThrow(/is not a host name/);
    await expect(runner.run(command('true', {}, { user: '-oProxyCommand=x' }), context())).rejects.toThrow(/is not a valid user name/);
    await expect(runner.run(command('true', {}, { key: path.join(server.dir, 'no-key') }), context())).rejects.toThrow(/ssh\.key .*no-key not found/);
  });

  it('reports a refused login as a configuration error', async () => {
    const stranger = await server.newKey(`stranger-${Date.now()}`);
    await expect(runner.run(command('true', {}, { key: stranger }), context())).rejects.toThrow(/refused \(permission denied\): check ssh\.user and ssh\.key/);
  });

  it('on timeout ends the remote command and what it started', async () => {
    const started = Date.now();
    const out = await runner.run(command('sleep 1000 & echo $! > sleeper.pid; wait', { timeout: 2_000 }), context());
    expect(out.timedOut).toBe(true);
    expect(out.output).toContain('[rig] timed out after 2s');
    expect(Date.now() - started).toBeLessThan(8_000);
    const pid = Number(await fs.readFile(path.join(remoteDir, 'sleeper.pid'), 'utf8'));
    expect(await eventually(() => !running(pid))).toBe(true);
  });

  it('on cancel ends the remote command', async () => {
    const controller = new AbortController();
    const pending = runner.run(command('sleep 1000 & echo $! > sleeper.pid; wait', { timeout: 60_000 }), context(vars('x'), controller.signal));
    const pidFile = path.join(remoteDir, 'sleeper.pid');
    expect(await eventually(() => readFileSafe(pidFile) !== '')).toBe(true);
    const pid = Number(readFileSafe(pidFile));
    expect(running(pid)).toBe(true);
    controller.abort();
    const out = await pending;
    expect(out.timedOut).toBe(false);
    expect(out.exitCode).not.toBe(0);
    expect(out.output).toContain('[rig] cancelled');
    expect(await eventually(() => !running(pid))).toBe(true);
  });

  it('is what TransportCommandRunner uses for transport: ssh', async () => {
    const out = await new TransportCommandRunner({ ssh: { graceMs: 1_000 } }).run(command('hostname >/dev/null && echo via-ssh'), context());
    expect(out.output).toBe('via-ssh\n');
  });
});

function readFileSafe(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}
