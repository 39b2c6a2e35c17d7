import { GitHubError } from '../../adapters/github/github-code-host';
import { parseIssueRef } from '../../adapters/github/issue-url';
import { GitHubRateLimitError } from '../../adapters/github/octokit-client';
import { TaskConflictError, TaskNotFoundError } from '../../core/engine';
import type { Task } from '../../core/model';
import { isTerminal } from '../../core/phases';
import type { Project } from '../contracts';
import { HttpError } from '../http/errors';
import type { ProjectRegistry } from './projects';
import { watchTask } from './watch-task';

export type ServerLog = (level: 'info' | 'warn' | 'error', message: string) => void;

export interface ActionResult {
  project: Project;
  task: Task;
  /** false: the request was handed on (another process runs the task) and has not shown yet. */
  done: boolean;
}

/** How long a request waits to see its effect before answering "accepted" instead. */
export interface ActionWaits {
  decisionMs: number;
  cancelMs: number;
  retryMs: number;
}

/** How long a retry waits for a just-ended run of this process to let go of the task. */
const RELEASE_WAIT_MS = 5000;

export const DEFAULT_WAITS: ActionWaits = { decisionMs: 5000, cancelMs: 10_000, retryMs: 5000 };

/**
 * What the API and ChatOps do to tasks, in one place. Runs are started with the server process
 * carrying them on (waiting for approvals in-process), and every request answers without waiting
 * for the pipeline; engine errors become the HTTP statuses they mean.
 */
export class TaskActions {
  constructor(
    private readonly registry: ProjectRegistry,
    private readonly log: ServerLog,
  ) {}

  /** Exactly one task for the issue, returned as soon as it exists. */
  async create(issueUrl: string, projectName?: string): Promise<ActionResult> {
    let ref;
    try {
      ref = parseIssueRef(issueUrl);
    } catch (err) {
      throw new HttpError(400, (err as Error).message);
    }
    const project = this.registry.forIssue(ref, projectName);
    const { task, done } = await engineCall(() => project.engine.start({ owner: ref.owner, repo: ref.repo, number: ref.number }, { waitForApproval: true }));
    this.inBackground(done, project, task.id);
    return { project, task, done: true };
  }

  async decide(idOrPrefix: string, approved: boolean, by: string, waitMs = DEFAULT_WAITS.decisionMs): Promise<ActionResult> {
    const { project, task } = await this.registry.findTask(idOrPrefix);
    const pending = task.proposals.find((p) => p.status === 'pending');
    if (task.status !== 'awaiting_approval' || !pending) throw new HttpError(409, `task ${task.id} is ${task.status}, not awaiting approval`);
    const watched = await engineCall(async () =>
      watchTask({
        engine: project.engine,
        taskId: task.id,
        expectEvents: !(await project.engine.store.ownedElsewhere(task.id)),
        // When no process holds the task, decide() runs it on from here until its next stop.
        work: async () => (await project.engine.decide(task.id, approved, by, { waitForApproval: true })).task,
        reached: (t) => t.proposals.find((p) => p.id === pending.id)?.status !== 'pending',
        timeoutMs: waitMs,
        onLateError: (err) => this.lateError(project, task.id, err),
      }),
    );
    return { project, task: watched.task ?? task, done: watched.reached };
  }

  async cancel(idOrPrefix: string, waitMs = DEFAULT_WAITS.cancelMs): Promise<ActionResult> {
    const { project, task } = await this.registry.findTask(idOrPrefix);
    if (isTerminal(task.status)) throw new HttpError(409, `task ${task.id} is already ${task.status}`);
    const watched = await engineCall(async () =>
      watchTask({
        engine: project.engine,
        taskId: task.id,
        expectEvents: !(await project.engine.store.ownedElsewhere(task.id)),
        work: () => project.engine.cancel(task.id),
        reached: (t) => isTerminal(t.status),
        timeoutMs: waitMs,
        onLateError: (err) => this.lateError(project, task.id, err),
      }),
    );
    return { project, task: watched.task ?? task, done: watched.reached };
  }

  /** Carries a stopped task on, on its own branch; answers once the run has picked it up. */
  async retry(idOrPrefix: string, waitMs = DEFAULT_WAITS.retryMs): Promise<ActionResult> {
    const { project, task } = await this.registry.findTask(idOrPrefix);
    if (!isTerminal(task.status) || task.status === 'completed') throw new HttpError(409, `task ${task.id} is ${task.status}; only failed, cancelled, interrupted or timed-out tasks can be retried`);
    const watched = await engineCall(() =>
      watchTask({
        engine: project.engine,
        taskId: task.id,
        expectEvents: true,
        work: () => this.resumeWhenReleased(project, task.id),
        reached: (t) => t.resumes > task.resumes,
        timeoutMs: waitMs,
        onLateError: (err) => this.lateError(project, task.id, err),
      }),
    );
    return { project, task: watched.task ?? task, done: watched.reached };
  }

  /**
   * A task that has just ended in this process is still tidying up (notifications, worktree
   * removal) and holds its lease for a moment; a retry waits for that rather than being refused.
   */
  private async resumeWhenReleased(project: Project, taskId: string): Promise<Task> {
    const deadline = Date.now() + RELEASE_WAIT_MS;
    for (;;) {
      try {
        return await project.engine.resume(taskId, { waitForApproval: true });
      } catch (err) {
        if (!(err instanceof TaskConflictError) || Date.now() > deadline) throw err;
        const stored = await project.engine.store.get(taskId);
        const windingDown = stored && isTerminal(stored.status) && stored.status !== 'completed' && !(await project.engine.store.ownedElsewhere(taskId));
        if (!windingDown) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  private inBackground(run: Promise<Task>, project: Project, taskId: string): void {
    run.then(
      (t) => this.log('info', `[${project.name}] task ${t.id} ${t.status}`),
      (err) => this.lateError(project, taskId, err),
    );
  }

  private lateError(project: Project, taskId: string, err: unknown): void {
    this.log('error', `[${project.name}] task ${taskId}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Engine refusals are the client's to read; anything else stays a 500 without details. */
async function engineCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof TaskConflictError) throw new HttpError(409, err.message);
    if (err instanceof TaskNotFoundError) throw new HttpError(404, err.message);
    // GitHub's answers are worded for users already (issue not found, no access, a pull request).
    if (err instanceof GitHubError) throw new HttpError(err.status === 404 ? 404 : err.status === null ? 422 : 502, err.message);
    if (err instanceof GitHubRateLimitError) throw new HttpError(503, err.message, { 'Retry-After': String(Math.max(1, Math.ceil((err.resetAt.getTime() - Date.now()) / 1000))) });
    throw err;
  }
}
