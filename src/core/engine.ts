import type { RigConfig } from './config/schema';
import type { EngineEvent, IssueRef, Phase, StepSelection, Task } from './model';
import { isTerminal } from './phases';
import { describeRemovals, sanitizeIssueWithReport } from './sanitize';
import type { Decision } from './ports';
import { newTask, newTaskId } from './task-factory';
import { type RunDeps, TaskRun } from './task-run';

export interface EngineDeps extends Omit<RunDeps, 'now' | 'pollMs' | 'emit'> {
  now?: () => Date;
  pollMs?: number;
  newId?: (issueNumber: number, now: Date) => string;
}

export interface ExecOptions {
  steps?: StepSelection[];
  /** Keep the process waiting for a human decision (default) or leave the task awaiting approval. */
  waitForApproval?: boolean;
  signal?: AbortSignal;
}

export class TaskConflictError extends Error {
  override name = 'TaskConflictError';
}

export class TaskNotFoundError extends Error {
  override name = 'TaskNotFoundError';
}

const ENTRY_FOR_RESUME: Partial<Record<Phase, Phase>> = {
  planning: 'planning',
  coding: 'coding',
  committing: 'committing',
  deploying: 'deploying',
  // The proposal was lost with the run: deploy again, which fails again and proposes again.
  awaiting_approval: 'deploying',
  testing: 'testing',
  rollback: 'rollback',
  reporting: 'reporting',
};

/**
 * The one engine behind every front door. It starts, carries on and decides tasks; the pipeline
 * itself lives in TaskRun. Every change is saved through the store, so other processes follow.
 */
export class Engine {
  private readonly listeners = new Set<(event: EngineEvent) => void>();
  private readonly runDeps: RunDeps;
  private readonly newId: (issueNumber: number, now: Date) => string;

  constructor(
    readonly config: RigConfig,
    deps: EngineDeps,
  ) {
    this.runDeps = {
      ...deps,
      now: deps.now ?? (() => new Date()),
      pollMs: deps.pollMs ?? 1000,
      emit: (event) => {
        for (const listener of this.listeners) listener(event);
      },
    };
    this.newId = deps.newId ?? newTaskId;
  }

  onEvent(listener: (event: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get store() {
    return this.runDeps.store;
  }

  async list(): Promise<Task[]> {
    return this.store.list();
  }

  /** A task by id or by a unique prefix of its id. */
  async get(idOrPrefix: string): Promise<Task> {
    const exact = await this.store.get(idOrPrefix).catch(() => null);
    if (exact) return exact;
    const matches = (await this.store.list()).filter((t) => t.id.startsWith(idOrPrefix));
    if (matches.length === 1) return matches[0]!;
    if (matches.length > 1) throw new TaskNotFoundError(`task id prefix "${idOrPrefix}" matches ${matches.length} tasks: ${matches.map((t) => t.id).join(', ')}`);
    throw new TaskNotFoundError(`no task "${idOrPrefix}" in this repository (rig status lists them)`);
  }

  async tasksForIssue(ref: IssueRef): Promise<Task[]> {
    return (await this.store.list()).filter((t) => t.issue.owner === ref.owner && t.issue.repo === ref.repo && t.issue.number === ref.number);
  }

  /**
   * Runs an issue to its end. A task of the same issue that was interrupted is carried on (same
   * branch, same PR); one that is running or awaiting approval is not started twice.
   */
  async exec(ref: IssueRef, opts: ExecOptions = {}): Promise<Task> {
    return (await this.start(ref, opts)).done;
  }

  /**
   * Creates (or picks up) the issue's task and returns it at once, with the run going on in the
   * background: what a server or an editor needs to answer without waiting for the pipeline.
   */
  async start(ref: IssueRef, opts: ExecOptions = {}): Promise<{ task: Task; done: Promise<Task> }> {
    // The issue's own lease: two triggers for one issue at the same moment make one task.
    const issueKey = `issue.${ref.owner}.${ref.repo}.${ref.number}`;
    if (!(await this.store.claim(issueKey))) throw new TaskConflictError(`issue #${ref.number} is being started by another process`);
    try {
      const latest = (await this.tasksForIssue(ref)).at(-1);
      if (latest && !isTerminal(latest.status)) {
        if (latest.status === 'awaiting_approval') {
          throw new TaskConflictError(`issue #${ref.number} already has task ${latest.id} awaiting approval: rig approve ${latest.id} or rig reject ${latest.id}`);
        }
        throw new TaskConflictError(`issue #${ref.number} is already being run as task ${latest.id} (${latest.status}) by another process`);
      }
      if (latest && (latest.status === 'interrupted' || (latest.status === 'failed' && latest.resumeFrom))) return await this.startResume(latest.id, opts);

      // A selection of steps that runs nothing is refused before any task exists.
      this.firstPhase({ steps: opts.steps ?? [...this.config.workflow.steps] });
      // Issue text is attacker-controlled: hidden channels and secrets are gone before it is stored or prompted.
      const { issue, removed } = sanitizeIssueWithReport(await this.runDeps.codeHost.getIssue(ref), { redact: this.runDeps.redact });
      const now = this.runDeps.now();
      let task: Task | undefined;
      for (let i = 0; i < 5 && !task; i++) {
        const id = this.newId(ref.number, now);
        if (!(await this.store.claim(id))) continue;
        const candidate = newTask({ id, issue, config: this.config, baseBranch: this.config.source?.base_branch ?? 'main', steps: opts.steps, now });
        try {
          await this.store.create(candidate);
          task = candidate;
        } catch (err) {
          await this.store.release(id);
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        }
      }
      if (!task) throw new Error('could not allocate a unique task id');
      await this.store.appendLog(task.id, 'info', `task created for ${issue.url}`, 'queued');
      const removals = describeRemovals(removed);
      if (removals) await this.store.appendLog(task.id, 'warn', `issue text sanitised: ${removals}`, 'queued');
      this.runDeps.emit({ type: 'task.updated', task: structuredClone(task) });
      return { task, done: this.drive(task, this.firstPhase(task), opts) };
    } finally {
      await this.store.release(issueKey);
    }
  }

  /** Carries on an interrupted (or failed, cancelled, timed-out) task on its own branch. */
  async resume(id: string, opts: ExecOptions = {}): Promise<Task> {
    return (await this.startResume(id, opts)).done;
  }

  private async startResume(id: string, opts: ExecOptions): Promise<{ task: Task; done: Promise<Task> }> {
    const found = await this.get(id);
    if (!(await this.store.claim(found.id))) throw new TaskConflictError(`task ${found.id} is being run by another process`);
    const task = (await this.store.get(found.id))!;
    if (!isTerminal(task.status) || task.status === 'completed') {
      await this.store.release(task.id);
      throw new TaskConflictError(`task ${task.id} is ${task.status}; only interrupted, failed, cancelled or timed-out tasks can be carried on`);
    }
    const entry = (task.resumeFrom && ENTRY_FOR_RESUME[task.resumeFrom]) || this.firstPhase(task);
    await this.store.clearCancel(task.id);
    task.status = 'queued';
    task.resumes += 1;
    task.statusReason = undefined;
    task.finishedAt = undefined;
    task.resumeFrom = undefined;
    await this.store.save(task);
    await this.store.appendLog(task.id, 'info', `carrying on from ${entry} (resume ${task.resumes})`, 'queued');
    return { task, done: this.drive(task, entry, opts) };
  }

  /**
   * Approves or rejects the pending proposal. When the process running the task is alive it gets
   * the decision and carries on; otherwise this process carries the task on itself.
   */
  async decide(id: string, approved: boolean, by: string, opts: ExecOptions = {}): Promise<{ task: Task; handedTo: 'owner' | 'self' }> {
    const task = await this.get(id);
    if (task.status !== 'awaiting_approval') throw new TaskConflictError(`task ${task.id} is ${task.status}, not awaiting approval`);
    const pending = task.proposals.find((p) => p.status === 'pending');
    if (!pending) throw new TaskConflictError(`task ${task.id} has no pending proposal`);
    const decision: Decision = { proposalId: pending.id, approved, by, at: this.runDeps.now().toISOString() };
    if ((await this.store.ownedElsewhere(task.id)) || !(await this.store.claim(task.id))) {
      await this.store.writeDecision(task.id, decision);
      return { task, handedTo: 'owner' };
    }
    const fresh = (await this.store.get(task.id))!;
    return { task: await this.drive(fresh, 'awaiting_approval', opts, decision), handedTo: 'self' };
  }

  /** Stops a task: the running process aborts its commands; a waiting task is cancelled here. */
  async cancel(id: string): Promise<Task> {
    const task = await this.get(id);
    if (isTerminal(task.status)) throw new TaskConflictError(`task ${task.id} is already ${task.status}`);
    if ((await this.store.ownedElsewhere(task.id)) || !(await this.store.claim(task.id))) {
      await this.store.requestCancel(task.id);
      return task;
    }
    await this.store.requestCancel(task.id);
    return this.drive((await this.store.get(task.id))!, 'awaiting_approval', { waitForApproval: true });
  }

  /** Awaiting tasks whose approval window passed while no process watched them end as timed_out. */
  async expireOverdue(): Promise<Task[]> {
    const now = this.runDeps.now().getTime();
    const expired: Task[] = [];
    for (const task of await this.store.list()) {
      const pending = task.proposals.find((p) => p.status === 'pending');
      if (task.status !== 'awaiting_approval' || !pending || Date.parse(pending.expiresAt) > now) continue;
      if ((await this.store.ownedElsewhere(task.id)) || !(await this.store.claim(task.id))) continue;
      expired.push(await this.drive((await this.store.get(task.id))!, 'awaiting_approval', { waitForApproval: false }));
    }
    return expired;
  }

  private firstPhase(task: Pick<Task, 'steps'>): Phase {
    if (task.steps.includes('code')) return 'planning';
    if (task.steps.includes('deploy') && this.config.deploy) return 'deploying';
    if (task.steps.includes('test') && this.config.test.length) return 'testing';
    if (task.steps.includes('report')) return 'reporting';
    throw new Error(`nothing to run: steps ${task.steps.join(', ')} select no configured step`);
  }

  private async drive(task: Task, entry: Phase, opts: ExecOptions, decision?: Decision): Promise<Task> {
    const run = new TaskRun(task, this.config, this.runDeps, { waitForApproval: opts.waitForApproval ?? true, signal: opts.signal });
    try {
      return await run.run(entry, decision);
    } finally {
      await this.store.release(task.id);
    }
  }
}
