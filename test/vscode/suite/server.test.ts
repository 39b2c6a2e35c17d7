import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { rigApi } from './helpers';

describe('Rig: Start server', () => {
  it('serves the dashboard and the API of this editor’s own engine, and stops', async function () {
    this.timeout(60_000);
    const api = await rigApi();
    const urls = (await vscode.commands.executeCommand<string[]>('rig.startServer')) ?? [];
    assert.equal(urls.length, 1, 'the command returns the dashboard URL');
    const base = urls[0]!;
    assert.match(base, /^http:\/\/127\.0\.0\.1:\d+$/);
    try {
      const page = await fetch(`${base}/`);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /main\.js/);
      const listed = (await (await fetch(`${base}/api/tasks`)).json()) as { tasks: Array<{ id: string }> };
      const mine = (await api.tasks()).map((t) => t.id).sort();
      assert.deepEqual(listed.tasks.map((t) => t.id).sort(), mine);
      // A second start does not open a second server.
      assert.deepEqual(await vscode.commands.executeCommand('rig.startServer'), urls);
    } finally {
      assert.equal(await vscode.commands.executeCommand('rig.stopServer'), true);
    }
    await assert.rejects(fetch(`${base}/api/tasks`));
  });
});
