import { readFileSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import os from 'node:os';

/** Who holds a task: enough to tell, from another process, whether that holder still lives. */
export interface LeaseHolder {
  pid: number;
  /** Kernel start time of the process, so a recycled pid is not mistaken for the holder. */
  startTime: string | null;
  host: string;
  since: string;
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot); null where /proc is absent. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19] ?? null;
  } catch {
    return null;
  }
}

export function currentHolder(): LeaseHolder {
  return { pid: process.pid, startTime: processStartTime(process.pid), host: os.hostname(), since: new Date().toISOString() };
}

export function holderIsAlive(holder: LeaseHolder): boolean {
  // A holder on another machine sharing the directory cannot be probed: treat it as alive
  // rather than steal its task.
  if (holder.host !== os.hostname()) return true;
  if (!Number.isInteger(holder.pid) || holder.pid <= 0) return false;
  try {
    process.kill(holder.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const start = processStartTime(holder.pid);
  return holder.startTime === null || start === null || start === holder.startTime;
}

export function isSelf(holder: LeaseHolder): boolean {
  return holder.pid === process.pid && holder.host === os.hostname();
}

/**
 * An exclusive lease on a file path. Creation with O_EXCL decides between racing processes;
 * a lease whose holder died is taken over under a short-lived mkdir guard so that two
 * processes noticing the same dead holder cannot both win.
 */
export async function tryAcquireLease(lockFile: string): Promise<boolean> {
  const me = currentHolder();
  for (let round = 0; round < 3; round++) {
    try {
      await fs.writeFile(lockFile, JSON.stringify(me), { flag: 'wx', mode: 0o600 });
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = await readHolder(lockFile);
    if (holder && isSelf(holder)) return true;
    if (holder && holderIsAlive(holder)) return false;
    if (!(await withGuard(`${lockFile}.takeover`, async () => {
      const again = await readHolder(lockFile);
      if (again && holderIsAlive(again)) return;
      await fs.rm(lockFile, { force: true });
    }))) {
      return false;
    }
  }
  return false;
}

export async function releaseLease(lockFile: string): Promise<void> {
  const holder = await readHolder(lockFile);
  if (holder && isSelf(holder)) await fs.rm(lockFile, { force: true });
}

export async function readHolder(lockFile: string): Promise<LeaseHolder | null> {
  try {
    return JSON.parse(await fs.readFile(lockFile, 'utf8')) as LeaseHolder;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    // A lock file torn by a crash between create and write holds no live owner.
    if (err instanceof SyntaxError) return { pid: -1, startTime: null, host: os.hostname(), since: '' };
    throw err;
  }
}

const GUARD_STALE_MS = 30_000;

async function withGuard(dir: string, body: () => Promise<void>): Promise<boolean> {
  try {
    await fs.mkdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const stat = await fs.stat(dir).catch(() => null);
    if (stat && Date.now() - stat.mtimeMs > GUARD_STALE_MS) await fs.rm(dir, { recursive: true, force: true });
    return false;
  }
  try {
    await body();
    return true;
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
