import * as vscode from 'vscode';
import type { Task } from '../core/model';
import type { RigSession } from './session';
import { statusBarText } from './task-format';
import type { TaskTreeProvider } from './task-tree';

/** How often the board looks at the shared store for tasks other processes (a `rig` in a terminal) changed. */
const STORE_POLL_MS = 2000;

/**
 * Keeps the board, the status bar and the welcome-view context keys in step with the task store.
 * This process's engine events refresh at once; a cheap periodic `store.list()` picks up what
 * other processes wrote to the same repository.
 */
export class BoardController implements vscode.Disposable {
  private tasks: Task[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;
  private refreshing: Promise<void> | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly changed = new vscode.EventEmitter<readonly Task[]>();
  readonly onDidChangeTasks = this.changed.event;
  private readonly storeChanged = new vscode.EventEmitter<void>();
  /** Another process changed the tasks (this process's own changes arrive as engine events first). */
  readonly onDidChangeStore = this.storeChanged.event;

  constructor(
    private readonly session: RigSession,
    private readonly tree: TaskTreeProvider,
    private readonly statusItem: vscode.StatusBarItem,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.disposables.push(session.onEvent((e) => e.type === 'task.updated' && this.upsert(e.task)));
  }

  /** Starts the polling loop; the first look happens after activation has returned. */
  start(): void {
    void vscode.commands.executeCommand('setContext', 'rig.hasConfig', this.session.hasConfigFile());
    setTimeout(() => {
      void this.updateContexts();
      void this.refresh();
    }, 0);
    this.timer = setInterval(() => void this.refresh(), STORE_POLL_MS);
  }

  current(): readonly Task[] {
    return this.tasks;
  }

  statusText(): string {
    return this.statusItem.text;
  }

  refresh(): Promise<void> {
    // One look at a time: a slow disk must not pile up overlapping reads.
    this.refreshing ??= this.load().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async load(): Promise<void> {
    if (!vscode.workspace.isTrusted || !this.session.folder) {
      this.show([]);
      return;
    }
    try {
      const tasks = await this.session.tasks();
      const before = this.fingerprint(this.tasks);
      this.show(tasks);
      if (before !== this.fingerprint(tasks)) this.storeChanged.fire();
    } catch (err) {
      this.log.debug(`task list unavailable: ${err instanceof Error ? err.message : String(err)}`);
      this.show([]);
    }
  }

  private upsert(task: Task): void {
    const others = this.tasks.filter((t) => t.id !== task.id);
    this.show([...others, task]);
  }

  private show(tasks: Task[]): void {
    const before = this.fingerprint(this.tasks);
    this.tasks = tasks;
    this.statusItem.text = statusBarText(tasks);
    void vscode.commands.executeCommand('setContext', 'rig.hasTasks', tasks.length > 0);
    // Elapsed times move even when nothing else does, so running tasks always redraw.
    if (before !== this.fingerprint(tasks) || tasks.some((t) => !t.finishedAt)) this.tree.setTasks(tasks);
    this.changed.fire(tasks);
  }

  private fingerprint(tasks: readonly Task[]): string {
    return tasks.map((t) => `${t.id}:${t.updatedAt}:${t.status}`).sort().join('|');
  }

  /** The welcome views choose among "Create rig.yaml", "Sign in to GitHub" and "Run an issue" with these. */
  async updateContexts(): Promise<void> {
    await vscode.commands.executeCommand('setContext', 'rig.hasConfig', this.session.hasConfigFile());
    if (!vscode.workspace.isTrusted || !this.session.folder) return;
    // Looked up after activation: a silent session check is still auth work.
    const hasCredentials = await this.session.hasGitHubCredentials().catch(() => false);
    await vscode.commands.executeCommand('setContext', 'rig.hasGitHubCredentials', hasCredentials);
    await vscode.commands.executeCommand('setContext', 'rig.credentialsChecked', true);
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    for (const d of this.disposables) d.dispose();
    this.changed.dispose();
    this.storeChanged.dispose();
  }
}
