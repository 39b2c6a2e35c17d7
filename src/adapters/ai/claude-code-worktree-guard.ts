// What an external coding agent did to a worktree, found after the fact, and undone when it must
// not stay. Claude Code edits files itself, so unlike the in-process editor (worktree-files.ts)
// nothing can be refused while it works: Rig compares the worktree with a snapshot taken before
// the run — what git shows as changed, plus the git directory files that decide what git itself
// runs (config, hooks) — and restores the snapshot's state for every path that moved.
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { git } from '../git/git-cli';

/** Dirty files are kept in memory to be restored; beyond this only their hash is kept. */
const MAX_BACKUP_BYTES = 64 * 1024 * 1024;

/**
 * Git is run by Rig after the model may have written to the git directory; none of it may run a
 * program the model could have configured. The git directory is restored before any git command
 * runs, and these settings are forced on top as a second line.
 */
const SAFE_GIT = ['-c', 'core.fsmonitor=false', '-c', 'core.hooksPath=/dev/null', '-c', 'core.untrackedCache=false'];

type Backup =
  | { kind: 'file'; data: Buffer; mode: number }
  | { kind: 'link'; target: string }
  | { kind: 'dir' }
  | { kind: 'absent' }
  /** Too large to keep, or something Rig does not recreate (a nested repository). */
  | { kind: 'none' };

interface State {
  /** Equal fingerprints mean equal content, kind and executable bit. */
  fp: string;
  backup: Backup;
}

interface StatusEntry extends State {
  /** Porcelain XY code: "??" for untracked. */
  xy: string;
}

export interface Violation {
  path: string;
  reason: string;
}

export interface Inspection {
  /** Worktree paths (git's spelling, relative) whose content differs from before the run. */
  changed: string[];
  violations: Violation[];
}

export class WorktreeGuard {
  private backupBytes = 0;
  private lastStatus = new Map<string, StatusEntry>();

  private constructor(
    private readonly root: string,
    private readonly gitDir: string,
    private readonly commonDir: string,
    private readonly before: Map<string, StatusEntry>,
    private readonly gitFiles: Map<string, State>,
    private readonly head: string | null,
  ) {}

  /** Takes the snapshot; `worktree` must be the top of a git working tree. */
  static async capture(worktree: string): Promise<WorktreeGuard> {
    const root = await fs.realpath(worktree);
    const top = await fs.realpath((await git(root, ['rev-parse', '--show-toplevel'])).trim());
    if (top !== root) throw new Error(`${worktree} is not the top of a git working tree (that is ${top})`);
    const gitDir = (await git(root, ['rev-parse', '--absolute-git-dir'])).trim();
    const commonDir = (await git(root, ['rev-parse', '--path-format=absolute', '--git-common-dir'])).trim();
    const guard = new WorktreeGuard(root, gitDir, commonDir, new Map(), new Map(), await headCommit(root));
    for (const file of await guard.watchedGitFiles()) guard.gitFiles.set(file, await guard.state(file, true));
    for (const [p, entry] of await guard.status(true)) guard.before.set(p, entry);
    return guard;
  }

  /**
   * Compares the worktree with the snapshot. Any change to the watched git directory files is
   * undone here, before git runs, and reported as a violation.
   */
  async inspect(): Promise<Inspection> {
    const violations: Violation[] = [];
    for (const file of await this.restoreGitFiles()) {
      violations.push({ path: this.display(file), reason: "inside the repository's git directory" });
    }
    const head = await headCommit(this.root);
    if (head !== this.head) {
      violations.push({ path: 'HEAD', reason: `the branch was moved (from ${this.head ?? 'no commit'} to ${head ?? 'no commit'})` });
      if (this.head) await git(this.root, [...SAFE_GIT, 'update-ref', '-m', 'rig: undo a move by the AI', 'HEAD', this.head]);
    }
    this.lastStatus = await this.status(false);
    const changed = this.changedPaths(this.lastStatus);
    for (const p of changed) {
      const reason = await this.escapes(p, this.lastStatus.get(p));
      if (reason) violations.push({ path: p, reason });
    }
    return { changed, violations };
  }

  /**
   * Puts every path in `paths` back as it was before the run: clean tracked files from the
   * index, files that were already dirty from the snapshot, new ones removed. Returns the paths
   * that could not be put back.
   */
  async revert(paths: string[]): Promise<string[]> {
    const failed = new Set<string>();
    const fromIndex: string[] = [];
    const fromBackup: Array<[string, Backup]> = [];
    // Everything is removed before anything is written, so a directory swapped for a symlink is
    // gone before a file is restored beneath its name; deepest first, so nothing is removed
    // through that symlink on the way.
    for (const p of [...paths].sort((a, b) => depth(b) - depth(a))) {
      const before = this.before.get(p);
      const abs = this.absolute(p);
      if (!abs || (before && (before.backup.kind === 'none' || before.backup.kind === 'dir'))) {
        failed.add(p);
        continue;
      }
      // Beneath a directory swapped for a symlink, removing would reach outside; the symlink is a
      // changed path of its own, shallower, and goes later in this loop.
      if (await this.insideWorktree(abs)) {
        try {
          await fs.rm(abs, { recursive: true, force: true });
        } catch {
          failed.add(p);
          continue;
        }
      }
      if (before) fromBackup.push([p, before.backup]);
      else if (this.lastStatus.get(p)?.xy !== '??') fromIndex.push(p);
      else await this.removeEmptyParents(abs);
    }
    if (fromIndex.length > 0) {
      try {
        // checkout-index writes from the index without running hooks and refuses to write
        // through a symlinked leading directory.
        await git(this.root, [...SAFE_GIT, 'checkout-index', '--force', '-z', '--stdin'], { input: fromIndex.map((p) => `${p}\0`).join('') });
      } catch {
        // It carries on past a path it cannot write; the check below names whichever those were.
      }
    }
    for (const [p, backup] of fromBackup) {
      if (!(await this.writeBack(p, backup))) failed.add(p);
    }
    // Whatever still differs from the snapshot was not restored, whichever step missed it.
    const now = this.changedPaths(await this.status(false));
    for (const p of now) if (paths.includes(p)) failed.add(p);
    return [...failed].sort();
  }

  // ---------------------------------------------------------------- snapshot parts

  private async status(keepBackups: boolean): Promise<Map<string, StatusEntry>> {
    // -z: names arrive unquoted; --no-renames: one entry per path; -uall: files, not directories.
    const out = await git(this.root, [...SAFE_GIT, 'status', '--porcelain=v1', '-z', '--untracked-files=all', '--no-renames']);
    const entries = new Map<string, StatusEntry>();
    for (const record of out.split('\0')) {
      if (record.length < 4) continue;
      const p = record.slice(3);
      const abs = this.absolute(p);
      let state: State;
      if (!abs) state = { fp: 'outside', backup: { kind: 'none' } };
      // A tracked file beneath a directory swapped for a symlink: what lies there is not the worktree's.
      else if (!(await this.insideWorktree(abs))) state = { fp: 'beyond-symlink', backup: { kind: 'none' } };
      else state = await this.state(abs, keepBackups);
      entries.set(p, { xy: record.slice(0, 2), ...state });
    }
    return entries;
  }

  /** What `abs` holds, never following a symlink; file content is kept only with `keepBackup`. */
  private async state(abs: string, keepBackup: boolean): Promise<State> {
    let st;
    try {
      st = await fs.lstat(abs);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return { fp: 'absent', backup: { kind: 'absent' } };
      throw err;
    }
    if (st.isSymbolicLink()) {
      const target = await fs.readlink(abs);
      return { fp: `link:${target}`, backup: { kind: 'link', target } };
    }
    if (st.isDirectory()) return { fp: 'dir', backup: { kind: 'dir' } };
    if (!st.isFile()) return { fp: `special:${st.mode}`, backup: { kind: 'none' } };
    const exec = st.mode & 0o111 ? 'x' : '-';
    if (keepBackup && this.backupBytes + st.size <= MAX_BACKUP_BYTES) {
      const data = await fs.readFile(abs);
      this.backupBytes += data.length;
      return { fp: `file:${exec}:${sha256(data)}`, backup: { kind: 'file', data, mode: st.mode & 0o7777 } };
    }
    return { fp: `file:${exec}:${await sha256File(abs)}`, backup: { kind: 'none' } };
  }

  /** Paths whose state differs from the snapshot; a path git does not list was clean. */
  private changedPaths(now: Map<string, StatusEntry>): string[] {
    const changed: string[] = [];
    for (const p of new Set([...this.before.keys(), ...now.keys()])) {
      const was = this.before.get(p)?.fp ?? 'clean';
      const is = now.get(p)?.fp ?? 'clean';
      if (was !== is) changed.push(p);
    }
    return changed.sort();
  }

  /** Why a changed path is out of bounds, or null when it is an ordinary edit. */
  private async escapes(p: string, entry: StatusEntry | undefined): Promise<string | null> {
    const abs = this.absolute(p);
    if (!abs) return 'outside the worktree';
    if (p.split('/').some(isGitName)) return 'inside a .git directory';
    if (entry?.fp === 'dir') {
      const nested = await fs.lstat(path.join(abs, '.git')).then(
        () => true,
        () => false,
      );
      if (nested) return 'a git repository nested in the worktree';
    }
    if (entry?.backup.kind === 'link') {
      const target = path.resolve(path.dirname(abs), entry.backup.target);
      const rel = path.relative(this.root, target);
      if (rel.startsWith('..') || path.isAbsolute(rel)) return `a symlink pointing outside the worktree (to ${entry.backup.target})`;
      if (rel.split(path.sep).some(isGitName)) return `a symlink pointing into .git (to ${entry.backup.target})`;
      // Through other links the target may still lead out.
      const real = await fs.realpath(target).catch(() => null);
      const realRel = real ? path.relative(this.root, real) : '';
      if (real && (realRel.startsWith('..') || path.isAbsolute(realRel))) return `a symlink leading outside the worktree (to ${real})`;
    }
    return null;
  }

  // ---------------------------------------------------------------- git directory

  /**
   * The files of the git directory that make git run programs or choose what it works on.
   * Directories come before what they hold, so a directory swapped for a symlink is put back
   * before anything is judged (or written) beneath it.
   */
  private async watchedGitFiles(): Promise<string[]> {
    const dirs = [path.join(this.commonDir, 'hooks'), path.join(this.commonDir, 'info')];
    const files = [
      path.join(this.root, '.git'),
      ...dirs,
      path.join(this.gitDir, 'HEAD'),
      path.join(this.gitDir, 'config.worktree'),
      path.join(this.gitDir, 'commondir'),
      path.join(this.commonDir, 'config'),
    ];
    for (const dir of dirs) files.push(...(await listFiles(dir)));
    return [...new Set(files)];
  }

  /** Restores every watched git file that changed (new ones removed); returns those paths. */
  private async restoreGitFiles(): Promise<string[]> {
    const changed: string[] = [];
    const known = [...this.gitFiles.keys()];
    for (const file of known) await this.restoreGitFile(file, changed);
    // Only now, with the directories back, is listing them safe.
    for (const file of await this.watchedGitFiles()) if (!this.gitFiles.has(file)) await this.restoreGitFile(file, changed);
    return changed;
  }

  private async restoreGitFile(file: string, changed: string[]): Promise<void> {
    const before = this.gitFiles.get(file) ?? { fp: 'absent', backup: { kind: 'absent' } };
    const after = await this.state(file, false);
    if (after.fp === before.fp) return;
    changed.push(file);
    // fs.rm removes a symlink itself, never what it points at.
    await fs.rm(file, { recursive: true, force: true }).catch(() => {});
    await writeBackup(file, before.backup).catch(() => {});
  }

  // ---------------------------------------------------------------- writing back

  private async writeBack(p: string, backup: Backup): Promise<boolean> {
    const abs = this.absolute(p);
    if (!abs) return false;
    if (backup.kind === 'absent') {
      await this.removeEmptyParents(abs);
      return true;
    }
    try {
      await this.safeParents(abs);
      await writeBackup(abs, backup);
      return true;
    } catch {
      return false;
    }
  }

  /** True when no directory between the worktree root and `abs` is a symlink (or anything but a directory). */
  private async insideWorktree(abs: string): Promise<boolean> {
    let dir = this.root;
    for (const part of path.relative(this.root, path.dirname(abs)).split(path.sep).filter(Boolean)) {
      dir = path.join(dir, part);
      const st = await fs.lstat(dir).catch(() => null);
      if (!st) return true;
      if (!st.isDirectory()) return false;
    }
    return true;
  }

  /** Creates the directories above `abs`, refusing any that is a symlink: a write must not leave the worktree. */
  private async safeParents(abs: string): Promise<void> {
    let dir = this.root;
    for (const part of path.relative(this.root, path.dirname(abs)).split(path.sep).filter(Boolean)) {
      dir = path.join(dir, part);
      const st = await fs.lstat(dir).catch(() => null);
      if (!st) await fs.mkdir(dir);
      else if (!st.isDirectory()) throw new Error(`${dir} is not a directory`);
    }
  }

  /** Directories emptied by a removal go too, as `git clean -d` would; the worktree root stays. */
  private async removeEmptyParents(abs: string): Promise<void> {
    for (let dir = path.dirname(abs); dir !== this.root && dir.startsWith(this.root + path.sep); dir = path.dirname(dir)) {
      try {
        await fs.rmdir(dir);
      } catch {
        return;
      }
    }
  }

  /** The absolute path of a git-relative path, or null when it would leave the worktree. */
  private absolute(p: string): string | null {
    const clean = p.endsWith('/') ? p.slice(0, -1) : p;
    if (!clean || path.isAbsolute(clean) || clean.split('/').includes('..')) return null;
    return path.join(this.root, clean);
  }

  private display(file: string): string {
    const fromCommon = path.relative(this.commonDir, file);
    if (!fromCommon.startsWith('..')) return `.git/${fromCommon.split(path.sep).join('/')}`;
    const fromRoot = path.relative(this.root, file);
    return fromRoot.startsWith('..') ? file : fromRoot.split(path.sep).join('/');
  }
}

// ---------------------------------------------------------------- helpers

async function writeBackup(abs: string, backup: Backup): Promise<void> {
  switch (backup.kind) {
    case 'absent':
      return;
    case 'dir':
      await fs.mkdir(abs);
      return;
    case 'link':
      await fs.symlink(backup.target, abs);
      return;
    case 'file':
      // wx: whatever sits at the path was removed first; a file appearing meanwhile is not overwritten through.
      await fs.writeFile(abs, backup.data, { flag: 'wx', mode: backup.mode });
      await fs.chmod(abs, backup.mode);
      return;
    case 'none':
      throw new Error('no backup');
  }
}

async function headCommit(root: string): Promise<string | null> {
  try {
    return (await git(root, [...SAFE_GIT, 'rev-parse', '--verify', '--quiet', 'HEAD^{commit}'])).trim() || null;
  } catch {
    return null;
  }
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(full)));
    else out.push(full);
  }
  return out;
}

/** Case-insensitive because macOS and Windows file systems are. */
function isGitName(part: string): boolean {
  return part.toLowerCase() === '.git';
}

function depth(p: string): number {
  return p.split('/').length;
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolve(hash.digest('hex')))
      .on('error', reject);
  });
}
