import type { Engine } from '../../core/engine';
import type { Task } from '../../core/model';

export interface Watched {
  /** The newest state known when the answer was given. */
  task: Task | undefined;
  /** Whether the awaited state was seen. */
  reached: boolean;
}

/**
 * Starts engine work that may take as long as the whole pipeline (a decision this process then
 * carries on, a resumed run) and answers as soon as its effect shows: the engine reports the task
 * in a state `reached` accepts, the work ends, or `timeoutMs` passes. The work goes on in the
 * background either way; an error after the answer goes to `onLateError`.
 *
 * `expectEvents: false` says the task runs in another process, whose events never arrive here,
 * so once the work has handed over there is nothing to wait for.
 */
/** Store writes trail the events by a few milliseconds. */
const STORE_CATCH_UP_MS = 2000;

/**
 * The engine announces a change as it makes it, just before the store has it. Answering only once
 * the store agrees means a client that acts on the answer (GET, retry) finds the same state.
 */
async function untilStored(engine: Engine, taskId: string, reached: (task: Task) => boolean): Promise<Task | undefined> {
  const deadline = Date.now() + STORE_CATCH_UP_MS;
  for (;;) {
    const stored = await engine.store.get(taskId).catch(() => null);
    if (stored && reached(stored)) return stored;
    if (Date.now() > deadline) return undefined;
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function watchTask(opts: {
  engine: Engine;
  taskId: string;
  work: () => Promise<Task>;
  reached: (task: Task) => boolean;
  timeoutMs: number;
  expectEvents: boolean;
  onLateError: (err: unknown) => void;
}): Promise<Watched> {
  return new Promise((resolve, reject) => {
    let answered = false;
    let latest: Task | undefined;
    const answer = (result: Watched | Error) => {
      if (answered) return;
      answered = true;
      unsubscribe();
      clearTimeout(timer);
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const unsubscribe = opts.engine.onEvent((event) => {
      if (event.type !== 'task.updated' || event.task.id !== opts.taskId) return;
      latest = event.task;
      if (opts.reached(event.task)) void untilStored(opts.engine, opts.taskId, opts.reached).then((stored) => answer({ task: stored ?? event.task, reached: true }));
    });
    const timer = setTimeout(() => answer({ task: latest, reached: false }), opts.timeoutMs);
    let work: Promise<Task>;
    try {
      work = opts.work();
    } catch (err) {
      answer(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    work.then(
      (task) => {
        latest = task;
        if (opts.reached(task) || !opts.expectEvents) answer({ task, reached: opts.reached(task) });
      },
      (err: unknown) => {
        if (answered) opts.onLateError(err);
        else answer(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
