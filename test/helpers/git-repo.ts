import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface SampleRepo {
  dir: string;
  /** The user's clone: the working tree Rig must never touch. */
  work: string;
  /** A bare repository serving as `origin`. */
  origin: string;
  git(...args: string[]): string;
  originGit(...args: string[]): string;
}

/** A real repository with a bare `origin`, its `main` holding `files`. */
export function createSampleRepo(files: Record<string, string>, opts: { branch?: string; executable?: string[] } = {}): SampleRepo {
  const branch = opts.branch ?? 'main';
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rig-repo-'));
  const origin = path.join(dir, 'origin.git');
  const work = path.join(dir, 'work');
  const run = (cwd: string, args: string[]) =>
    execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
  run(dir, ['init', '--quiet', '--bare', `--initial-branch=${branch}`, origin]);
  mkdirSync(work);
  run(work, ['init', '--quiet', `--initial-branch=${branch}`]);
  run(work, ['config', 'user.name', 'Sample User']);
  run(work, ['config', 'user.email', 'user@example.com']);
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(work, rel)), { recursive: true });
    writeFileSync(path.join(work, rel), content, { mode: opts.executable?.includes(rel) ? 0o755 : 0o644 });
  }
  run(work, ['add', '--all']);
  run(work, ['commit', '--quiet', '-m', 'initial']);
  run(work, ['remote', 'add', 'origin', origin]);
  run(work, ['push', '--quiet', '-u', 'origin', branch]);
  return {
    dir,
    work,
    origin,
    git: (...args) => run(work, args),
    originGit: (...args) => run(origin, args),
  };
}
