import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { LogEntry, LogLevel, Phase, Task } from '../../core/model';
import { isTerminal } from '../../core/phases';
import type { Decision, TaskStore } from '../../core/ports';
import { readJsonFile, writeFileAtomic } from './atomic-file';
import { holderIsAlive, readHolder, releaseLease, tryAcquireLease } from './process-lease';

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$/;

/**
 * Task state of one repository, kept under `<git common dir>/rig/tasks` so every process working
 * on the repository (extension, terminal, server) sees the same tasks and the user's working
 * tree never shows them. One JSON file per task (atomic replace), one JSON-lines log per task
 * (append-only), one lease file naming the process that runs it.
 */
export class FileTaskStore implements TaskStore {
  private readonly dir: string;
  private readonly nextSeq = new Map<string, number>();
  /** Leases this process holds: a second claim from the same process (a server's second trigger) is refused too. */
  private readonly held = new Set<string>();

  constructor(stateDir: string) {
    this.dir = path.join(stateDir, 'tasks');
  }

  private file(id: string, suffix: string): string {
    if (!ID_RE.test(id)) throw new Error(`invalid task id ${JSON.stringify(id)}`);
    return path.join(this.dir, `${id}${suffix}`);
  }

  async create(task: Task): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    // O_EXCL: two processes can never create the same id.
    await fs.writeFile(this.file(task.id, '.json'), JSON.stringify(task, null, 2), { flag: 'wx', mode: 0o600 });
  }

  async save(task: Task): Promise<void> {
    await writeFileAtomic(this.file(task.id, '.json'), JSON.stringify(task, null, 2));
  }

  async get(id: string): Promise<Task | null> {
    const task = await readJsonFile<Task>(this.file(id, '.json'));
    return task && (await this.reconcile(task));
  }

  async list(): Promise<Task[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const tasks: Task[] = [];
    for (const name of names) {
      if (!name.endsWith('.json') || name.startsWith('.')) continue;
      const task = await this.get(name.slice(0, -'.json'.length)).catch(() => null);
      if (task) tasks.push(task);
    }
    return tasks.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /**
   * A task that claims to be live but whose process is gone was killed (kill -9, crash, reboot).
   * The first reader to notice records that, so no front door ever shows it as still running.
   */
  private async reconcile(task: Task): Promise<Task> {
    if (isTerminal(task.status) || task.status === 'awaiting_approval') return task;
    if (await this.ownedElsewhere(task.id)) return task;
    const holder = await readHolder(this.file(task.id, '.lock'));
    if (holder && holder.pid === process.pid) return task;
    if (!(await this.claim(task.id))) return task;
    try {
      const fresh = (await readJsonFile<Task>(this.file(task.id, '.json'))) ?? task;
      if (isTerminal(fresh.status) || fresh.status === 'awaiting_approval') return fresh;
      const phase: Phase = fresh.status;
      const now = new Date().toISOString();
      const who = holder ? `process ${holder.pid}` : 'its process';
      fresh.statusReason = `${who} ended during ${phase} without finishing; run the issue again to carry on`;
      fresh.resumeFrom = phase;
      for (const step of fresh.pipeline) {
        if (step.status === 'running') Object.assign(step, { status: 'failed', endedAt: now, error: 'interrupted' });
      }
      fresh.status = 'interrupted';
      fresh.updatedAt = now;
      fresh.finishedAt = now;
      await this.save(fresh);
      await this.appendLog(fresh.id, 'error', `interrupted: ${fresh.statusReason}`, 'interrupted');
      return fresh;
    } finally {
      await this.release(task.id);
    }
  }

  async appendLog(id: string, level: LogLevel, message: string, phase?: Phase): Promise<LogEntry> {
    const file = this.file(id, '.log.jsonl');
    let seq = this.nextSeq.get(id);
    if (seq === undefined) seq = (await this.readLogs(id)).reduce((max, e) => Math.max(max, e.seq), 0) + 1;
    const entry: LogEntry = { seq, time: new Date().toISOString(), level, message, ...(phase ? { phase } : {}) };
    this.nextSeq.set(id, seq + 1);
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    // One write per line with O_APPEND: concurrent readers see whole lines or a partial last one.
    await fs.appendFile(file, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
    return entry;
  }

  async readLogs(id: string, afterSeq = 0): Promise<LogEntry[]> {
    let text: string;
    try {
      text = await fs.readFile(this.file(id, '.log.jsonl'), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const entries: LogEntry[] = [];
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        const entry = JSON.parse(line) as LogEntry;
        if (entry.seq > afterSeq) entries.push(entry);
      } catch {
        // The writer may be mid-line; the rest arrives with the next read.
      }
    }
    return entries;
  }

  async writeDecision(id: string, decision: Decision): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.file(id, '.decision.json'), JSON.stringify(decision));
  }

  async takeDecision(id: string): Promise<Decision | null> {
    const file = this.file(id, '.decision.json');
    const decision = await readJsonFile<Decision>(file);
    if (decision) await fs.rm(file, { force: true });
    return decision;
  }

  async claim(id: string): Promise<boolean> {
    if (this.held.has(id)) return false;
    this.held.add(id);
    // Claimed before the task file exists, so no reader ever sees a new task without its owner.
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    const ok = await tryAcquireLease(this.file(id, '.lock')).catch((err: unknown) => {
      this.held.delete(id);
      throw err;
    });
    if (!ok) this.held.delete(id);
    // Another process may have logged since this one last did: count again from the file.
    else this.nextSeq.delete(id);
    return ok;
  }

  async clearCancel(id: string): Promise<void> {
    await fs.rm(this.file(id, '.cancel'), { force: true });
  }

  async release(id: string): Promise<void> {
    this.held.delete(id);
    await releaseLease(this.file(id, '.lock'));
  }

  async ownedElsewhere(id: string): Promise<boolean> {
    const holder = await readHolder(this.file(id, '.lock'));
    return holder !== null && holder.pid !== process.pid && holderIsAlive(holder);
  }

  async requestCancel(id: string): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.file(id, '.cancel'), new Date().toISOString());
  }

  async cancelRequested(id: string): Promise<boolean> {
    return fs.access(this.file(id, '.cancel')).then(
      () => true,
      () => false,
    );
  }

  async remove(id: string): Promise<void> {
    for (const suffix of ['.json', '.log.jsonl', '.decision.json', '.cancel', '.lock']) {
      await fs.rm(this.file(id, suffix), { force: true });
    }
    this.nextSeq.delete(id);
  }
}
