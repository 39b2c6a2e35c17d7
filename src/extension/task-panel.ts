import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { EngineEvent } from '../core/model';
import { answerWebviewMessage, eventMessage, type RequestHandlers } from '../../webview-ui/src/protocol';

export const TASK_PANEL_VIEW_TYPE = 'rig.taskPanel';

/** What a panel remembers across a reload (VS Code keeps it for the serializer). */
interface PanelState {
  taskId: string;
}

/**
 * The task panel: the same webview-ui bundle the `rig web` dashboard serves, talking to this
 * extension host over postMessage. One panel per task; opening it again reveals it.
 */
export class TaskPanels implements vscode.WebviewPanelSerializer<PanelState>, vscode.Disposable {
  private readonly panels = new Map<string, vscode.WebviewPanel>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly handlers: () => Promise<RequestHandlers>,
    private readonly onEngineEvent: vscode.Event<EngineEvent>,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  open(taskId: string): vscode.WebviewPanel {
    const existing = this.panels.get(taskId);
    if (existing) {
      existing.reveal();
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(TASK_PANEL_VIEW_TYPE, `Rig: ${taskId}`, vscode.ViewColumn.Active, this.options());
    this.attach(panel, taskId);
    return panel;
  }

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: PanelState | undefined): Promise<void> {
    const taskId = state?.taskId ?? /^Rig: (.+)$/.exec(panel.title)?.[1];
    if (!taskId) {
      panel.dispose();
      return;
    }
    panel.webview.options = this.options();
    this.attach(panel, taskId);
  }

  private options(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      // The page is rebuilt from the host's data, so keeping a hidden panel alive buys nothing.
      retainContextWhenHidden: false,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview')],
    };
  }

  private attach(panel: vscode.WebviewPanel, taskId: string): void {
    this.panels.set(taskId, panel);
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'rig.svg');
    panel.webview.html = this.html(panel.webview, taskId);
    const subscriptions = [
      panel.webview.onDidReceiveMessage(async (raw: unknown) => {
        // answerWebviewMessage validates the envelope and the params with the shared zod protocol.
        const reply = await answerWebviewMessage(await this.handlers(), raw);
        if (reply) await panel.webview.postMessage(reply);
      }),
      this.onEngineEvent((e) => {
        const message = e.type === 'task.updated' ? eventMessage('task.updated', { task: e.task }) : eventMessage('log.line', { taskId: e.taskId, entry: e.entry });
        void panel.webview.postMessage(message);
      }),
    ];
    panel.onDidDispose(() => {
      this.panels.delete(taskId);
      for (const s of subscriptions) s.dispose();
    });
    this.log.debug(`task panel for ${taskId}`);
  }

  /** Tasks changed by another process: ask the open panels to reload their data. */
  resync(): void {
    for (const panel of this.panels.values()) void panel.webview.postMessage(eventMessage('resync', { reason: 'store changed' }));
  }

  private html(webview: vscode.Webview, taskId: string): string {
    const nonce = randomBytes(16).toString('base64');
    const script = webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview', 'main.js'));
    const csp = [
      "default-src 'none'",
      `script-src 'nonce-${nonce}'`,
      `style-src ${webview.cspSource}`,
      `font-src ${webview.cspSource}`,
      `img-src ${webview.cspSource} data:`,
      "base-uri 'none'",
      "form-action 'none'",
    ].join('; ');
    const route = `#/tasks/${encodeURIComponent(taskId)}`;
    // The UI calls acquireVsCodeApi() itself and it can be called once per page: the boot script
    // takes it first to remember the task for the serializer, then hands the same object over.
    const boot = `const api = acquireVsCodeApi(); api.setState(${JSON.stringify({ taskId })}); globalThis.acquireVsCodeApi = () => api; if (location.hash !== ${JSON.stringify(route)}) location.hash = ${JSON.stringify(route)};`;
    return `<!doctype html>
<html lang="${vscode.env.language}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Rig: ${escapeHtml(taskId)}</title>
<script nonce="${nonce}">${boot}</script>
<script type="module" nonce="${nonce}" src="${script}"></script>
</head>
<body></body>
</html>`;
  }

  dispose(): void {
    for (const panel of this.panels.values()) panel.dispose();
  }
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
