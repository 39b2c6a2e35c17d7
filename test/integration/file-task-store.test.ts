import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileTaskStore } from '../../src/adapters/store/file-task-store';
import { emptyUsage, type Task } from '../../src/core/model';

const CHILD = path.resolve(__dirname, '../helpers/store-child.ts');

function sampleTask(id: string, status: Task['status'] = 'coding'): Task {
  const now = new Date().toISOString();
  return {
    id,
    schema: 1,
    issue: { owner: 'o', repo: 'r', number: 1, title: 't', body: '', labels: [], author: 'u', url: 'https://github.com/o/r/issues/1', comments: [] },
    status,
    createdAt: now,
    updatedAt: now,
    branch: 'rig/issue-1',
    baseBranch: 'main',
    attempts: [],
    pipeline: [{ phase: status, attempt: 1, status: 'running', startedAt: now }],
    proposals: [],
    usage: emptyUsage(),
    steps: ['code'],
    resumes: 0,
  };
}

/** A second process that claims a task and is then killed with SIGKILL. */
async function claimInChildAndKill(stateDir: string, id: string): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, 'claim', stateDir, id], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => (d.toString().includes('claimed') ? resolve() : reject(new Error(d.toString()))));
    child.on('exit', (code) => reject(new Error(`child exited ${code}`)));
  });
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
}

describe('FileTaskStore', () => {
  const stateDir = () => mkdtempSync(path.join(os.tmpdir(), 'rig-state-'));

  it('creates each id once and reads back what was saved', async () => {
    const store = new FileTaskStore(stateDir());
    const task = sampleTask('t1');
    expect(await store.claim('t1')).toBe(true);
    await store.create(task);
    await expect(store.create(task)).rejects.toThrow();
    task.statusReason = 'changed';
    await store.save(task);
    expect((await store.get('t1'))?.statusReason).toBe('changed');
    expect((await store.list()).map((t) => t.id)).toEqual(['t1']);
  });

  it('refuses ids that could escape the state directory', async () => {
    const store = new FileTaskStore(stateDir());
    await expect(store.get('../../etc/passwd')).rejects.toThrow('invalid task id');
  });

  it('reports a task whose process died as interrupted, with the phase it was in', async () => {
    const dir = stateDir();
    const store = new FileTaskStore(dir);
    await store.create(sampleTask('t2', 'testing'));
    await claimInChildAndKill(dir, 't2');
    const other = new FileTaskStore(dir);
    const task = await other.get('t2');
    expect(task?.status).toBe('interrupted');
    expect(task?.resumeFrom).toBe('testing');
    expect(task?.statusReason).toMatch(/process \d+ ended during testing/);
    expect(task?.pipeline[0]?.status).toBe('failed');
    expect((await other.readLogs('t2')).at(-1)?.message).toContain('interrupted');
  });

  it('leaves a task alone while a live process holds it', async () => {
    const dir = stateDir();
    const owner = new FileTaskStore(dir);
    expect(await owner.claim('t3')).toBe(true);
    await owner.create(sampleTask('t3'));
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, 'probe', dir, 't3'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise((r) => child.once('exit', r));
    expect(JSON.parse(out)).toEqual(['coding', false, true]);
    await owner.release('t3');
    expect(await owner.ownedElsewhere('t3')).toBe(false);
  });

  it('appends logs with increasing sequence numbers and reads after a sequence', async () => {
    const store = new FileTaskStore(stateDir());
    for (let i = 0; i < 5; i++) await store.appendLog('t4', 'info', `line ${i}`);
    const all = await store.readLogs('t4');
    expect(all.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect((await store.readLogs('t4', 3)).map((e) => e.message)).toEqual(['line 3', 'line 4']);
  });

  it('hands a decision over exactly once', async () => {
    const store = new FileTaskStore(stateDir());
    await store.writeDecision('t5', { proposalId: 'p1', approved: true, by: 'me', at: new Date().toISOString() });
    expect((await store.takeDecision('t5'))?.approved).toBe(true);
    expect(await store.takeDecision('t5')).toBeNull();
  });
});
