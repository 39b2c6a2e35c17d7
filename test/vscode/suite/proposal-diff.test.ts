import * as assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { FileTaskStore } from '../../../src/adapters/store/file-task-store';
import type { Task } from '../../../src/core/model';
import { rigApi, sleep, stateDirOfWorkspace } from './helpers';

const TASK_ID = 't000101-99-abcd';

function taskWithProposal(): Task {
  const at = '2026-01-01T00:00:00.000Z';
  return {
    id: TASK_ID,
    schema: 1,
    issue: { owner: 'acme', repo: 'shop', number: 99, title: 'Fixture for the diff test', body: '', labels: [], author: 'tester', url: 'https://github.com/acme/shop/issues/99', comments: [] },
    status: 'failed',
    statusReason: 'fixture',
    createdAt: at,
    updatedAt: at,
    finishedAt: at,
    branch: 'rig/issue-99',
    baseBranch: 'main',
    attempts: [],
    pipeline: [],
    proposals: [
      {
        id: 'p1',
        kind: 'infra_fix',
        createdAt: at,
        status: 'rejected',
        summary: 'Listen on 8080',
        reason: 'fixture',
        files: [{ path: 'deploy/app.conf', before: 'listen 80\n', after: 'listen 8080\n' }],
        expiresAt: at,
      },
    ],
    usage: { calls: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0 },
    steps: ['code', 'deploy', 'test', 'report'],
    resumes: 0,
  };
}

describe('proposal review in the native diff editor', function () {
  let stateDir: string | undefined;

  before(async function () {
    stateDir = stateDirOfWorkspace();
    // The proposal lives in the open repository's task store; without a repository there is nothing to show.
    if (!stateDir || !vscode.workspace.isTrusted) this.skip();
    await new FileTaskStore(stateDir).create(taskWithProposal());
    await (await rigApi()).refresh();
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    if (stateDir) rmSync(path.join(stateDir, 'tasks', `${TASK_ID}.json`), { force: true });
  });

  const uri = (side: 'before' | 'after') => vscode.Uri.from({ scheme: 'rig-proposal', path: '/deploy/app.conf', query: `task=${TASK_ID}&proposal=p1&side=${side}` });

  it('serves both sides of a proposed file as read-only documents', async () => {
    const before = await vscode.workspace.openTextDocument(uri('before'));
    const after = await vscode.workspace.openTextDocument(uri('after'));
    assert.equal(before.getText(), 'listen 80\n');
    assert.equal(after.getText(), 'listen 8080\n');
  });

  it('opens a one-file proposal in the diff editor', async () => {
    await vscode.commands.executeCommand('rig.showProposal', TASK_ID);
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
    assert.ok(tab?.input instanceof vscode.TabInputTextDiff, `active tab is ${tab?.label}`);
    assert.equal(tab.input.original.toString(), uri('before').toString());
    assert.equal(tab.input.modified.toString(), uri('after').toString());
  });

  it('opens the task panel as a webview tab', async () => {
    await vscode.commands.executeCommand('rig.openTask', TASK_ID);
    // The panel's tab appears once the workbench has created the webview, a moment after the command.
    const panelTab = async () => {
      for (let i = 0; i < 50; i++) {
        const tab = vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.label === `Rig: ${TASK_ID}`);
        if (tab) return tab;
        await sleep(100);
      }
      return undefined;
    };
    const tab = await panelTab();
    assert.ok(tab, 'no tab for the task panel');
    assert.ok(tab.input instanceof vscode.TabInputWebview, `the panel's tab input is ${String(tab.input)}`);
    assert.match(tab.input.viewType, /rig\.taskPanel$/);
  });

  it('shows the task on the board', async () => {
    const tasks = await (await rigApi()).tasks();
    assert.ok(tasks.some((t) => t.id === TASK_ID));
  });
});
