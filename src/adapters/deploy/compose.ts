// `docker compose` run directly (an argument vector, no shell) in the task's worktree.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { DeployConfig } from '../../core/config/schema';
import type { CommandOutcome, DeployOutcome } from '../../core/model';
import type { RunContext } from '../../core/ports';
import { inheritedEnv } from '../exec/local-runner';
import { findExecutable, runProcessTree } from '../exec/process-tree';
import { runtimeEnv, shellQuote } from '../exec/shell-vars';
import { succeeded } from './run-in-order';

export type ComposeConfig = Extract<DeployConfig, { method: 'docker-compose' }>['config'];

export interface ComposeOptions {
  /** Environment docker starts from (and the PATH it is found on); default this process's, without Rig's credentials. */
  baseEnv?: Record<string, string | undefined>;
  graceMs?: number;
  maxOutputChars?: number;
}

/** Bound for the ps/logs calls that explain a failed `up`: they must not hold up the report. */
const DIAGNOSTIC_TIMEOUT_MS = 30_000;
const DIAGNOSTIC_OUTPUT_CHARS = 32 * 1024;
const LOG_TAIL_LINES = 100;

const inside = (root: string, p: string): boolean => {
  const rel = path.relative(root, p);
  return rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
};

/** `file` relative to the worktree: it must exist and (after symlinks) stay inside. */
async function fileInWorktree(root: string, field: string, file: string, mustBeInside: boolean): Promise<void> {
  if (file.startsWith('-')) throw new Error(`deploy.config.${field} "${file}" must not begin with "-"`);
  const resolved = path.resolve(root, file);
  let real: string;
  try {
    real = await fs.realpath(resolved);
  } catch {
    throw new Error(`deploy.config.${field}: ${file} not found in the worktree (${resolved})`);
  }
  if (mustBeInside && !inside(root, real)) throw new Error(`deploy.config.${field}: ${file} resolves to ${real}, outside the worktree`);
  if (!(await fs.stat(real)).isFile()) throw new Error(`deploy.config.${field}: ${file} is not a file`);
}

export class Compose {
  constructor(private readonly options: ComposeOptions = {}) {}

  async up(config: ComposeConfig, ctx: RunContext): Promise<DeployOutcome> {
    const root = await this.root(ctx);
    const base = await this.baseArgs(config, root);
    for (const service of config.services) {
      if (service.startsWith('-')) throw new Error(`deploy.config.services: "${service}" must not begin with "-"`);
    }
    const args = [...base, 'up', '-d', ...(config.build ? ['--build'] : []), ...config.services];
    const outcome = await this.docker('docker compose up', args, root, ctx, config.timeout);
    if (!succeeded(outcome) && !ctx.signal.aborted) {
      // What the containers say is usually the real reason; it goes where the fixer will read it.
      for (const [title, extra] of [
        ['ps', ['ps', '--all']],
        ['logs', ['logs', '--no-color', '--tail', String(LOG_TAIL_LINES)]],
      ] as const) {
        try {
          const diag = await this.docker(`docker compose ${title}`, [...base, ...extra], root, ctx, DIAGNOSTIC_TIMEOUT_MS, DIAGNOSTIC_OUTPUT_CHARS);
          outcome.output += `\n[rig] ${diag.command}:\n${diag.output}`;
        } catch (err) {
          outcome.output += `\n[rig] docker compose ${title} could not run: ${(err as Error).message}\n`;
        }
      }
    }
    return { success: succeeded(outcome), commands: [outcome] };
  }

  /** Stops and removes what `up` started; volumes are kept, since they may hold data. */
  async down(config: ComposeConfig, ctx: RunContext): Promise<DeployOutcome> {
    const root = await this.root(ctx);
    const args = [...(await this.baseArgs(config, root)), 'down'];
    const outcome = await this.docker('docker compose down', args, root, ctx, config.timeout);
    return { success: succeeded(outcome), commands: [outcome] };
  }

  private async root(ctx: RunContext): Promise<string> {
    try {
      return await fs.realpath(ctx.worktree);
    } catch {
      throw new Error(`the task's worktree ${ctx.worktree} does not exist`);
    }
  }

  private async baseArgs(config: ComposeConfig, root: string): Promise<string[]> {
    await fileInWorktree(root, 'file', config.file, true);
    const args = ['compose', '-f', config.file];
    if (config.env_file) {
      // An env file may hold secrets and so live outside the repository; a relative one is the worktree's.
      await fileInWorktree(root, 'env_file', config.env_file, !path.isAbsolute(config.env_file));
      args.push('--env-file', config.env_file);
    }
    if (config.project_name) {
      if (config.project_name.startsWith('-')) throw new Error(`deploy.config.project_name "${config.project_name}" must not begin with "-"`);
      args.push('-p', config.project_name);
    }
    return args;
  }

  private async docker(name: string, args: string[], cwd: string, ctx: RunContext, timeoutMs: number, maxOutputChars?: number): Promise<CommandOutcome> {
    const base = inheritedEnv(this.options.baseEnv ?? process.env);
    const docker = findExecutable('docker', base.PATH);
    if (!docker) throw new Error('deploy method docker-compose needs `docker` (with the compose plugin) on PATH, and none was found');
    const result = await runProcessTree({
      file: docker,
      args,
      cwd,
      // Compose files may interpolate ${RIG_BRANCH_NAME} and the like; compose substitutes, no shell parses.
      env: { ...base, ...runtimeEnv(ctx.vars) },
      timeoutMs,
      signal: ctx.signal,
      graceMs: this.options.graceMs,
      maxOutputChars: maxOutputChars ?? this.options.maxOutputChars,
      onLine: ctx.onOutput,
    });
    return {
      name,
      command: ['docker', ...args].map(displayArg).join(' '),
      exitCode: result.exitCode,
      signal: result.signal,
      timedOut: result.timedOut,
      durationMs: result.durationMs,
      output: result.output,
    };
  }
}

/** For showing a command to a person; it is never run from this text. */
const displayArg = (arg: string): string => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : shellQuote(arg));
