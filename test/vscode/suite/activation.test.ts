import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { packageJson, rigApi } from './helpers';

describe('activation', () => {
  it('activates and reports its activation time', async () => {
    const api = await rigApi();
    assert.equal(typeof api.activationMs, 'number');
    assert.ok(api.activationMs >= 0 && api.activationMs < 2000, `activation took ${api.activationMs} ms`);
  });

  it('registers every command it contributes', async () => {
    await rigApi();
    const registered = new Set(await vscode.commands.getCommands(true));
    const contributed = (packageJson().contributes.commands as { command: string }[]).map((c) => c.command);
    assert.ok(contributed.length >= 18);
    for (const id of contributed) assert.ok(registered.has(id), `${id} is contributed but not registered`);
  });

  it('shows the task state in the status bar', async () => {
    const api = await rigApi();
    await api.refresh();
    assert.match(api.statusText(), /^(\$\(sync~spin\) Rig: \d+ running|Rig: \d+ awaiting approval|Rig)$/);
    const tasks = await api.tasks();
    const running = tasks.filter((t) => !['awaiting_approval', 'completed', 'failed', 'cancelled', 'interrupted', 'timed_out'].includes(t.status)).length;
    if (running) assert.equal(api.statusText(), `$(sync~spin) Rig: ${running} running`);
  });
});
