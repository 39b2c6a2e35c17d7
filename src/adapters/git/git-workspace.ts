import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { GitWorkspace } from '../../core/ports';
import { git, GitError } from './git-cli';

const RIG_IDENTITY = ['-c', 'user.name=Rig', '-c', 'user.email=rig@localhost'];

/** Refuses branch names git would reject or that could be read as an option. */
export async function assertSafeBranch(cwd: string, branch: string): Promise<void> {
  if (!branch || branch.startsWith('-')) throw new Error(`refusing branch name ${JSON.stringify(branch)}: it must not be empty or begin with "-"`);
  // Git accepts quotes, `;` and `$` in ref names; Rig's branches never need them, and a name that
  // later reaches a script must not carry shell syntax.
  if (!/^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(branch)) throw new Error(`refusing branch name ${JSON.stringify(branch)}: only letters, digits, ".", "_", "-" and "/" are allowed`);
  try {
    await git(cwd, ['check-ref-format', '--branch', branch]);
  } catch {
    throw new Error(`refusing branch name ${JSON.stringify(branch)}: git check-ref-format rejects it`);
  }
}

/**
 * The user's repository as Rig uses it: worktrees and state live inside the repository's common
 * .git directory (never in the working tree), every change happens in a task's own worktree, and
 * pushes go to `origin` with a lease so nothing someone else pushed is overwritten.
 */
export class GitCliWorkspace implements GitWorkspace {
  private hasIdentity: boolean | undefined;

  private constructor(
    readonly root: string,
    readonly stateDir: string,
  ) {}

  static async open(dir: string): Promise<GitCliWorkspace> {
    let root: string;
    try {
      root = (await git(dir, ['rev-parse', '--show-toplevel'])).trim();
    } catch (err) {
      throw new Error(`${dir} is not inside a git repository (${(err as Error).message})`);
    }
    const common = (await git(root, ['rev-parse', '--path-format=absolute', '--git-common-dir'])).trim();
    return new GitCliWorkspace(root, path.join(common, 'rig'));
  }

  async resolve(rev: string): Promise<string> {
    return (await git(this.root, ['rev-parse', '--verify', '--end-of-options', `${rev}^{commit}`])).trim();
  }

  async headOf(dir: string): Promise<string> {
    return (await git(dir, ['rev-parse', 'HEAD'])).trim();
  }

  async hasWorktree(dir: string): Promise<boolean> {
    return exists(path.join(dir, '.git'));
  }

  async remoteBranch(branch: string): Promise<string | null> {
    const out = await git(this.root, ['ls-remote', '--heads', 'origin', `refs/heads/${branch}`]);
    const line = out.split('\n').find((l) => l.endsWith(`\trefs/heads/${branch}`));
    return line ? line.split('\t')[0]! : null;
  }

  async fetchBranch(branch: string): Promise<void> {
    await git(this.root, ['fetch', '--no-tags', 'origin', `+refs/heads/${branch}:refs/remotes/origin/${branch}`]);
  }

  async addWorktree(dir: string, branch: string, startPoint: string): Promise<void> {
    await assertSafeBranch(this.root, branch);
    await fs.mkdir(path.dirname(dir), { recursive: true });
    await git(this.root, ['worktree', 'prune']);
    if (await exists(path.join(dir, '.git'))) return;
    // -B: the task's branch starts at startPoint even when an older local branch of that name exists.
    await git(this.root, ['worktree', 'add', '--quiet', '-B', branch, dir, startPoint]);
  }

  async removeWorktree(dir: string): Promise<void> {
    if (await exists(dir)) await git(this.root, ['worktree', 'remove', '--force', dir]).catch(() => fs.rm(dir, { recursive: true, force: true }));
    await git(this.root, ['worktree', 'prune']);
  }

  async resetWorktree(dir: string): Promise<void> {
    await git(dir, ['reset', '--hard', '--quiet']);
    await git(dir, ['clean', '-fdq']);
  }

  async commitAll(dir: string, message: string): Promise<string | null> {
    await git(dir, ['add', '--all']);
    const status = await git(dir, ['status', '--porcelain']);
    if (!status.trim()) return null;
    const identity = (await this.identityConfigured()) ? [] : RIG_IDENTITY;
    // The message goes on stdin: issue titles end up in it and must never be parsed as options.
    await git(dir, [...identity, 'commit', '--quiet', '--no-verify', '-F', '-'], { input: message });
    return (await git(dir, ['rev-parse', 'HEAD'])).trim();
  }

  async push(dir: string, branch: string, expected: string | null): Promise<void> {
    await assertSafeBranch(dir, branch);
    const lease = `--force-with-lease=refs/heads/${branch}:${expected ?? ''}`;
    try {
      await git(dir, ['push', '--quiet', '--no-verify', lease, 'origin', `HEAD:refs/heads/${branch}`]);
    } catch (err) {
      if (err instanceof GitError && /stale info|rejected/.test(err.stderr)) {
        throw new Error(`push of ${branch} refused: origin/${branch} moved since Rig last pushed it (someone else pushed); not overwriting their work`);
      }
      throw err;
    }
  }

  async changedFiles(dir: string, base: string): Promise<string[]> {
    // Without rename detection a renamed file shows as both its old and its new path, so a move
    // out of a blocked or watched path is still seen.
    const out = await git(dir, ['diff', '--name-only', '--no-renames', '-z', `${base}...HEAD`]);
    const committed = out.split('\0').filter(Boolean);
    const pending = (await git(dir, ['status', '--porcelain', '--no-renames', '-z', '--untracked-files=all']))
      .split('\0')
      .filter(Boolean)
      .map((entry) => entry.slice(3));
    return [...new Set([...committed, ...pending])].sort();
  }

  async diff(dir: string, base: string): Promise<string> {
    return git(dir, ['diff', '--no-color', '--no-ext-diff', `${base}...HEAD`]);
  }

  async diffWorking(dir: string, base: string): Promise<string> {
    // Staging is harmless here: the worktree is Rig's own and the next commit stages everything.
    await git(dir, ['add', '--all']);
    return git(dir, ['diff', '--cached', '--no-color', '--no-ext-diff', base]);
  }

  /** Diff between two commits, for a task whose worktree is already gone. */
  async diffBetween(from: string, to: string): Promise<string> {
    return git(this.root, ['diff', '--no-color', '--no-ext-diff', from, to, '--']);
  }

  async diffStat(dir: string, base: string): Promise<{ files: number; insertions: number; deletions: number }> {
    const out = await git(dir, ['diff', '--numstat', `${base}...HEAD`]);
    let insertions = 0;
    let deletions = 0;
    let files = 0;
    for (const line of out.split('\n')) {
      const [add, del] = line.split('\t');
      if (add === undefined || del === undefined) continue;
      files++;
      insertions += Number(add) || 0;
      deletions += Number(del) || 0;
    }
    return { files, insertions, deletions };
  }

  async listFiles(dir: string): Promise<string[]> {
    return (await git(dir, ['ls-files', '-z'])).split('\0').filter(Boolean);
  }

  private async identityConfigured(): Promise<boolean> {
    if (this.hasIdentity === undefined) {
      this.hasIdentity = await git(this.root, ['config', 'user.email']).then(
        (v) => v.trim().length > 0,
        () => false,
      );
    }
    return this.hasIdentity;
  }
}

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(
    () => true,
    () => false,
  );
}
