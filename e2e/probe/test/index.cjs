// @vscode/test-electron's run() contract: resolve when every test passed, reject otherwise.
// RIG_E2E_PROBE_FAIL=1 adds a failing test, to prove the runner reports failures.
const path = require('node:path');
const Mocha = require('mocha');
exports.run = () => {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 20000 });
  mocha.suite.emit('pre-require', global, 'probe', mocha);
  const assert = require('node:assert');
  const vscode = require('vscode');
  describe('harness probe (inside the real extension host)', () => {
    it('runs in VS Code 1.139 with the workspace folder open', () => {
      assert.match(vscode.version, /^1\.139\./);
      assert.ok(vscode.workspace.workspaceFolders?.length, 'a folder is open');
    });
    it('activates the extension under development and runs its command', async () => {
      const ext = vscode.extensions.getExtension('rig-e2e.rig-e2e-probe');
      assert.ok(ext, 'probe extension present');
      const api = await ext.activate();
      assert.ok(api.activatedAt > 0);
      assert.strictEqual(await vscode.commands.executeCommand('rigProbe.hello'), 'hello');
    });
    it('sees the fakes and GITHUB_TOKEN in its environment', () => {
      assert.match(process.env.GITHUB_API_URL ?? '', /^http:\/\/127\.0\.0\.1:/);
      assert.match(process.env.ANTHROPIC_BASE_URL ?? '', /^http:\/\/127\.0\.0\.1:/);
      assert.match(process.env.GITHUB_TOKEN ?? '', /^ghp_/, 'GITHUB_TOKEN reaches the extension host (via the login shell profile)');
    });
    if (process.env.RIG_E2E_PROBE_FAIL === '1') it('fails on purpose', () => assert.strictEqual(1, 2));
  });
  return new Promise((resolve, reject) => mocha.run((failures) => (failures ? reject(new Error(`${failures} tests failed`)) : resolve())));
};
