import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { Task } from '../core/model';
import { isTerminal } from '../core/phases';
import { SECRET_KEYS, interactiveGitHubSignIn } from './credentials';
import { logUri } from './log-documents';
import { openProposalChanges, openProposalFileDiff, parseProposalUri, proposalToReview, taskOfActiveReview } from './proposal-documents';
import { pickIssue } from './run-issue';
import { loadRuntime } from './runtime';
import type { RigSession } from './session';
import type { TaskActions } from './task-actions';
import type { TaskPanels } from './task-panel';
import { taskIdOf } from './task-tree';
import { allowedToRun } from './trust';

const awaitingApproval = (t: Task) => t.status === 'awaiting_approval';

export interface CommandDeps {
  session: RigSession;
  /** The extension's folder: the dashboard the server serves is in dist/webview. */
  extensionPath: string;
  actions: TaskActions;
  panels: TaskPanels;
  secrets: vscode.SecretStorage;
  log: vscode.LogOutputChannel;
  /** Credentials or rig.yaml changed: reopen the workspace and recheck the welcome views. */
  reconfigured: () => Promise<void>;
}

export function registerCommands(deps: CommandDeps): vscode.Disposable[] {
  const { session, actions, panels, log } = deps;

  /** A task id from the argument (board node, id, proposal URI) or, failing that, a pick among the tasks. */
  const chooseTask = async (arg: unknown, filter: (task: Task) => boolean = () => true): Promise<string | undefined> => {
    const direct = taskIdOf(arg) ?? (arg instanceof vscode.Uri ? parseProposalUri(arg)?.taskId : undefined);
    if (direct) return direct;
    const tasks = (await session.tasks()).filter(filter);
    const picked = await vscode.window.showQuickPick(
      tasks.map((t) => ({ label: `#${t.issue.number} ${t.issue.title}`, description: `${t.status} · ${t.id}`, id: t.id })),
      { placeHolder: vscode.l10n.t('Choose a task') },
    );
    return picked?.id;
  };

  const guarded = (id: string, handler: (...args: unknown[]) => Promise<unknown>) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        return await handler(...args);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        log.error(`${id}: ${message}`);
        void vscode.window.showErrorMessage(vscode.l10n.t('Rig: {0}', message));
        return undefined;
      }
    });

  const runIssue = async (arg?: unknown) => {
    if (!allowedToRun(vscode.l10n.t('run an issue'))) return undefined;
    let ref;
    if (typeof arg === 'string') {
      const { parseIssueRef } = await loadRuntime();
      ref = parseIssueRef(arg);
    } else {
      ref = await pickIssue(session, log);
    }
    if (!ref) return undefined;
    const task = await actions.start(ref);
    return task?.id;
  };

  const storeSecret = async (key: string, prompt: string, placeHolder: string) => {
    const value = await vscode.window.showInputBox({ prompt, placeHolder, password: true, ignoreFocusOut: true });
    if (value === undefined) return;
    if (value.trim()) await deps.secrets.store(key, value.trim());
    else await deps.secrets.delete(key);
    void vscode.window.showInformationMessage(value.trim() ? vscode.l10n.t('Rig: saved in VS Code SecretStorage.') : vscode.l10n.t('Rig: removed from VS Code SecretStorage.'));
    await deps.reconfigured();
  };

  // Rig: Start server — the dashboard and API of rig web, driving this editor's own engine.
  let server: { urls: string[]; close(): Promise<void> } | undefined;
  const startServer = async () => {
    if (!allowedToRun(vscode.l10n.t('start the server'))) return undefined;
    if (server) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Rig server already running at {0}', server.urls.join(', ')));
      return server.urls;
    }
    const { startRigServer } = await loadRuntime();
    const ws = await session.workspace();
    server = await startRigServer({
      mode: 'web',
      cwd: ws.root,
      env: process.env,
      workspace: ws,
      dashboardDir: path.join(deps.extensionPath, 'dist', 'webview'),
      log: (level, message) => (level === 'error' ? log.error(message) : level === 'warn' ? log.warn(message) : log.info(message)),
    });
    log.info(`server started: ${server.urls.join(', ')}`);
    const open = vscode.l10n.t('Open dashboard');
    void vscode.window.showInformationMessage(vscode.l10n.t('Rig server running at {0}', server.urls.join(', ')), open).then((choice) => {
      if (choice === open && server) void vscode.env.openExternal(vscode.Uri.parse(server.urls[0]!));
    });
    return server.urls;
  };
  const stopServer = async () => {
    if (!server) return false;
    await server.close();
    server = undefined;
    log.info('server stopped');
    return true;
  };

  return [
    guarded('rig.startServer', startServer),
    guarded('rig.stopServer', stopServer),
    { dispose: () => void stopServer() },
    guarded('rig.runIssue', runIssue),
    guarded('rig.openTask', async (arg) => {
      const id = await chooseTask(arg);
      if (id) panels.open((await actions.get(id)).id);
    }),
    guarded('rig.showProposal', async (arg, file) => {
      const id = await chooseTask(arg, (t) => t.proposals.length > 0);
      if (!id) return;
      const task = await actions.get(id);
      const proposal = proposalToReview(task);
      if (!proposal) {
        void vscode.window.showInformationMessage(vscode.l10n.t('Task {0} has no proposal.', task.id));
        return;
      }
      // One file: the plain diff editor; the whole proposal: the multi-file changes editor.
      if (typeof file === 'string') await openProposalFileDiff(task, proposal, file);
      else if (proposal.files.length === 1) await openProposalFileDiff(task, proposal, proposal.files[0]!.path);
      else await openProposalChanges(task, proposal);
    }),
    guarded('rig.approve', async (arg) => {
      const id = taskOfActiveReviewOr(arg) ?? (await chooseTask(arg, awaitingApproval));
      if (id) await actions.approve(id);
    }),
    guarded('rig.reject', async (arg) => {
      const id = taskOfActiveReviewOr(arg) ?? (await chooseTask(arg, awaitingApproval));
      if (id) await actions.reject(id);
    }),
    guarded('rig.explainFailure', async (arg) => {
      const id = await chooseTask(arg, (t) => t.status !== 'completed');
      if (!id) return;
      const markdown = await actions.explain(id);
      if (markdown === undefined) return;
      const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: markdown });
      await vscode.window.showTextDocument(doc, { preview: false });
    }),
    guarded('rig.openPullRequest', async (arg) => {
      const id = await chooseTask(arg);
      if (!id) return;
      const task = await actions.get(id);
      if (!task.pr) {
        void vscode.window.showInformationMessage(vscode.l10n.t('Task {0} has no pull request yet.', task.id));
        return;
      }
      await vscode.env.openExternal(vscode.Uri.parse(task.pr.url));
    }),
    guarded('rig.openIssue', async (arg) => {
      const id = await chooseTask(arg);
      if (id) await vscode.env.openExternal(vscode.Uri.parse((await actions.get(id)).issue.url));
    }),
    guarded('rig.viewLogs', async (arg) => {
      const id = await chooseTask(arg);
      if (!id) return;
      const doc = await vscode.workspace.openTextDocument(logUri((await actions.get(id)).id));
      await vscode.window.showTextDocument(doc, { preview: false });
    }),
    guarded('rig.retry', async (arg) => {
      const id = await chooseTask(arg, (t) => ['failed', 'cancelled', 'interrupted', 'timed_out'].includes(t.status));
      if (id) await actions.retry(id);
    }),
    guarded('rig.cancel', async (arg) => {
      const id = await chooseTask(arg, (t) => !isTerminal(t.status));
      if (id) await actions.cancel(id);
    }),
    guarded('rig.delete', async (arg) => {
      const id = await chooseTask(arg);
      if (id) await actions.delete(id);
    }),
    guarded('rig.setAnthropicApiKey', () =>
      storeSecret(SECRET_KEYS.anthropicApiKey, vscode.l10n.t('Anthropic API key for Rig (leave empty to remove it)'), 'sk-ant-…'),
    ),
    guarded('rig.setOpenAiApiKey', () => storeSecret(SECRET_KEYS.openAiApiKey, vscode.l10n.t('OpenAI API key for Rig (leave empty to remove it)'), 'sk-…')),
    guarded('rig.setGitHubToken', () =>
      storeSecret(SECRET_KEYS.githubToken, vscode.l10n.t('GitHub token for Rig, with access to issues and pull requests (leave empty to remove it)'), 'ghp_…'),
    ),
    guarded('rig.signIn', async () => {
      const session = await interactiveGitHubSignIn();
      log.info(`signed in to GitHub as ${session.account.label}`);
      void vscode.window.showInformationMessage(vscode.l10n.t('Rig: signed in to GitHub as {0}.', session.account.label));
      await deps.reconfigured();
    }),
    guarded('rig.createConfig', async () => {
      const folder = session.folder;
      if (!folder) {
        void vscode.window.showWarningMessage(vscode.l10n.t('Open a folder with a git repository to use Rig.'));
        return;
      }
      const file = path.join(folder, 'rig.yaml');
      const exists = await fs.access(file).then(
        () => true,
        () => false,
      );
      if (!exists) {
        const { initTemplate } = await loadRuntime();
        await fs.writeFile(file, initTemplate('default'), { flag: 'wx' });
        log.info(`wrote ${file}`);
      }
      await vscode.window.showTextDocument(vscode.Uri.file(file));
      await deps.reconfigured();
    }),
    guarded('rig.focusBoard', () => Promise.resolve(vscode.commands.executeCommand('rig.tasks.focus'))),
    guarded('rig.refresh', () => deps.reconfigured()),
  ];
}

/** Approve/Reject from a diff's editor title arrive with the diff's URI, or with nothing in the multi-file editor. */
function taskOfActiveReviewOr(arg: unknown): string | undefined {
  return taskIdOf(arg) ?? (arg === undefined || arg instanceof vscode.Uri ? taskOfActiveReview(arg) : undefined);
}
