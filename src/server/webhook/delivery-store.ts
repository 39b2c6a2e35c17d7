import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';

export type DeliveryState = 'pending' | 'done' | 'ignored' | 'failed';

/** One delivery as kept on disk: what arrived, and what became of it. */
export interface DeliveryRecord {
  schema: 1;
  /** X-GitHub-Delivery: a redelivery keeps it, which is what makes intake idempotent. */
  id: string;
  event: string;
  /** `issues.labeled`, or the event name for events without an action. */
  key: string;
  repository?: string;
  receivedAt: string;
  /** Arrival order within one process, for deliveries received in the same millisecond. */
  seq: number;
  state: DeliveryState;
  /** Why it was ignored or failed; for a done delivery, what was done. */
  reason?: string;
  project?: string;
  issue?: number;
  taskId?: string;
  finishedAt?: string;
  /** Kept while there is work to do and afterwards for replay; not kept for ignored deliveries. */
  payload?: unknown;
}

const STALE_TEMP_MS = 60_000;
const DELIVERY_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export const isDeliveryId = (id: string): boolean => DELIVERY_ID_RE.test(id);

/**
 * Deliveries of one intake, one JSON file per delivery id. A file is complete before its name
 * appears (written to a temp file, fsynced, then linked or renamed into place, and the directory
 * fsynced), so what the intake acknowledged survives a kill -9 or a power cut, and a reader never
 * meets half a record.
 */
export class DeliveryStore {
  private readonly dirSync: DirectorySync;
  private made = false;

  constructor(readonly dir: string) {
    this.dirSync = new DirectorySync(dir);
  }

  private file(id: string): string {
    if (!isDeliveryId(id)) throw new Error(`invalid delivery id ${JSON.stringify(id)}`);
    return path.join(this.dir, `${id}.json`);
  }

  /** Writes a new record; false when one with this id exists already (a redelivery). */
  async create(record: DeliveryRecord): Promise<boolean> {
    if (!this.made) {
      await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
      this.made = true;
    }
    return this.write(this.file(record.id), JSON.stringify(record), 'exclusive');
  }

  async update(record: DeliveryRecord): Promise<void> {
    await this.write(this.file(record.id), JSON.stringify(record), 'replace');
  }

  /** Every record, oldest first; `onUnreadable` hears of files that are not records. */
  async list(onUnreadable?: (name: string, err: unknown) => void): Promise<DeliveryRecord[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const records: DeliveryRecord[] = [];
    for (const name of names) {
      if (!name.endsWith('.json') || name.startsWith('.')) continue;
      try {
        records.push(JSON.parse(await fs.readFile(path.join(this.dir, name), 'utf8')) as DeliveryRecord);
      } catch (err) {
        onUnreadable?.(name, err);
      }
    }
    return records.sort(byArrival);
  }

  /** Removes finished records older than `maxAgeMs`; pending ones are never removed. */
  async prune(maxAgeMs: number, now = Date.now()): Promise<number> {
    let removed = 0;
    for (const record of await this.list()) {
      if (record.state === 'pending' || now - Date.parse(record.receivedAt) < maxAgeMs) continue;
      await fs.rm(this.file(record.id), { force: true });
      removed++;
    }
    // Temp files of a writer killed mid-write were never acknowledged: nothing is lost with them.
    // Young ones may belong to a writer still at work in another process.
    for (const name of await fs.readdir(this.dir).catch(() => [] as string[])) {
      if (!name.startsWith('.') || !name.endsWith('.tmp')) continue;
      const tmp = path.join(this.dir, name);
      const stat = await fs.stat(tmp).catch(() => null);
      if (stat && now - stat.mtimeMs > STALE_TEMP_MS) await fs.rm(tmp, { force: true });
    }
    return removed;
  }

  private async write(file: string, data: string, mode: 'exclusive' | 'replace'): Promise<boolean> {
    const tmp = path.join(this.dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    const handle = await fs.open(tmp, 'wx', 0o600);
    try {
      await handle.writeFile(data, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      if (mode === 'exclusive') {
        // link(2) fails when the name exists: the complete file appears, or nothing does.
        try {
          await fs.link(tmp, file);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
          throw err;
        }
      } else {
        await fs.rename(tmp, file);
      }
    } finally {
      await fs.rm(tmp, { force: true });
    }
    await this.dirSync.sync();
    return true;
  }
}

export function byArrival(a: DeliveryRecord, b: DeliveryRecord): number {
  return a.receivedAt.localeCompare(b.receivedAt) || a.seq - b.seq;
}

/**
 * Makes new directory entries durable. Writers arriving together share one fsync: a caller is
 * answered by the first fsync that began after its call, so no entry is left out of the one
 * that answers it, and a burst of deliveries costs a few fsyncs instead of one each.
 */
class DirectorySync {
  private running: Promise<void> | undefined;
  private queued: Promise<void> | undefined;

  constructor(private readonly dir: string) {}

  sync(): Promise<void> {
    if (!this.running) {
      this.running = this.fsync().finally(() => (this.running = undefined));
      return this.running;
    }
    this.queued ??= this.running
      .catch(() => {})
      .then(() => {
        this.queued = undefined;
        return this.sync();
      });
    return this.queued;
  }

  /** Platforms that cannot fsync a directory skip it. */
  private async fsync(): Promise<void> {
    let handle: FileHandle | undefined;
    try {
      handle = await fs.open(this.dir, 'r');
      await handle.sync();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM' && code !== 'ENOTSUP') throw err;
    } finally {
      await handle?.close();
    }
  }
}
