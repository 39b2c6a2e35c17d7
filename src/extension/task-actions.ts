import * as vscode from 'vscode';
import type { IssueRef, Task } from '../core/model';
import { isTerminal } from '../core/phases';
import { loadRuntime } from './runtime';
import type { RigSession } from './session';
import { allowedToRun } from './trust';

/**
 * What the board, the panel, the editor titles and the palette can do to a task. Every action
 * that runs something checks Workspace Trust itself, whichever way it was invoked.
 */
export class TaskActions {
  constructor(
    private readonly session: RigSession,
    private readonly log: vscode.LogOutputChannel,
    private readonly changed: () => void,
  ) {}

  async get(id: string): Promise<Task> {
    return (await this.session.workspace()).engine().get(id);
  }

  /** Creates the issue's task and returns it at once; the run goes on behind a progress notification. */
  async start(ref: IssueRef): Promise<Task | undefined> {
    if (!allowedToRun(vscode.l10n.t('run an issue'))) return undefined;
    const ws = await this.session.workspace();
    ws.requireConfig();
    // Not waiting for approval: a task that needs a human parks in awaiting_approval and the
    // decision, from here or from a terminal, carries it on.
    const { task, done } = await ws.engine().start(ref, { waitForApproval: false });
    this.log.info(`started ${task.id} for ${task.issue.url}`);
    this.follow(task, done, vscode.l10n.t('Rig: running #{0} {1}', task.issue.number, task.issue.title));
    this.changed();
    return task;
  }

  async approve(id: string): Promise<void> {
    await this.decide(id, true);
  }

  async reject(id: string): Promise<void> {
    await this.decide(id, false);
  }

  private async decide(id: string, approved: boolean): Promise<void> {
    if (!allowedToRun(approved ? vscode.l10n.t('approve a proposal') : vscode.l10n.t('reject a proposal'))) return;
    const engine = (await this.session.workspace()).engine();
    const task = await engine.get(id);
    const by = `vscode:${process.env.USER ?? 'user'}`;
    // When this process carries the task on, decide() lasts until the run ends, so it is followed
    // in the background; when another process (a `rig` in a terminal) owns the task, that process
    // carries it on and the board follows it through the store.
    const decided = engine.decide(task.id, approved, by, { waitForApproval: false });
    const done = decided.then((r) => (r.handedTo === 'self' ? r.task : undefined));
    this.log.info(`${approved ? 'approved' : 'rejected'} the proposal of ${task.id}`);
    this.follow(task, done, approved ? vscode.l10n.t('Rig: carrying on #{0} after approval', task.issue.number) : vscode.l10n.t('Rig: rejecting the proposal of #{0}', task.issue.number));
    await Promise.race([decided.catch(() => undefined), delay(300)]);
    this.changed();
  }

  async retry(id: string): Promise<void> {
    if (!allowedToRun(vscode.l10n.t('retry a task'))) return;
    const ws = await this.session.workspace();
    ws.requireConfig();
    const engine = ws.engine();
    const task = await engine.get(id);
    const done = engine.resume(task.id, { waitForApproval: false });
    this.follow(task, done, vscode.l10n.t('Rig: retrying #{0} {1}', task.issue.number, task.issue.title));
    await Promise.race([done.catch(() => undefined), delay(300)]);
    this.changed();
  }

  async cancel(id: string): Promise<void> {
    // Stopping runs nothing new, but a stop in an untrusted folder has nothing to stop either.
    if (!allowedToRun(vscode.l10n.t('cancel a task'))) return;
    const engine = (await this.session.workspace()).engine();
    const task = await engine.get(id);
    void engine.cancel(task.id).then(this.changed, (err) => this.reportFailure(task.id, err));
    this.log.info(`cancel requested for ${task.id}`);
  }

  /** Forgets a finished task: its worktree and its record. A running task has to be cancelled first. */
  async delete(id: string): Promise<boolean> {
    if (!allowedToRun(vscode.l10n.t('delete a task'))) return false;
    const ws = await this.session.workspace();
    const task = await ws.engine().get(id);
    if (!isTerminal(task.status) && task.status !== 'awaiting_approval') {
      void vscode.window.showWarningMessage(vscode.l10n.t('Task {0} is {1}; cancel it before deleting it.', task.id, task.status));
      return false;
    }
    const answer = await vscode.window.showWarningMessage(
      vscode.l10n.t('Delete task {0} (#{1} {2})? Its record and worktree are removed; the branch and any pull request stay.', task.id, task.issue.number, task.issue.title),
      { modal: true },
      vscode.l10n.t('Delete'),
    );
    if (!answer) return false;
    if (task.status === 'awaiting_approval') await ws.engine().cancel(task.id);
    if (task.worktree) await ws.git.removeWorktree(task.worktree).catch((err) => this.log.warn(`worktree of ${task.id}: ${String(err)}`));
    await ws.store.remove(task.id);
    this.log.info(`deleted ${task.id}`);
    this.changed();
    return true;
  }

  async explain(id: string): Promise<string | undefined> {
    if (!allowedToRun(vscode.l10n.t('explain a failure with AI'))) return undefined;
    const ws = await this.session.workspace();
    const { explainTask } = await loadRuntime();
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Rig: asking the AI why {0} failed…', id) },
      () => explainTask(ws, id, { ai: true }),
    );
  }

  /** A progress notification for a run; its Cancel button cancels the task. */
  /** `done` resolves to undefined when the run went on in another process: nothing to announce here. */
  private follow(task: Task, done: Promise<Task | undefined>, title: string): void {
    void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
      const cancelling = token.onCancellationRequested(() => void this.cancel(task.id));
      const phases = this.session.onEvent((e) => {
        if (e.type === 'task.updated' && e.task.id === task.id) progress.report({ message: e.task.status.replace(/_/g, ' ') });
      });
      try {
        const final = await done;
        if (final) this.announce(final);
      } catch (err) {
        this.reportFailure(task.id, err);
      } finally {
        cancelling.dispose();
        phases.dispose();
        this.changed();
      }
    });
  }

  private announce(task: Task): void {
    const open = vscode.l10n.t('Open task');
    const message =
      task.status === 'completed'
        ? vscode.l10n.t('Rig: #{0} completed{1}', task.issue.number, task.pr ? ` — PR #${task.pr.number}` : '')
        : task.status === 'awaiting_approval'
          ? vscode.l10n.t('Rig: #{0} is waiting for your approval', task.issue.number)
          : vscode.l10n.t('Rig: #{0} ended {1}: {2}', task.issue.number, task.status, task.statusReason ?? '');
    const show = task.status === 'completed' ? vscode.window.showInformationMessage : vscode.window.showWarningMessage;
    void show(message, open).then((choice) => choice && vscode.commands.executeCommand('rig.openTask', task.id));
  }

  private reportFailure(taskId: string, err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    this.log.error(`${taskId}: ${message}`);
    void vscode.window.showErrorMessage(vscode.l10n.t('Rig: {0}', message));
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
