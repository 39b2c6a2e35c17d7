import { WorktreeFiles } from '../adapters/ai/worktree-files';
import { git } from '../adapters/git/git-cli';
import type { InfraFs } from '../core/task-run';

/**
 * Infrastructure files for proposals, read and written through the same confinement as the AI's
 * editor: a proposal can never write outside the worktree, into .git, or through a symlink.
 */
export class WorktreeInfraFs implements InfraFs {
  async listFiles(worktree: string): Promise<string[]> {
    return (await git(worktree, ['ls-files', '-z', '--cached', '--others', '--exclude-standard'])).split('\0').filter(Boolean);
  }

  async read(worktree: string, rel: string): Promise<string | null> {
    const files = await WorktreeFiles.open(worktree);
    return files.readFile(rel).catch(() => null);
  }

  async write(worktree: string, rel: string, content: string): Promise<void> {
    const files = await WorktreeFiles.open(worktree);
    await files.create(rel, content);
  }
}
