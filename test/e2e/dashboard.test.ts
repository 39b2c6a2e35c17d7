// The dashboard in a real Chromium: the bundle `scripts/build-webview.mjs` produces, served with a
// strict CSP by a stand-in for `rig web` (fake-rig-web.ts), driven through the user's clicks.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Task } from '../../src/core/model';
import { launchChromium, type Browser } from './chromium';
import { fixtureLogs, fixtureTasks, IDS, PROJECTS } from './dashboard-fixtures';
import { startFakeRigWeb, type FakeRigWeb } from './fake-rig-web';

const ROOT = path.resolve(__dirname, '../..');
const DIST = path.join(ROOT, 'dist/webview');
const OUT = path.join(ROOT, 'test-output');
const HOST_SHIM_DIR = path.join(OUT, 'webview-host-shim');
const API_KEY = 'rig-test-key-7f3a9c2e51d84b06';

const group = (page: Page, name: 'running' | 'awaiting' | 'failed' | 'completed') => page.locator(`rig-task-board section[data-group="${name}"]`);
const card = (page: Page, id: string) => page.locator(`rig-task-board li[data-task-id="${id}"]`);

/** Polls a Node-side condition (the fake server's state) without a fixed sleep. */
async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function watchConsole(page: Page, sink: string[]): void {
  page.on('console', (m) => {
    if (m.type() === 'error') sink.push(m.text());
  });
  page.on('pageerror', (e) => sink.push(`uncaught: ${e.message}`));
}

beforeAll(async () => {
  // The page under test is the bundle users get, built fresh from webview-ui/.
  execFileSync(process.execPath, [path.join(ROOT, 'scripts/build-webview.mjs')], { stdio: 'inherit' });
  // The shim stands in for the extension host: it answers the page's postMessage requests.
  await build({
    entryPoints: [path.join(ROOT, 'webview-ui/test/vscode-host-shim.ts')],
    outfile: path.join(HOST_SHIM_DIR, 'vscode-host-shim.js'),
    bundle: true,
    format: 'iife',
    platform: 'browser',
    tsconfig: path.join(ROOT, 'webview-ui/tsconfig.json'),
    logLevel: 'warning',
  });
  copyFileSync(path.join(ROOT, 'webview-ui/test/vscode.html'), path.join(HOST_SHIM_DIR, 'vscode.html'));
});

// The tests below are the steps of one user's session, in order: each starts where the last left
// the page (signed in, then the board, a task, a proposal, the form).
describe('web dashboard (browser transport)', () => {
  let web: FakeRigWeb;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    // Without Chromium nothing here can run: launchChromium fails saying how to install it.
    browser = await launchChromium();
    web = await startFakeRigWeb({ staticDirs: [DIST], tasks: fixtureTasks(), logs: fixtureLogs(), projects: PROJECTS, apiKey: API_KEY });
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.setDefaultTimeout(10_000);
    watchConsole(page, consoleErrors);
  });

  afterAll(async () => {
    await browser?.close();
    await web?.close();
  });

  afterEach(() => {
    expect(consoleErrors, 'console errors').toEqual([]);
  });

  it('asks for the API key, sends it as a Bearer header, and in the query only for the event stream', async () => {
    await page.goto(web.url);
    const keyField = page.locator('rig-api-key-form #api-key input');
    await keyField.waitFor();

    await keyField.fill('wrong-key');
    await page.locator('rig-api-key-form vscode-button', { hasText: 'Connect' }).click();
    await page.locator('.notice.error', { hasText: 'did not accept' }).waitFor();

    await keyField.fill(API_KEY);
    await page.locator('rig-api-key-form vscode-button', { hasText: 'Connect' }).click();
    await group(page, 'running').waitFor();
    await until('the event stream', () => web.streams() > 0);
    await page.locator('.notice.error').waitFor({ state: 'detached' });

    // The browser reports each refused request on the console; those 401s were the point here.
    expect(consoleErrors.length).toBeGreaterThan(0);
    expect(consoleErrors.filter((e) => !/status of 401/.test(e))).toEqual([]);
    consoleErrors.length = 0;

    const withKey = web.requests.filter((r) => r.authorization === `Bearer ${API_KEY}` || r.query.includes(API_KEY));
    expect(withKey.length).toBeGreaterThan(0);
    for (const r of withKey) {
      if (r.path === '/api/events') {
        expect(r.query).toBe(`?api_key=${API_KEY}`);
        expect(r.authorization).toBeUndefined();
      } else {
        expect(r.query, `${r.method} ${r.path}`).not.toContain(API_KEY);
      }
    }
    const html = await (await fetch(web.url)).text();
    expect(html).not.toContain(API_KEY);
    expect(await page.content()).not.toContain(API_KEY);
  });

  it('shows the tasks grouped by state, with DORA numbers and a project filter', async () => {
    const expected = { running: [IDS.running, IDS.queued], awaiting: [IDS.awaiting], failed: [IDS.failed], completed: [IDS.completed, IDS.restored] } as const;
    for (const [name, ids] of Object.entries(expected) as Array<[keyof typeof expected, readonly string[]]>) {
      const g = group(page, name);
      expect(await g.locator('li[data-task-id]').evaluateAll((els) => els.map((e) => e.getAttribute('data-task-id')).sort())).toEqual([...ids].sort());
      expect(await g.locator('h2').textContent()).toContain(`(${ids.length})`);
    }

    const running = card(page, IDS.running);
    expect(await running.locator('a.title').textContent()).toBe('#101 Add rate limiting to the checkout API');
    const runningText = await running.textContent();
    expect(runningText).toContain('testing');
    expect(runningText).toMatch(/\b9m\d\ds\b/);
    expect(runningText).toContain('2 attempts');
    expect(await card(page, IDS.awaiting).textContent()).toContain('Proposal: Wait for a healthy database before starting the app');
    expect(await card(page, IDS.failed).textContent()).toContain('tests still fail after 3 attempts');
    expect(await card(page, IDS.completed).locator('a', { hasText: 'PR #17' }).getAttribute('href')).toBe('https://github.com/acme/shop/pull/17');

    // Computed by the engine's computeDora over the fixtures: 5 deployments in 30 days, lead time
    // 30 min, #103's failure restored by #98 40 min later, 1 of 3 finished deployments failed.
    expect(await page.locator('rig-dora-panel h2').textContent()).toBe('Last 30 days');
    const dora = await page.locator('rig-dora-panel dl').textContent();
    expect(dora).toMatch(/Deploys per day\s*0\.17/);
    expect(dora).toMatch(/Lead time \(median\)\s*30m00s/);
    expect(dora).toMatch(/Time to restore \(median\)\s*40m00s/);
    expect(dora).toMatch(/Change failure rate\s*33\.3%/);

    await page.locator('#project-filter').click();
    await page.locator('#project-filter').getByRole('option', { name: 'api', exact: true }).click();
    await card(page, IDS.running).waitFor({ state: 'detached' });
    expect(await page.locator('rig-task-board li[data-task-id]').evaluateAll((els) => els.map((e) => e.getAttribute('data-task-id')).sort())).toEqual(
      [IDS.failed, IDS.restored, IDS.queued].sort(),
    );
    await page.locator('#project-filter').click();
    await page.locator('#project-filter').getByRole('option', { name: 'All projects' }).click();
    await card(page, IDS.running).waitFor();

    await page.screenshot({ path: path.join(OUT, 'dashboard-board.png'), fullPage: true });
  });

  it('moves a task to another group when a task.updated event arrives', async () => {
    expect(await group(page, 'running').locator(`li[data-task-id="${IDS.queued}"]`).count()).toBe(1);
    const queued = web.tasks.get(IDS.queued)!;
    const failed: Task = { ...queued, status: 'failed', statusReason: 'the issue was closed while queued', updatedAt: new Date().toISOString(), finishedAt: new Date().toISOString() };
    web.emit({ type: 'task.updated', task: failed });

    await group(page, 'failed').locator(`li[data-task-id="${IDS.queued}"]`).waitFor();
    expect(await group(page, 'running').locator(`li[data-task-id="${IDS.queued}"]`).count()).toBe(0);
    expect(await group(page, 'failed').locator('h2').textContent()).toContain('(2)');
    expect(await group(page, 'running').locator('h2').textContent()).toContain('(1)');
    expect(await card(page, IDS.queued).textContent()).toContain('the issue was closed while queued');
  });

  it('reloads everything when the server says events were missed (resync)', async () => {
    // A change the page was never told about, as if its events had been lost.
    web.tasks.set(IDS.failed, { ...web.tasks.get(IDS.failed)!, statusReason: 'policy max_file_changes blocked the change' });
    web.resync('events were missed');
    await card(page, IDS.failed).locator('.note', { hasText: 'policy max_file_changes blocked the change' }).waitFor();
  });

  it('opens a task: pipeline stage by stage, attempts with test output, AI cost, live log and updates', async () => {
    await card(page, IDS.running).locator('a.title').click();
    await page.locator('rig-task-view #task-title', { hasText: '#101 Add rate limiting to the checkout API' }).waitFor();
    expect(new URL(page.url()).hash).toBe(`#/tasks/${IDS.running}`);

    const stage = (phase: string) => page.locator(`rig-pipeline-view li.stage[data-stage="${phase}"]`);
    expect(await stage('planning').getAttribute('data-status')).toBe('success');
    expect(await stage('deploying').getAttribute('data-status')).toBe('success');
    expect(await stage('testing').getAttribute('data-status')).toBe('running');
    expect(await stage('testing').getAttribute('aria-current')).toBe('step');
    expect(await stage('testing').textContent()).toContain('2 runs');
    expect(await stage('reporting').getAttribute('data-status')).toBe('waiting');
    expect(await page.locator('rig-pipeline-view ul.steps > li').count()).toBe(9);
    // A failed step opens by itself: its error is what the reader came for.
    expect(await page.locator('rig-pipeline-view details[open]').textContent()).toContain('expected 200 to be 429');

    const attempts = page.locator('rig-attempts-view li.attempt');
    expect(await attempts.count()).toBe(2);
    const first = await attempts.nth(0).textContent();
    expect(first).toContain('test failed');
    expect(first).toContain('the limiter counted per process');
    expect(first).toContain('exit 1');
    expect(first).toContain('AssertionError: expected 200 to be 429');
    expect(first).toContain('affected_paths did not match');
    expect(first).toContain('4f1c2a9be0d3');
    expect(await attempts.nth(1).textContent()).toContain('running');

    const usage = await page.locator('rig-usage-view dl').textContent();
    expect(usage).toContain('$0.2841');
    expect(usage).toContain('48k');
    expect(await page.locator('rig-task-view .plan').textContent()).toContain('token-bucket limiter');
    await page.locator('rig-task-view vscode-button', { hasText: 'Cancel task' }).waitFor();

    // The log so far comes from the logs endpoint, then lines stream in.
    const log = page.locator('rig-task-view pre.log');
    expect(await log.textContent()).toContain('[planning] plan: 3 steps, 2 files');
    expect(await log.textContent()).toContain('WARN  [testing] unit failed; asking the AI for a fix');
    web.emit({ type: 'log.line', taskId: IDS.running, entry: { seq: 3, time: new Date().toISOString(), level: 'info', phase: 'testing', message: 'unit: 42 passed' } });
    await log.locator('span', { hasText: '[testing] unit: 42 passed' }).waitFor();
    expect(await log.locator('span').count()).toBe(3);

    const task = web.tasks.get(IDS.running)!;
    const now = new Date().toISOString();
    const passed: Task = {
      ...task,
      status: 'reporting',
      updatedAt: now,
      pipeline: [...task.pipeline.slice(0, -1), { ...task.pipeline[task.pipeline.length - 1]!, status: 'success', endedAt: now }, { phase: 'reporting', attempt: 2, status: 'running', startedAt: now }],
    };
    web.emit({ type: 'task.updated', task: passed });
    await page.locator('rig-pipeline-view li.stage[data-stage="testing"][data-status="success"]').waitFor();
    expect(await stage('reporting').getAttribute('data-status')).toBe('running');

    await page.screenshot({ path: path.join(OUT, 'dashboard-task.png'), fullPage: true });
  });

  it("shows a pending proposal's files before/after and approves it with one POST", async () => {
    await page.locator('rig-task-view a.back').click();
    await card(page, IDS.awaiting).locator('a.title').click();
    const proposal = page.locator('rig-proposal-view');
    await proposal.locator('h2', { hasText: 'Proposal awaiting your decision' }).waitFor();
    const text = await proposal.locator('section.proposal').textContent();
    expect(text).toContain('Wait for a healthy database before starting the app');
    expect(text).toContain('Postgres 16 was still initialising');

    // The approval was asked after the failed deploy, and the strip shows it where it happened.
    const stages = await page.locator('rig-pipeline-view li.stage').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-stage')}:${e.getAttribute('data-status')}`));
    expect(stages).toEqual(['planning:success', 'coding:success', 'committing:success', 'deploying:failed', 'awaiting_approval:running', 'testing:waiting', 'reporting:waiting']);

    const diff = proposal.locator('rig-diff-view');
    expect(await diff.locator('.file-head').textContent()).toMatch(/docker-compose\.yml\s*\+6\s*−2/);
    expect(await diff.locator('tr.del').allTextContents()).toEqual([expect.stringContaining('image: postgres:15'), expect.stringContaining('- db')]);
    const added = (await diff.locator('tr.add').allTextContents()).join('\n');
    expect(added).toContain('image: postgres:16');
    expect(added).toContain('condition: service_healthy');

    await proposal.getByRole('button', { name: 'Side by side' }).click();
    await diff.locator('table.split').waitFor();
    const replaced = diff.locator('table.split tr', { has: page.locator('td.text.del') }).first();
    expect(await replaced.locator('td.text.del').textContent()).toContain('image: postgres:15');
    expect(await replaced.locator('td.text.add').textContent()).toContain('image: postgres:16');
    await page.screenshot({ path: path.join(OUT, 'dashboard-proposal.png'), fullPage: true });

    await proposal.locator('vscode-button', { hasText: 'Approve' }).click();
    await proposal.waitFor({ state: 'detached' });
    const decisions = web.requests.filter((r) => r.method === 'POST' && /^\/api\/(approve|reject)\//.test(r.path));
    expect(decisions.map((r) => r.path)).toEqual([`/api/approve/${IDS.awaiting}`]);
    expect(decisions[0]!.contentType).toContain('application/json');
    expect(await page.locator('rig-task-view .history').textContent()).toMatch(/approved\s*Wait for a healthy database/);
    expect(await page.locator('rig-task-view .title').textContent()).toContain('deploying');
  });

  it('starts a task from the New task form with exactly one POST', async () => {
    await page.locator('rig-app nav a', { hasText: 'New task' }).click();
    const form = page.locator('rig-new-task-form');
    const url = form.locator('#issue-url input');
    const start = form.locator('vscode-button', { hasText: 'Start task' });
    const posts = () => web.requests.filter((r) => r.method === 'POST' && r.path === '/api/tasks');

    await url.fill('acme/api#105');
    await start.click();
    await form.locator('.invalid', { hasText: 'not an issue URL' }).waitFor();
    expect(posts()).toEqual([]);

    await url.fill('https://github.com/acme/api/issues/105');
    await form.locator('#project').click();
    await form.locator('#project').getByRole('option', { name: 'api', exact: true }).click();
    await page.screenshot({ path: path.join(OUT, 'dashboard-new-task.png') });
    // Two clicks as fast as a double-click: the second must not start a second run.
    await start.dblclick();
    await page.locator('rig-task-view #task-title', { hasText: '#105' }).waitFor();
    expect(posts().map((r) => r.body)).toEqual([{ issue_url: 'https://github.com/acme/api/issues/105', project: 'api' }]);

    await page.locator('rig-task-view a.back').click();
    await group(page, 'running').locator('li', { hasText: '#105' }).waitFor();
  });
});

describe('the same UI over the VS Code webview transport (postMessage)', () => {
  let web: FakeRigWeb;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
    web = await startFakeRigWeb({ staticDirs: [DIST, HOST_SHIM_DIR], tasks: fixtureTasks(), logs: fixtureLogs(), projects: PROJECTS });
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.setDefaultTimeout(10_000);
    watchConsole(page, consoleErrors);
  });

  afterAll(async () => {
    await browser?.close();
    await web?.close();
  });

  afterEach(() => {
    expect(consoleErrors, 'console errors').toEqual([]);
  });

  it('renders the board, follows events and approves through the host', async () => {
    await page.goto(`${web.url}/vscode.html`);
    await card(page, IDS.awaiting).waitFor();
    // Every request went through the host: had the page fallen back to HTTP, none would have.
    expect(await page.evaluate('window.rigHostAnswered')).toBeGreaterThanOrEqual(4);
    // In the editor the host is in-process: no key prompt, and the connection is live at once.
    expect(await page.locator('rig-api-key-form').count()).toBe(0);
    expect(await page.locator('rig-app .conn').textContent()).toContain('Live');

    await until('the host shim to listen', () => web.streams() > 0);
    const completed: Task = { ...web.tasks.get(IDS.running)!, status: 'completed', finishedAt: new Date().toISOString() };
    web.emit({ type: 'task.updated', task: completed });
    await group(page, 'completed').locator(`li[data-task-id="${IDS.running}"]`).waitFor();

    await card(page, IDS.awaiting).locator('a.title').click();
    await page.locator('rig-proposal-view vscode-button', { hasText: 'Reject' }).click();
    await page.locator('rig-proposal-view').waitFor({ state: 'detached' });
    expect(web.requests.filter((r) => r.method === 'POST').map((r) => r.path)).toEqual([`/api/reject/${IDS.awaiting}`]);
    expect(await page.locator('rig-task-view .title').textContent()).toContain('failed');
  });
});
