import * as vscode from 'vscode';
import type { Phase, Task } from '../core/model';

export type BoardGroup = 'running' | 'awaiting' | 'failed' | 'completed';

export const BOARD_GROUPS: readonly BoardGroup[] = ['running', 'awaiting', 'failed', 'completed'];

/** Which column of the board a task sits in; cancelled, interrupted and timed-out runs count as failed. */
export function groupOf(status: Phase): BoardGroup {
  if (status === 'awaiting_approval') return 'awaiting';
  if (status === 'completed') return 'completed';
  if (status === 'failed' || status === 'cancelled' || status === 'interrupted' || status === 'timed_out') return 'failed';
  return 'running';
}

export function groupLabel(group: BoardGroup): string {
  switch (group) {
    case 'running':
      return vscode.l10n.t('Running');
    case 'awaiting':
      return vscode.l10n.t('Awaiting approval');
    case 'failed':
      return vscode.l10n.t('Failed');
    case 'completed':
      return vscode.l10n.t('Completed');
  }
}

export function taskLabel(task: Task): string {
  return `#${task.issue.number} ${task.issue.title}`;
}

/** Elapsed time of the run so far (or of the whole run once it ended): "42s", "3m 10s", "2h 5m". */
export function elapsed(task: Task, now = Date.now()): string {
  const end = task.finishedAt ? Date.parse(task.finishedAt) : now;
  const seconds = Math.max(0, Math.round((end - Date.parse(task.createdAt)) / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${seconds % 60}s`;
  return `${Math.floor(minutes / 60)}h ${minutes % 60}m`;
}

export function phaseLabel(status: Phase): string {
  return status.replace(/_/g, ' ');
}

export function statusIcon(status: Phase): vscode.ThemeIcon {
  switch (groupOf(status)) {
    case 'running':
      return new vscode.ThemeIcon('sync~spin');
    case 'awaiting':
      return new vscode.ThemeIcon('question', new vscode.ThemeColor('charts.yellow'));
    case 'failed':
      return new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed'));
    case 'completed':
      return new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed'));
  }
}

/** The status bar's words for a set of tasks: running first, then waiting for a human, else idle. */
export function statusBarText(tasks: readonly Task[]): string {
  const running = tasks.filter((t) => groupOf(t.status) === 'running').length;
  if (running) return `$(sync~spin) ${vscode.l10n.t('Rig: {0} running', running)}`;
  const awaiting = tasks.filter((t) => t.status === 'awaiting_approval').length;
  if (awaiting) return vscode.l10n.t('Rig: {0} awaiting approval', awaiting);
  return 'Rig';
}
