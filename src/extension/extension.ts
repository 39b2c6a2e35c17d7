// The VS Code front door. It wires views and commands to the engine and holds no pipeline logic;
// activation does no network, git or auth work: everything heavier is opened on first use.
import * as vscode from 'vscode';
import type { Task } from '../core/model';
import { BoardController } from './board';
import { registerCommands } from './commands';
import { LOG_SCHEME, LogDocuments } from './log-documents';
import { panelRequests } from './panel-requests';
import { PROPOSAL_SCHEME, ProposalDocuments, trackProposalChangesEditor } from './proposal-documents';
import { RigSession } from './session';
import { TaskActions } from './task-actions';
import { TASK_PANEL_VIEW_TYPE, TaskPanels } from './task-panel';
import { TaskTreeProvider } from './task-tree';

/** What the extension returns from activate(), for tests and other extensions. */
export interface RigApi {
  activationMs: number;
  statusText(): string;
  tasks(): Promise<Task[]>;
  refresh(): Promise<void>;
}

export function activate(context: vscode.ExtensionContext): RigApi {
  const started = performance.now();
  const log = vscode.window.createOutputChannel('Rig', { log: true });
  const session = new RigSession(context.secrets, log);
  const tree = new TaskTreeProvider();
  const statusItem = vscode.window.createStatusBarItem('rig.status', vscode.StatusBarAlignment.Left, 50);
  statusItem.name = 'Rig';
  statusItem.text = 'Rig';
  statusItem.tooltip = vscode.l10n.t('Rig tasks: click to show the board');
  statusItem.command = 'rig.focusBoard';
  statusItem.show();

  const board = new BoardController(session, tree, statusItem, log);
  const actions = new TaskActions(session, log, () => void board.refresh());
  const getTask = async (id: string) => (await session.workspace()).engine().get(id);
  const logs = new LogDocuments(async (id) => (await session.workspace()).store.readLogs(id));
  const runUrl = async (url: string) => vscode.commands.executeCommand('rig.runIssue', url);
  const panels = new TaskPanels(context.extensionUri, async () => panelRequests(await session.workspace(), actions, runUrl), session.onEvent, log);

  const reconfigured = async () => {
    session.invalidate();
    await board.updateContexts();
    await board.refresh();
  };

  context.subscriptions.push(
    log,
    session,
    tree,
    statusItem,
    board,
    logs,
    panels,
    vscode.window.createTreeView('rig.tasks', { treeDataProvider: tree, showCollapseAll: false }),
    vscode.workspace.registerTextDocumentContentProvider(PROPOSAL_SCHEME, new ProposalDocuments(getTask)),
    vscode.workspace.registerTextDocumentContentProvider(LOG_SCHEME, logs),
    vscode.window.registerWebviewPanelSerializer(TASK_PANEL_VIEW_TYPE, panels),
    trackProposalChangesEditor(),
    session.onEvent((e) => logs.taskChanged(e.type === 'task.updated' ? e.task.id : e.taskId)),
    // Runs owned by another process (a `rig` in a terminal) reach the log and the panels through the store.
    board.onDidChangeTasks((tasks) => {
      for (const t of tasks) if (!t.finishedAt) logs.taskChanged(t.id);
    }),
    board.onDidChangeStore(() => panels.resync()),
    vscode.workspace.onDidGrantWorkspaceTrust(() => void reconfigured()),
    vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('rig') && void reconfigured()),
    context.secrets.onDidChange(() => void reconfigured()),
    vscode.authentication.onDidChangeSessions((e) => e.provider.id.startsWith('github') && void reconfigured()),
    ...registerCommands({ session, extensionPath: context.extensionPath, actions, panels, secrets: context.secrets, log, reconfigured }),
  );
  watchConfigFile(context, reconfigured);
  board.start();

  const activationMs = Math.round((performance.now() - started) * 10) / 10;
  log.info(`Rig activated in ${activationMs} ms`);
  return {
    activationMs,
    statusText: () => board.statusText(),
    tasks: async () => {
      await board.refresh();
      return [...board.current()];
    },
    refresh: () => board.refresh(),
  };
}

/** rig.yaml appearing, changing or going away switches the welcome view and the engine's config. */
function watchConfigFile(context: vscode.ExtensionContext, reconfigured: () => Promise<void>): void {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) return;
  const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, 'rig.yaml'));
  const changed = () => void reconfigured();
  context.subscriptions.push(watcher, watcher.onDidCreate(changed), watcher.onDidChange(changed), watcher.onDidDelete(changed));
}

export function deactivate(): void {
  // Everything is in context.subscriptions; runs in flight end with the extension host and are
  // marked interrupted by the next process that looks at them.
}
