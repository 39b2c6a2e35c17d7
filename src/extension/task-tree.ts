import * as vscode from 'vscode';
import type { Task } from '../core/model';
import { BOARD_GROUPS, type BoardGroup, elapsed, groupLabel, groupOf, phaseLabel, statusIcon, taskLabel } from './task-format';

type BoardNode = { kind: 'group'; group: BoardGroup; tasks: Task[] } | { kind: 'task'; task: Task };

/** The sidebar board: one node per non-empty state, tasks newest first below it. */
export class TaskTreeProvider implements vscode.TreeDataProvider<BoardNode> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private tasks: Task[] = [];

  setTasks(tasks: Task[]): void {
    this.tasks = [...tasks].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    this.changed.fire();
  }

  getChildren(node?: BoardNode): BoardNode[] {
    if (node?.kind === 'group') return node.tasks.map((task) => ({ kind: 'task', task }));
    if (node) return [];
    return BOARD_GROUPS.map((group) => ({ kind: 'group' as const, group, tasks: this.tasks.filter((t) => groupOf(t.status) === group) })).filter(
      (g) => g.tasks.length > 0,
    );
  }

  getTreeItem(node: BoardNode): vscode.TreeItem {
    if (node.kind === 'group') {
      const item = new vscode.TreeItem(`${groupLabel(node.group)} (${node.tasks.length})`, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `group:${node.group}`;
      item.contextValue = `group.${node.group}`;
      return item;
    }
    const { task } = node;
    const item = new vscode.TreeItem(taskLabel(task), vscode.TreeItemCollapsibleState.None);
    item.id = `task:${task.id}`;
    item.description = `${phaseLabel(task.status)} · ${elapsed(task)}`;
    item.tooltip = new vscode.MarkdownString(
      [`**${taskLabel(task)}**`, '', `${task.id} · ${phaseLabel(task.status)} · ${elapsed(task)}`, task.statusReason ? `\n${task.statusReason}` : '', task.pr ? `\nPR #${task.pr.number}` : '']
        .filter(Boolean)
        .join('\n'),
    );
    item.iconPath = statusIcon(task.status);
    // Exactly task.<status>: menus key on it with `viewItem == task.failed`.
    item.contextValue = `task.${task.status}`;
    item.command = { command: 'rig.openTask', title: vscode.l10n.t('Open task'), arguments: [task.id] };
    return item;
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/** Commands invoked from the board get the node; from the palette, a task id or nothing. */
export function taskIdOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (arg && typeof arg === 'object') {
    const node = arg as { kind?: string; task?: Task; id?: string };
    if (node.kind === 'task' && node.task) return node.task.id;
  }
  return undefined;
}
