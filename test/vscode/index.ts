// The @vscode/test-electron `run()` contract: VS Code loads this module inside its extension host
// (extensionTestsPath) and waits for the promise. Under code-server the same file is loaded through
// the smoke-test driver, so the suites run unchanged in either editor.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 30_000, reporter: 'spec' });
  const suiteDir = path.join(__dirname, 'suite');
  for (const file of readdirSync(suiteDir).sort()) {
    if (file.endsWith('.test.cjs')) mocha.addFile(path.join(suiteDir, file));
  }
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures ? reject(new Error(`${failures} in-editor test(s) failed`)) : resolve()));
  });
}
