// The two git questions the map asks — which files are tracked, where do these identifiers occur —
// each bounded in time and output, and stopped when the caller aborts.
import { spawn } from 'node:child_process';
import { GitError } from '../git/git-cli';
import { LOCKFILES, VENDORED_DIRS } from './file-kinds';

export interface GitRunLimits {
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Thrown when the caller's signal aborts the map; callers tell it apart from a git failure. */
export class MapAbortedError extends Error {
  constructor() {
    super('repository map aborted');
    this.name = 'MapAbortedError';
  }
}

interface StreamResult {
  /** True when the output cap was reached and git was stopped early. */
  truncated: boolean;
  timedOut: boolean;
}

/**
 * Runs git and hands each NUL/newline-terminated record to `onRecord` as it arrives, so a search
 * that would print gigabytes is cut at `maxRecords` instead of buffered.
 */
function streamGit(
  cwd: string,
  args: string[],
  separator: '\n' | '\0',
  maxRecords: number,
  limits: GitRunLimits,
  onRecord: (record: string) => void,
  okExitCodes: number[] = [0],
): Promise<StreamResult> {
  return new Promise((resolve, reject) => {
    if (limits.signal?.aborted) return reject(new MapAbortedError());
    const child = spawn('git', args, {
      cwd,
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let records = 0;
    let truncated = false;
    let timedOut = false;
    let aborted = false;
    let pending = '';
    let stderr = '';
    const stop = () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, limits.timeoutMs);
    const onAbort = () => {
      aborted = true;
      stop();
    };
    limits.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      if (truncated) return;
      pending += chunk;
      let at: number;
      while ((at = pending.indexOf(separator)) >= 0) {
        const record = pending.slice(0, at);
        pending = pending.slice(at + 1);
        if (records >= maxRecords) {
          truncated = true;
          pending = '';
          stop();
          return;
        }
        records++;
        onRecord(record);
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      if (stderr.length < 8192) stderr += chunk;
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      limits.signal?.removeEventListener('abort', onAbort);
      reject(new GitError(args, null, err.message));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      limits.signal?.removeEventListener('abort', onAbort);
      if (aborted) return reject(new MapAbortedError());
      if (truncated || timedOut) return resolve({ truncated, timedOut });
      if (code === null || !okExitCodes.includes(code)) return reject(new GitError(args, code, stderr));
      if (pending && records < maxRecords) onRecord(pending);
      resolve({ truncated: false, timedOut: false });
    });
  });
}

/** Tracked files of the worktree, as git spells them (forward slashes, relative to the top). */
export async function trackedFiles(worktree: string, maxFiles: number, limits: GitRunLimits): Promise<{ files: string[]; truncated: boolean }> {
  const files: string[] = [];
  const r = await streamGit(worktree, ['ls-files', '-z', '--cached', '--full-name'], '\0', maxFiles, limits, (f) => {
    if (f) files.push(f);
  });
  if (r.timedOut) throw new Error(`git ls-files took longer than ${limits.timeoutMs} ms in ${worktree}`);
  return { files, truncated: r.truncated };
}

export interface GrepHit {
  file: string;
  /** The matched text: one of the patterns searched for. */
  match: string;
}

export interface GrepResult {
  hits: GrepHit[];
  /** The output cap or the time limit was reached: counts are lower bounds. */
  truncated: boolean;
}

/** Where vendored directories and lockfiles are: never worth searching, often most of the bytes. */
export const EXCLUDE_PATHSPECS = [
  ...[...VENDORED_DIRS].map((d) => `:(exclude,glob)**/${d}/**`),
  ...[...LOCKFILES].map((f) => `:(exclude,glob)**/${f}`),
];

/**
 * Fixed-string, whole-word occurrences of `terms` in tracked text files, one record per match
 * (`-o`), at most `perFile` matching lines per file so one generated file cannot use up the cap.
 */
export async function grepTerms(
  worktree: string,
  terms: string[],
  opts: { ignoreCase: boolean; perFile: number; maxHits: number } & GitRunLimits,
): Promise<GrepResult> {
  if (terms.length === 0) return { hits: [], truncated: false };
  const args = ['grep', '-I', '-n', '-o', '-F', '-w', '-z', '--no-color', '--full-name', '-m', String(opts.perFile)];
  if (opts.ignoreCase) args.push('-i');
  for (const t of terms) args.push('-e', t);
  args.push('--', '.', ...EXCLUDE_PATHSPECS);
  const hits: GrepHit[] = [];
  // git grep exits 1 when nothing matched: an answer, not a failure.
  const r = await streamGit(worktree, args, '\n', opts.maxHits, opts, (record) => {
    const first = record.indexOf('\0');
    const second = record.indexOf('\0', first + 1);
    if (first < 0 || second < 0) return;
    hits.push({ file: record.slice(0, first), match: record.slice(second + 1) });
  }, [0, 1]);
  return { hits, truncated: r.truncated || r.timedOut };
}
