// Runs the in-editor mocha suites inside a real VS Code extension host (code-server 4.139.1 on
// node 24), through VS Code's own test hook: the workbench URL carries
// payload=[["extensionDevelopmentPath",…],["extensionTestsPath",…]], honoured by a built product
// only with --vscode-option enable-smoke-test-driver. The extension host loads the extension from
// its folder and calls the test module's run() (@vscode/test-electron's contract); the output comes
// back through window.codeAutomationLog and the result through window.codeAutomationExit.
//
//   node e2e/run-ext-tests.mjs                    the project's suites (dist/test/vscode/index.cjs)
//   node e2e/run-ext-tests.mjs --probe            the harness's own probe extension (e2e/probe)
//   RIG_E2E_PROBE_FAIL=1 … --probe                the probe with a failing test (exit code 1)
//   --ext DIR --tests FILE --folder DIR           anything else
//
// The scenario's fakes (GitHub, Anthropic) are running and in the extension host's environment,
// and the folder opened is the scenario's repository unless --folder says otherwise.
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { format, parseArgs } from 'node:util';
import { E2E, OUT, ROOT, checkPrerequisites, launchChromium, log, prepareState, startCodeServer, workbenchUrl } from './lib.mjs';
import { buildScenario } from './build.mjs';

const { values: opts } = parseArgs({ options: {
  probe: { type: 'boolean', default: false },
  ext: { type: 'string' },
  tests: { type: 'string' },
  folder: { type: 'string' },
  timeout: { type: 'string', default: '120' },
} });
const ext = path.resolve(opts.ext ?? (opts.probe ? path.join(E2E, 'probe') : ROOT));
const tests = path.resolve(opts.tests ?? (opts.probe ? path.join(E2E, 'probe/test/index.cjs') : path.join(ROOT, 'dist/test/vscode/index.cjs')));

function fail(message) {
  console.error(`run-ext-tests: FAIL: ${message}`);
  process.exit(1);
}

checkPrerequisites();
if (!existsSync(tests)) fail(`no in-editor test bundle at ${tests} (the extension's suites under test/vscode must be built to it by \`npm run build\`)`);
if (!existsSync(path.join(ext, 'package.json'))) fail(`no extension at ${ext}`);

mkdirSync(OUT, { recursive: true });
const logFile = path.join(OUT, opts.probe ? 'ext-tests-probe.log' : 'ext-tests.log');
writeFileSync(logFile, '');

const { startScenario } = await import(await buildScenario());
const scenario = await startScenario();
const folder = path.resolve(opts.folder ?? scenario.repo.work);
const state = prepareState(opts.probe ? 'ext-tests-probe' : 'ext-tests', { homeEnv: { GITHUB_TOKEN: scenario.env.GITHUB_TOKEN } });
const server = await startCodeServer(state, { smoke: true, env: { ...scenario.env, RIG_E2E: '1' } });
log(`code-server ${server.url} ready in ${server.readyMs} ms (log ${path.relative(ROOT, server.logFile)})`);
const browser = await launchChromium(state);
const page = await browser.newPage();

// Workbench chatter that is not the suites' output.
const NOISE = /Resolving connection token|Resolved connection token|Creating a socket|reconnection-grace|Updating additional builtin|Service Worker|AgentHost|AccountPolicyGate|authentication provider 'github'|^\s+at .*\/static\/out\/|open-vsx\.org|vsda|ENOTFOUND|Extension host .* started|\[Extension Host\] (?:Debugger|Started)|ERR_ABORTED|workbench\.desktop|onDidChangeNotification|Ignoring the error/;
let exitCode;
let tLoad = Date.now();
const exited = new Promise((resolve) => {
  void page.exposeFunction('codeAutomationLog', (type, args) => {
    const line = format(...(Array.isArray(args) ? args : [args]));
    appendFileSync(logFile, `[${((Date.now() - tLoad) / 1000).toFixed(2)}s] ${line}\n`);
    if (process.env.VERBOSE || !NOISE.test(line)) console.log(line);
  });
  void page.exposeFunction('codeAutomationExit', (code) => { exitCode = code; resolve(); });
});
page.on('pageerror', (e) => appendFileSync(logFile, `[pageerror] ${e.message}\n`));

const remote = `vscode-remote://127.0.0.1:${server.port}`;
const payload = [['extensionDevelopmentPath', `${remote}${ext}`], ['extensionTestsPath', `${remote}${tests}`]];
const t = (tLoad = Date.now());
await page.goto(workbenchUrl(server, folder, payload));
const timeoutMs = Number(opts.timeout) * 1000;
const timedOut = await Promise.race([exited.then(() => false), new Promise((r) => setTimeout(() => r(true), timeoutMs))]);
if (timedOut) await page.screenshot({ path: path.join(OUT, `${state.name}-timeout.png`) }).catch(() => {});
await browser.close();
await server.stop();
await scenario.close();

if (timedOut) fail(`no result from the extension host within ${opts.timeout} s (see ${path.relative(ROOT, server.logFile)} and ${path.relative(ROOT, logFile)})`);
log(`in-editor suites ${exitCode === 0 ? 'passed' : 'FAILED'} (exit code ${exitCode}) in ${((Date.now() - t) / 1000).toFixed(1)} s after the page load`);
process.exit(exitCode === 0 ? 0 : 1);
