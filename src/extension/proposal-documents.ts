import * as vscode from 'vscode';
import type { Proposal, Task } from '../core/model';

export const PROPOSAL_SCHEME = 'rig-proposal';

type Side = 'before' | 'after';

/**
 * rig-proposal:/<file path>?task=…&proposal=…&side=before|after. Both sides share the file's path
 * and differ only in the query, as the git extension's URIs do, so the diff editors label them
 * by the file and do not show a rename.
 */
export function proposalUri(taskId: string, proposalId: string, side: Side, file: string): vscode.Uri {
  const query = new URLSearchParams({ task: taskId, proposal: proposalId, side }).toString();
  return vscode.Uri.from({ scheme: PROPOSAL_SCHEME, path: `/${file}`, query });
}

export function parseProposalUri(uri: vscode.Uri): { taskId: string; proposalId: string; side: Side; file: string } | undefined {
  if (uri.scheme !== PROPOSAL_SCHEME) return undefined;
  const query = new URLSearchParams(uri.query);
  const [taskId, proposalId, side] = [query.get('task'), query.get('proposal'), query.get('side')];
  if (!taskId || !proposalId || (side !== 'before' && side !== 'after')) return undefined;
  return { taskId, proposalId, side, file: uri.path.replace(/^\//, '') };
}

/**
 * Read-only documents for the two sides of a proposal. The content comes from the stored task, so
 * a diff opened from a proposal that another process made shows exactly what will be applied.
 */
export class ProposalDocuments implements vscode.TextDocumentContentProvider {
  constructor(private readonly getTask: (id: string) => Promise<Task>) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const ref = parseProposalUri(uri);
    if (!ref) return '';
    const task = await this.getTask(ref.taskId);
    const file = task.proposals.find((p) => p.id === ref.proposalId)?.files.find((f) => f.path === ref.file);
    if (!file) throw new Error(vscode.l10n.t('{0} is not part of proposal {1}', ref.file, ref.proposalId));
    return ref.side === 'before' ? file.before : file.after;
  }
}

/** The proposal a review is about: the pending one, else the newest. */
export function proposalToReview(task: Task): Proposal | undefined {
  return task.proposals.find((p) => p.status === 'pending') ?? task.proposals.at(-1);
}

/** Titles of the multi-file review editors this window opened, to find their task again. */
const changesTitles = new Map<string, string>();

export function changesTitle(task: Task, proposal: Proposal): string {
  return vscode.l10n.t('Rig proposal: #{0} {1}', task.issue.number, proposal.summary.slice(0, 60)) + ` (${task.id})`;
}

/** VS Code adds the file count to the title it was given ("… (2 files)"), hence the prefix match. */
export function taskOfChangesTitle(label: string): string | undefined {
  for (const [title, taskId] of changesTitles) if (label.startsWith(title)) return taskId;
  return undefined;
}

/** The multi-file diff editor's tab input is not in this API version's types; it carries `textDiffs`. */
function taskOfMultiDiffInput(input: unknown): string | undefined {
  const diffs = (input as { textDiffs?: { modified?: unknown }[] } | undefined)?.textDiffs;
  const modified = diffs?.[0]?.modified;
  return modified instanceof vscode.Uri ? parseProposalUri(modified)?.taskId : undefined;
}

export async function openProposalChanges(task: Task, proposal: Proposal): Promise<void> {
  const title = changesTitle(task, proposal);
  changesTitles.set(title, task.id);
  const resources = proposal.files.map((f) => [
    vscode.Uri.from({ scheme: PROPOSAL_SCHEME, path: `/${f.path}` }),
    proposalUri(task.id, proposal.id, 'before', f.path),
    proposalUri(task.id, proposal.id, 'after', f.path),
  ]);
  await vscode.commands.executeCommand('vscode.changes', title, resources);
}

export async function openProposalFileDiff(task: Task, proposal: Proposal, file: string): Promise<void> {
  await vscode.commands.executeCommand(
    'vscode.diff',
    proposalUri(task.id, proposal.id, 'before', file),
    proposalUri(task.id, proposal.id, 'after', file),
    vscode.l10n.t('{0} (Rig proposal, #{1})', file, task.issue.number),
    { preview: true },
  );
}

/**
 * Approve and Reject show in the editor title of a proposal diff (resourceScheme) and of the
 * multi-file review, where no resource scheme is set: this context key covers that editor.
 */
export function trackProposalChangesEditor(): vscode.Disposable {
  const update = () => {
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
    const active = !!tab && (taskOfMultiDiffInput(tab.input) !== undefined || taskOfChangesTitle(tab.label) !== undefined);
    void vscode.commands.executeCommand('setContext', 'rig.proposalReviewActive', active);
  };
  return vscode.Disposable.from(vscode.window.tabGroups.onDidChangeTabs(update), vscode.window.tabGroups.onDidChangeTabGroups(update));
}

/** The task of the review editor in front, for Approve/Reject invoked from an editor title. */
export function taskOfActiveReview(arg: unknown): string | undefined {
  if (arg instanceof vscode.Uri) return parseProposalUri(arg)?.taskId;
  const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
  if (!tab) return undefined;
  if (tab.input instanceof vscode.TabInputTextDiff) return parseProposalUri(tab.input.modified)?.taskId;
  return taskOfMultiDiffInput(tab.input) ?? taskOfChangesTitle(tab.label);
}
