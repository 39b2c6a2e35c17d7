// Runs a rig.yaml command on this machine: `bash -c <command>` in the task's worktree, with the
// runtime variables in the environment and the command text rewritten to refer to them.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { CommandConfig } from '../../core/config/schema';
import type { CommandOutcome } from '../../core/model';
import type { CommandRunner, RunContext } from '../../core/ports';
import { findExecutable, runProcessTree } from './process-tree';
import { ENV_PREFIX, rewriteCommand, runtimeEnv } from './shell-vars';

export interface LocalRunnerOptions {
  /**
   * The environment commands start from; default: this process's, without Rig's own credentials
   * (see inheritedEnv). A command that needs a token names it in its rig.yaml `env:`.
   */
  baseEnv?: Record<string, string | undefined>;
  graceMs?: number;
  maxOutputChars?: number;
}

/**
 * Credentials Rig itself reads. Tests run code the AI wrote from an issue anyone could open, so
 * these are not handed to every command by default.
 */
const RIG_CREDENTIALS = ['GITHUB_TOKEN', 'GH_TOKEN', 'ANTHROPIC_API_KEY', 'OPENAI_API_KEY'];

/** This process's environment minus Rig's credentials and any stale RIG_* values. */
export function inheritedEnv(env: Record<string, string | undefined> = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || RIG_CREDENTIALS.includes(name) || name.startsWith(ENV_PREFIX)) continue;
    out[name] = value;
  }
  return out;
}

/**
 * The directory a command runs in: the worktree, or `workdir` inside it. Symlinks are resolved
 * before the check, since the worktree holds files the AI wrote and a link could point anywhere.
 */
export async function resolveWorkdir(worktree: string, workdir: string | undefined): Promise<string> {
  let root: string;
  try {
    root = await fs.realpath(worktree);
  } catch {
    throw new Error(`the task's worktree ${worktree} does not exist`);
  }
  if (workdir === undefined || workdir === '' || workdir === '.') return root;
  if (path.isAbsolute(workdir)) throw new Error(`workdir "${workdir}" must be relative to the worktree, not absolute`);
  let dir: string;
  try {
    dir = await fs.realpath(path.resolve(root, workdir));
  } catch {
    throw new Error(`workdir "${workdir}" does not exist in the worktree`);
  }
  const rel = path.relative(root, dir);
  if (rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) {
    throw new Error(`workdir "${workdir}" resolves to ${dir}, outside the worktree; commands only run inside it`);
  }
  if (!(await fs.stat(dir)).isDirectory()) throw new Error(`workdir "${workdir}" is not a directory`);
  return dir;
}

/** Environment names a command's `env:` may set: anything else cannot be exported portably. */
export const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function checkCommandEnv(command: CommandConfig): void {
  for (const name of Object.keys(command.env)) {
    if (!ENV_NAME_RE.test(name)) throw new Error(`command "${command.name}": env name ${JSON.stringify(name)} is not a valid variable name`);
    if (name.startsWith(ENV_PREFIX)) throw new Error(`command "${command.name}": env name ${name} is reserved (RIG_* carry the runtime variables)`);
  }
}

export class LocalCommandRunner implements CommandRunner {
  constructor(private readonly options: LocalRunnerOptions = {}) {}

  async run(command: CommandConfig, ctx: RunContext): Promise<CommandOutcome> {
    checkCommandEnv(command);
    const script = rewriteCommand(command.run);
    const cwd = await resolveWorkdir(ctx.worktree, command.workdir);
    const base = this.options.baseEnv ? inheritedEnv(this.options.baseEnv) : inheritedEnv();
    const env = { ...base, ...command.env, ...runtimeEnv(ctx.vars) };
    const bash = findExecutable('bash', base.PATH) ?? '/bin/bash';
    const result = await runProcessTree({
      file: bash,
      // No rc files: Debian's bash reads ~/.bashrc for `bash -c` when SSH_CLIENT is set, and a
      // command must behave the same whoever starts Rig. "rig" is $0, so errors say where they are from.
      args: ['--noprofile', '--norc', '-c', script, 'rig'],
      cwd,
      env,
      timeoutMs: command.timeout,
      signal: ctx.signal,
      graceMs: this.options.graceMs,
      maxOutputChars: this.options.maxOutputChars,
      onLine: ctx.onOutput,
    });
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
