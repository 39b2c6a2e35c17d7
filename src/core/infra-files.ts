import type { ProposalFile } from './model';
import type { InfraFs } from './task-run';

/** A proposal that would touch a file it may not: refused before any human sees it. */
export class ProposalFileError extends Error {
  override name = 'ProposalFileError';
}

// Infrastructure files are small; a cap keeps a misconfigured glob from sending a whole repo.
const MAX_FILES = 40;
const MAX_BYTES = 64 * 1024;

export async function readInfraFiles(fs: InfraFs, worktree: string, paths: string[]): Promise<ProposalFile[]> {
  const files: ProposalFile[] = [];
  for (const rel of paths.slice(0, MAX_FILES)) {
    const content = await fs.read(worktree, rel);
    if (content === null || content.length > MAX_BYTES) continue;
    files.push({ path: rel, before: content, after: content });
  }
  return files;
}
