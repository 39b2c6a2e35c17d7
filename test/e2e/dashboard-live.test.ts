// The dashboard against the real server: `rig serve` runs as a process in a scenario repository
// (git with a bare origin, the GitHub fake, a scripted AI) and a headless Chromium uses the page it
// serves the way a person would: types the API key, starts a task from the New task form, watches
// the board follow the run over SSE, reads the proposal's diff, approves it and sees the PR.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page, Request } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type Browser } from './chromium';
import { API_KEY, FIX, ISSUE, PLAN, startLiveServer, type LiveServer } from './dashboard-live-scenario';

const OUT = path.resolve(__dirname, '../../test-output');
const shot = (page: Page, name: string) => page.screenshot({ path: path.join(OUT, `dashboard-live-${name}.png`), fullPage: true });

const group = (page: Page, name: 'running' | 'awaiting' | 'failed' | 'completed') => page.locator(`rig-task-board section[data-group="${name}"]`);
const cardIn = (page: Page, name: 'running' | 'awaiting' | 'failed' | 'completed', id: string) => group(page, name).locator(`li[data-task-id="${id}"]`);
const stages = (page: Page) =>
  page.locator('rig-pipeline-view li.stage').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-stage')}:${e.getAttribute('data-status')}`));

interface SeenRequest {
  method: string;
  path: string;
  query: string;
  authorization: string | undefined;
  body: string | null;
}

/** Which CSP directive governs `name`: its own, or default-src when it has none. */
function directive(csp: string, name: string): string[] | undefined {
  const all = new Map(
    csp
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map((d) => [d[0]!.toLowerCase(), d.slice(1)] as const),
  );
  return all.get(name) ?? (name.endsWith('-src') ? all.get('default-src') : undefined);
}

describe('web dashboard against the real `rig serve`', () => {
  let live: LiveServer;
  let browser: Browser;
  let page: Page;
  let taskId = '';
  const consoleErrors: string[] = [];
  const requests: SeenRequest[] = [];
  const apiRequests = () => requests.filter((r) => r.path.startsWith('/api/'));

  beforeAll(async () => {
    [live, browser] = await Promise.all([startLiveServer(), launchChromium()]);
    // In every page of the context before any of its scripts: `<directive> <blocked URI>` of each
    // CSP violation. (Browser code is written as strings: the project's types have no DOM.)
    await browser.context.addInitScript(`
      window.cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) => window.cspViolations.push(e.effectiveDirective + ' ' + e.blockedURI));
    `);
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.setDefaultTimeout(15_000);
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(`uncaught: ${e.message}`));
    page.on('request', (r: Request) => {
      const url = new URL(r.url());
      requests.push({ method: r.method(), path: url.pathname, query: url.search, authorization: r.headers().authorization, body: r.postData() });
    });
  });

  afterAll(async () => {
    await browser?.close();
    // SIGTERM stops the server by itself, at once: the SIGKILL fallback must not have been needed.
    if (live) expect(await live.close(), live.output()).toEqual({ code: 0, signal: null });
  });

  // Each test answers for what happened during it only, so one fault is reported once.
  afterEach(async () => {
    const violations = live && page?.url().startsWith(live.webUrl) ? await page.evaluate('window.cspViolations.splice(0)') : [];
    const errors = consoleErrors.splice(0);
    expect(errors, 'console errors').toEqual([]);
    expect(violations, 'CSP violations').toEqual([]);
  });

  it('serves the page with a strict CSP that the browser enforces, and the API only with the key', async () => {
    const res = await fetch(`${live.webUrl}/`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(directive(csp, 'script-src')).toEqual(["'self'"]);
    expect(directive(csp, 'style-src')).toEqual(["'self'"]);
    expect(directive(csp, 'object-src')).toEqual(["'none'"]);
    expect(directive(csp, 'frame-ancestors')).toEqual(["'none'"]);
    expect(directive(csp, 'base-uri')?.every((v) => v === "'self'" || v === "'none'")).toBe(true);
    // Nothing from elsewhere and nothing unsafe; data: at most for images (the page's own icon).
    expect(csp).not.toMatch(/unsafe-|\*|https?:/);
    expect(csp.replace(/img-src[^;]*/, '')).not.toContain('data:');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await res.text();
    // Nothing inline for the policy to have to allow, and no secret in the page.
    expect(html).toMatch(/<script type="module" src="main\.js"><\/script>/);
    expect(html.match(/<script\b[^>]*>/g)!.every((tag) => /\bsrc=/.test(tag))).toBe(true);
    expect(html).not.toContain(API_KEY);
    const js = await fetch(`${live.webUrl}/main.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toContain('text/javascript');
    expect(js.headers.get('content-security-policy')).toBe(csp);

    const tasks = (headers: Record<string, string>) => fetch(`${live.webUrl}/api/tasks`, { headers });
    expect((await tasks({})).status).toBe(401);
    expect((await tasks({ Authorization: 'Bearer rig-live-key-00000000wrong' })).status).toBe(401);
    expect((await fetch(`${live.webUrl}/api/tasks?api_key=${API_KEY}`)).status).toBe(401);
    const ok = await tasks({ Authorization: `Bearer ${API_KEY}` });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ tasks: [] });

    // The policy holds in the browser: an injected inline script and eval() are both refused.
    // (A separate tab, whose refusals are the point, not the console errors of the page under test.)
    const probe = await browser.context.newPage();
    try {
      await probe.goto(live.webUrl);
      await probe.locator('rig-api-key-form').waitFor();
      // A string timer is compiled by the page itself: code evaluated over CDP may eval freely.
      await probe.evaluate(`
        window.cspViolations.splice(0);
        const s = document.createElement('script');
        s.textContent = 'window.inlineRan = true';
        document.head.append(s);
        setTimeout('window.evalRan = true', 0);
      `);
      // Refused once by each policy, the server's header and the page's own meta tag.
      await expect.poll(() => probe.evaluate('[...new Set(window.cspViolations)].sort()')).toEqual(['script-src eval', 'script-src-elem inline']);
      expect(await probe.evaluate('[window.inlineRan, window.evalRan]')).toEqual([undefined, undefined]);
    } finally {
      await probe.close();
    }
  });

  it('asks for the API key, refuses a wrong one, and connects live with the right one', async () => {
    await page.goto(live.webUrl);
    const keyField = page.locator('rig-api-key-form #api-key input');
    await keyField.waitFor();
    expect(await page.locator('rig-task-board').count()).toBe(0);

    await keyField.fill('rig-live-key-00000000wrong');
    await page.locator('rig-api-key-form vscode-button', { hasText: 'Connect' }).click();
    await page.locator('rig-app .notice.error', { hasText: 'The server did not accept that API key.' }).waitFor();
    expect(await keyField.isVisible()).toBe(true);
    await shot(page, 'api-key');

    await keyField.fill(API_KEY);
    await page.locator('rig-api-key-form vscode-button', { hasText: 'Connect' }).click();
    await page.locator('rig-task-board .welcome h2', { hasText: 'No tasks yet' }).waitFor();
    await page.locator('rig-app .conn.live', { hasText: 'Live' }).waitFor();
    await page.locator('rig-app .notice.error').waitFor({ state: 'detached' });

    // Each refused request shows on the console; those 401s were the point of this step. Anything
    // else stays for afterEach to report.
    const refused = consoleErrors.filter((e) => /status of 401/.test(e));
    expect(refused.length).toBeGreaterThan(0);
    consoleErrors.splice(0, consoleErrors.length, ...consoleErrors.filter((e) => !refused.includes(e)));

    // From the key on: every API call carries it as a header, the event stream in its query only.
    const authed = apiRequests().filter((r) => r.authorization === `Bearer ${API_KEY}` || r.query.includes(API_KEY));
    expect(authed.map((r) => r.path)).toEqual(expect.arrayContaining(['/api/tasks', '/api/projects', '/api/events']));
    for (const r of authed) {
      if (r.path === '/api/events') expect(r.query).toBe(`?api_key=${API_KEY}`);
      else expect(r.query, `${r.method} ${r.path}`).not.toContain(API_KEY);
    }
    expect(await page.content()).not.toContain(API_KEY);
  });

  it('starts a task from the New task form, and the board follows it live as it runs', async () => {
    // Set on this page only: still there at the end means no reload happened in between.
    await page.evaluate("window.samePage = 'yes'");
    await page.locator('rig-app nav a', { hasText: 'New task' }).click();
    const form = page.locator('rig-new-task-form');
    await form.locator('#issue-url input').fill(live.scenario.issueUrl(1));
    // The only project is chosen for it; its repository is the issue's.
    expect(await form.locator('#project').evaluate((el) => (el as unknown as { value: string }).value)).toBe('shop');
    await shot(page, 'new-task');
    await form.locator('vscode-button', { hasText: 'Start task' }).click();

    const title = page.locator('rig-task-view #task-title', { hasText: `#1 ${ISSUE.title}` });
    await title.waitFor();
    taskId = decodeURIComponent(new URL(page.url()).hash.replace('#/tasks/', ''));
    expect(taskId).toMatch(/^t\w+/);
    const posts = apiRequests().filter((r) => r.method === 'POST');
    expect(posts.map((r) => [r.path, JSON.parse(r.body ?? 'null')])).toEqual([['/api/tasks', { issue_url: live.scenario.issueUrl(1), project: 'shop' }]]);

    await live.gates.plan.reached;
    await page.locator('rig-task-view .title .badge', { hasText: 'planning' }).waitFor();
    await page.locator('rig-task-view a.back').click();
    await cardIn(page, 'running', taskId).locator('.badge.s-planning').waitFor();
    expect(await cardIn(page, 'running', taskId).locator('a.title').textContent()).toBe(`#1 ${ISSUE.title}`);
    await shot(page, 'board-planning');
    const fetched = () => apiRequests().filter((r) => r.method === 'GET' && r.path.startsWith('/api/tasks')).length;
    const streams = () => apiRequests().filter((r) => r.path === '/api/events').length;
    const [fetchedBefore, streamsBefore] = [fetched(), streams()];

    // Each phase shows on the board while the AI's reply is held back.
    live.gates.plan.release();
    await live.gates.code.reached;
    await cardIn(page, 'running', taskId).locator('.badge.s-coding').waitFor();
    live.gates.code.release();
    await live.gates.proposal.reached;
    // The deploy has failed and the AI is asked for a fix: still running, in the deploying phase.
    await cardIn(page, 'running', taskId).locator('.badge.s-deploying').waitFor();
    live.gates.proposal.release();

    const awaiting = cardIn(page, 'awaiting', taskId);
    await awaiting.waitFor();
    expect(await awaiting.locator('.note').textContent()).toBe(`Proposal: ${FIX.summary}`);
    expect(await group(page, 'running').locator('h2').textContent()).toContain('(0)');
    expect(await group(page, 'awaiting').locator('h2').textContent()).toContain('(1)');
    // All of it came over the event stream: the page fetched no task since, and never reloaded.
    expect(fetched()).toBe(fetchedBefore);
    expect(streams()).toBe(streamsBefore);
    expect(await page.evaluate('window.samePage')).toBe('yes');
    await shot(page, 'board-awaiting');
  });

  it('opens the task: the pipeline where it stopped, and the pending proposal with its diff', async () => {
    await cardIn(page, 'awaiting', taskId).locator('a.title').click();
    const proposal = page.locator('rig-proposal-view');
    await proposal.locator('h2', { hasText: 'Proposal awaiting your decision' }).waitFor();
    expect(new URL(page.url()).hash).toBe(`#/tasks/${taskId}`);
    expect(await page.locator('rig-task-view .title .badge').textContent()).toContain('awaiting approval');

    expect(await stages(page)).toEqual(['planning:success', 'coding:success', 'committing:success', 'deploying:failed', 'awaiting_approval:running', 'testing:waiting', 'reporting:waiting']);
    // The failed deploy step is open by itself, with what the deploy printed.
    expect(await page.locator('rig-pipeline-view details[open]').textContent()).toContain('bind failed: app.conf must listen on 8080');

    const text = await proposal.locator('section.proposal').textContent();
    expect(text).toContain('Infrastructure fix after a failed deploy');
    expect(text).toContain(FIX.summary);
    expect(text).toContain(FIX.reason);
    expect(text).toMatch(/expires in \d+h\d\dm/);
    const diff = proposal.locator('rig-diff-view');
    expect(await diff.count()).toBe(1);
    expect(await diff.locator('.file-head').textContent()).toMatch(/deploy\/app\.conf\s*\+1\s*−1/);
    expect(await diff.locator('tr.del').allTextContents()).toEqual([expect.stringMatching(/listen 80\s*$/)]);
    expect(await diff.locator('tr.add').allTextContents()).toEqual([expect.stringMatching(/listen 8080\s*$/)]);

    expect(await page.locator('rig-task-view .plan').textContent()).toContain(PLAN.summary);
    expect(await page.locator('rig-attempts-view li.attempt').count()).toBe(1);
    expect(await page.locator('rig-task-view pre.log').textContent()).toMatch(/\[deploying\]/);
    await shot(page, 'proposal');

    // Nothing of the proposal is applied before a human says so.
    expect(live.scenario.repo.originGit('show', 'rig/issue-1:deploy/app.conf')).toBe('listen 80\n');
    expect(live.scenario.github.pullRequests('acme/shop')).toEqual([]);
  });

  it('approves in the browser: the run carries on to a pull request, shown on the task and the board', async () => {
    const detailGets = () => apiRequests().filter((r) => r.method === 'GET' && r.path === `/api/tasks/${taskId}`).length;
    const before = detailGets();
    await page.locator('rig-proposal-view vscode-button', { hasText: 'Approve' }).click();
    await page.locator('rig-proposal-view').waitFor({ state: 'detached' });
    await page.locator('rig-task-view .title .badge.s-completed').waitFor({ timeout: 20_000 });

    const decisions = apiRequests().filter((r) => r.method === 'POST' && /^\/api\/(approve|reject)\//.test(r.path));
    expect(decisions.map((r) => [r.path, r.body])).toEqual([[`/api/approve/${taskId}`, '{}']]);
    // One reload of the task after the answer; the rest of the run arrived as events.
    expect(detailGets() - before).toBeLessThanOrEqual(1);

    const prs = live.scenario.github.pullRequests('acme/shop');
    expect(prs).toHaveLength(1);
    const prUrl = `https://github.com/acme/shop/pull/${prs[0]!.number}`;
    const prLink = page.locator('rig-task-view a.pr');
    expect(await prLink.getAttribute('href')).toBe(prUrl);
    expect(await prLink.textContent()).toContain(`Pull request #${prs[0]!.number}`);
    expect(await stages(page)).toEqual([
      'planning:success',
      'coding:success',
      'committing:success',
      'deploying:success',
      'awaiting_approval:success',
      'testing:success',
      'reporting:success',
      'completed:success',
    ]);
    expect(await page.locator('rig-task-view .history').textContent()).toMatch(/approved\s*Listen on 8080/);
    expect(await page.locator('rig-attempts-view li.attempt').count()).toBe(2);
    // The open task's log kept growing after the approval, to the last phase.
    await expect.poll(() => page.locator('rig-task-view pre.log').textContent()).toMatch(/\[reporting\] /);
    await shot(page, 'task-completed');

    // What the page says is what happened: the fix on origin's branch, deployed, in the PR.
    expect(live.scenario.repo.originGit('show', 'rig/issue-1:deploy/app.conf')).toBe('listen 8080\n');
    const deploys = path.join(live.scenario.repo.dir, 'deploys.log');
    expect(existsSync(deploys) ? readFileSync(deploys, 'utf8').trim().split('\n') : []).toEqual(['deploy listen 80', 'deploy listen 8080']);
    expect((await live.scenario.statusJson()).map((t) => [t.id, t.status])).toEqual([[taskId, 'completed']]);

    await page.locator('rig-task-view a.back').click();
    const done = cardIn(page, 'completed', taskId);
    await done.waitFor();
    expect(await done.locator('a', { hasText: `PR #${prs[0]!.number}` }).getAttribute('href')).toBe(prUrl);
    expect(await group(page, 'awaiting').locator('h2').textContent()).toContain('(0)');
    expect(await group(page, 'completed').locator('h2').textContent()).toContain('(1)');
    expect(await page.evaluate('window.samePage')).toBe('yes');
    await shot(page, 'board-completed');
  });

  it('says who decided an earlier proposal', async () => {
    await cardIn(page, 'completed', taskId).locator('a.title').click();
    const history = page.locator('rig-task-view .history li');
    await history.first().waitFor();
    expect(await history.allTextContents()).toEqual([expect.stringMatching(/approved\s*Listen on 8080\s*by api/)]);
  });
});
