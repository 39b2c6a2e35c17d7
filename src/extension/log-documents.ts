import * as vscode from 'vscode';
import type { LogEntry } from '../core/model';

export const LOG_SCHEME = 'rig-log';

export function logUri(taskId: string): vscode.Uri {
  return vscode.Uri.from({ scheme: LOG_SCHEME, path: `/${encodeURIComponent(taskId)}.log` });
}

function taskIdOfLog(uri: vscode.Uri): string {
  return decodeURIComponent(uri.path.replace(/^\//, '').replace(/\.log$/, ''));
}

export function renderLogLine(e: LogEntry): string {
  return `${e.time.slice(11, 19)} ${e.level.toUpperCase().padEnd(5)} ${e.phase ? `[${e.phase}] ` : ''}${e.message}`;
}

/**
 * A task's log as a read-only document that follows the run: it is re-read when this process
 * logs a line for it and, for runs owned by another process, each time the board sees the task change.
 */
export class LogDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly readLogs: (id: string) => Promise<LogEntry[]>) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const entries = await this.readLogs(taskIdOfLog(uri));
    return entries.map(renderLogLine).join('\n') + '\n';
  }

  /** Tells VS Code to re-read the log of `taskId` if it is open. */
  taskChanged(taskId: string): void {
    const uri = logUri(taskId);
    if (vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString())) this.changed.fire(uri);
  }

  dispose(): void {
    this.changed.dispose();
  }
}
