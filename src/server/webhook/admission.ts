import { TaskConflictError, type Engine } from '../../core/engine';
import type { IssueRef, Task } from '../../core/model';
import { isTerminal } from '../../core/phases';
import type { TriggerAccess } from './access';

export type Admission =
  /** Start (or carry on) the issue's task. */
  | { kind: 'start'; because: string }
  /** This trigger already has its task: one created since it arrived (a crash before it was marked done). */
  | { kind: 'covered'; task: Task }
  /** Nothing to do, and why. */
  | { kind: 'ignored'; reason: string };

/**
 * Whether a trigger that arrived at `receivedAt` should start a run. Judged as of its arrival,
 * not of its turn in the queue: a trigger that came while the issue was being run belongs to
 * that run even when the queue reaches it after the run ended, so a burst of redundant triggers
 * never turns into a string of runs.
 */
export async function admit(
  engine: Pick<Engine, 'tasksForIssue'>,
  access: TriggerAccess,
  trigger: { issue: IssueRef; actor: string },
  receivedAt: string,
): Promise<Admission> {
  const latest = (await engine.tasksForIssue(trigger.issue)).at(-1);
  // An interrupted task is carried on by starting the issue again, whenever it was created.
  if (latest && latest.status !== 'interrupted') {
    if (latest.createdAt >= receivedAt) return { kind: 'covered', task: latest };
    const liveAtArrival = !isTerminal(latest.status) || (latest.finishedAt !== undefined && latest.finishedAt >= receivedAt);
    if (liveAtArrival) {
      return { kind: 'ignored', reason: `issue #${trigger.issue.number} was already being run as task ${latest.id} (${latest.status}) when this trigger arrived` };
    }
  }
  const verdict = await access.check(trigger.issue, trigger.actor);
  if (!verdict.allowed) return { kind: 'ignored', reason: verdict.reason };
  return { kind: 'start', because: verdict.because };
}

/** Engine.start, with "the issue is already running" (a race with another front door) as an answer rather than a failure. */
export async function startTask(engine: Pick<Engine, 'start'>, issue: IssueRef): Promise<{ task: Task; done: Promise<Task> } | { conflict: string }> {
  try {
    return await engine.start(issue);
  } catch (err) {
    if (err instanceof TaskConflictError) return { conflict: err.message };
    throw err;
  }
}
