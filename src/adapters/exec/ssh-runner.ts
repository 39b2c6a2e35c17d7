// Runs a rig.yaml command on another machine through the system OpenSSH client. The remote shell
// parses text again, so nothing of a value ever reaches ssh's argument vector: the values, the
// command and the working directory travel as a script on stdin, every value single-quoted.
//
// The host key is always verified against one known_hosts file; a missing file is an error,
// never a reason to trust whatever answers.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CommandConfig, SshTarget } from '../../core/config/schema';
import type { CommandOutcome } from '../../core/model';
import type { CommandRunner, RunContext } from '../../core/ports';
import { checkCommandEnv } from './local-runner';
import { findExecutable, runProcessTree } from './process-tree';
import { rewriteCommand, runtimeEnv, shellQuote } from './shell-vars';

export interface SshRunnerOptions {
  /** Where to look for `ssh`; default this process's PATH. */
  pathVar?: string;
  graceMs?: number;
  maxOutputChars?: number;
  /** Extra time the remote `timeout` allows beyond the command's own, so the local side decides. */
  remoteSlackMs?: number;
}

/** A configuration problem with the SSH target: not a failure of the command. */
export class SshConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SshConfigError';
  }
}

const HOST_RE = /^[A-Za-z0-9._:[\]%-]+$/;
const USER_RE = /^[A-Za-z0-9._][A-Za-z0-9._-]*$/;
// ssh expands %-tokens and ${VAR} in these paths and splits them on quotes and spaces.
const UNSAFE_PATH_RE = /[\0-\x1f\x7f"'\\$]/;

const expandHome = (p: string): string => (p === '~' ? os.homedir() : p.startsWith('~/') ? path.join(os.homedir(), p.slice(2)) : p);

function checkedPath(field: string, value: string, ctx: RunContext): string {
  const file = expandHome(value);
  if (!path.isAbsolute(file)) throw new SshConfigError(`ssh.${field} "${value}" must be an absolute path or start with ~/`);
  if (UNSAFE_PATH_RE.test(file)) throw new SshConfigError(`ssh.${field} "${value}" contains quotes, backslashes, "$" or control characters`);
  // Files in the worktree may have been written by the AI: never let them vouch for a host.
  const rel = path.relative(path.resolve(ctx.worktree), file);
  if (field === 'known_hosts' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel)) {
    throw new SshConfigError(`ssh.known_hosts ${file} is inside the task's worktree; keep it outside the repository`);
  }
  return file;
}

async function fileExists(file: string): Promise<boolean> {
  return fs.stat(file).then(
    (s) => s.isFile(),
    () => false,
  );
}

// ssh's own config parser takes `%` as a token and needs the path quoted when it has spaces.
const sshOptionPath = (file: string): string => `"${file.replaceAll('%', '%%')}"`;

export async function sshArguments(target: SshTarget, ctx: RunContext, connectTimeoutS: number): Promise<{ args: string[]; knownHosts: string }> {
  if (target.host.startsWith('-') || !HOST_RE.test(target.host)) {
    throw new SshConfigError(`ssh.host ${JSON.stringify(target.host)} is not a host name or address`);
  }
  if (!USER_RE.test(target.user)) throw new SshConfigError(`ssh.user ${JSON.stringify(target.user)} is not a valid user name`);

  const knownHosts = checkedPath('known_hosts', target.known_hosts ?? '~/.ssh/known_hosts', ctx);
  if (!(await fileExists(knownHosts))) {
    throw new SshConfigError(
      `known_hosts file ${knownHosts} not found: Rig never connects to an unverified host. ` +
        `Add the host's key (check its fingerprint first), e.g. ssh-keyscan -p ${target.port} ${target.host} >> ${knownHosts}, ` +
        `or point ssh.known_hosts at a file that has it`,
    );
  }
  const args = [
    '-T',
    '-o', 'BatchMode=yes',
    '-o', 'StrictHostKeyChecking=yes',
    '-o', `UserKnownHostsFile=${sshOptionPath(knownHosts)}`,
    // Only the configured file vouches for the host.
    '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'UpdateHostKeys=no',
    '-o', 'IdentitiesOnly=yes',
    '-o', `ConnectTimeout=${connectTimeoutS}`,
    '-o', 'ServerAliveInterval=15',
    '-o', 'ServerAliveCountMax=4',
    '-o', 'ForwardAgent=no',
    '-o', 'ForwardX11=no',
    '-o', 'ClearAllForwardings=yes',
    '-o', 'PermitLocalCommand=no',
    // A shared master connection of the user's could carry other options; use our own.
    '-o', 'ControlMaster=no',
    '-o', 'ControlPath=none',
    '-o', 'LogLevel=ERROR',
  ];
  if (target.key) {
    const key = checkedPath('key', target.key, ctx);
    if (!(await fileExists(key))) throw new SshConfigError(`ssh.key ${key} not found`);
    args.push('-o', `IdentityFile=${sshOptionPath(key)}`);
  }
  args.push('-p', String(target.port), '-l', target.user, '--', target.host, 'bash --noprofile --norc -s');
  return { args, knownHosts };
}

/**
 * The script the remote bash reads from stdin. It is one function, read whole before anything
 * runs, so the rest of stdin is free: a watchdog reads it and ends the command when it closes,
 * which is how a local cancel or a dropped connection reaches the remote processes.
 */
export function remoteScript(command: CommandConfig, ctx: RunContext, remoteTimeoutMs: number, killAfterMs: number): string {
  const lines: string[] = ['rig_main() {'];
  for (const [name, value] of Object.entries({ ...command.env, ...runtimeEnv(ctx.vars) })) {
    lines.push(`  export ${name}=${shellQuote(value.replaceAll('\0', ''))}`);
  }
  lines.push(`  command -v timeout >/dev/null 2>&1 || { echo "rig: the remote host has no 'timeout' (GNU coreutils); install it" >&2; exit 127; }`);
  if (command.workdir) {
    const dir = command.workdir;
    const target = dir === '~' ? '"$HOME"' : dir.startsWith('~/') ? `"$HOME"/${shellQuote(dir.slice(2))}` : shellQuote(dir);
    lines.push(`  cd -- ${target} || { echo "rig: cannot enter the remote workdir" >&2; exit 1; }`);
  }
  lines.push(
    '  exec 3<&0',
    `  timeout --kill-after=${seconds(killAfterMs)} ${seconds(remoteTimeoutMs)} bash --noprofile --norc -c ${shellQuote(rewriteCommand(command.run))} rig </dev/null &`,
    '  rig_cmd=$!',
    '  ( while IFS= read -r _; do :; done; kill -TERM "$rig_cmd" ) <&3 >/dev/null 2>&1 &',
    '  rig_watch=$!',
    '  exec 3<&-',
    '  wait "$rig_cmd"',
    '  rig_rc=$?',
    '  kill "$rig_watch" 2>/dev/null',
    '  exit "$rig_rc"',
    '}',
    'rig_main',
    '',
  );
  return lines.join('\n');
}

const seconds = (ms: number): string => `${Math.max(1, Math.ceil(ms / 1000))}s`;

// ssh exits 255 with one of these on stderr when it never got to run anything.
const CONNECT_FAILURES: Array<[RegExp, (t: SshTarget, knownHosts: string) => string]> = [
  [/Host key verification failed\.|REMOTE HOST IDENTIFICATION HAS CHANGED|No \S+ host key is known for/, (t, kh) =>
    `host key of ${t.host}:${t.port} does not match any entry in ${kh}: refusing to connect. If the host really changed, verify its fingerprint and update that file`],
  [/Permission denied \(/, (t) => `ssh login as ${t.user}@${t.host}:${t.port} was refused (permission denied): check ssh.user and ssh.key`],
];

export class SshCommandRunner implements CommandRunner {
  constructor(private readonly options: SshRunnerOptions = {}) {}

  async run(command: CommandConfig, ctx: RunContext): Promise<CommandOutcome> {
    if (command.transport.type !== 'ssh') throw new Error(`command "${command.name}" does not use the ssh transport`);
    const target = command.transport.ssh;
    checkCommandEnv(command);
    const ssh = findExecutable('ssh', this.options.pathVar ?? process.env.PATH);
    if (!ssh) throw new SshConfigError('the OpenSSH client `ssh` was not found on PATH; install openssh-client');

    const connectTimeoutS = Math.max(1, Math.min(30, Math.ceil(command.timeout / 1000)));
    const { args, knownHosts } = await sshArguments(target, ctx, connectTimeoutS);
    const graceMs = this.options.graceMs ?? 5_000;
    const script = remoteScript(command, ctx, command.timeout + (this.options.remoteSlackMs ?? 10_000), graceMs);

    // The client gets only what it needs: no tokens from this process reach it or the remote.
    const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: os.homedir() };
    const agent = process.env.SSH_AUTH_SOCK;
    if (!target.key && agent) env.SSH_AUTH_SOCK = agent;

    const result = await runProcessTree({
      file: ssh,
      args,
      // Paths are absolute by now; '/' always exists, a home directory may not.
      cwd: '/',
      env,
      timeoutMs: command.timeout,
      signal: ctx.signal,
      graceMs,
      maxOutputChars: this.options.maxOutputChars,
      stdin: script,
      keepStdinOpen: true,
      onLine: ctx.onOutput,
    });

    if (result.exitCode === 255 && !result.timedOut && !result.aborted) {
      for (const [pattern, explain] of CONNECT_FAILURES) {
        if (pattern.test(result.output)) throw new SshConfigError(`${explain(target, knownHosts)}\n${result.output.trim()}`);
      }
    }
    return {
      name: command.name,
      command: command.run,
      exitCode: result.exitCode,
      signal: result.signal,
      timedOut: result.timedOut,
      durationMs: result.durationMs,
      output: result.output,
    };
  }
}
