import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CodeHost } from '../../src/core/ports';
import type { FakeIssueSeed } from '../../src/fakes/github-fake-server';
import { Workspace } from '../../src/runtime/workspace';
import type { Project } from '../../src/server/contracts';
import { IssuePoller, issueFingerprint, pollLabels, type PollerOptions, type PollResult } from '../../src/server/poller';
import { engineHarness, scriptedAgent, writeIn, type EngineHarness } from '../helpers/engine-harness';
import { waitFor } from '../helpers/cli-harness';
import { loadConfig } from '../../src/core/config/load';

const YAML = `
ai: { provider: anthropic }
workflow:
  steps: [code, report]
  trigger:
    - { event: issues.labeled, labels: [rig, ai] }
server: { poll_interval_seconds: 30 }
`;

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function setup(issues: FakeIssueSeed[]) {
  const h: EngineHarness = await engineHarness({ files: { 'a.txt': 'a\n' }, rigYaml: YAML, issues, ai: scriptedAgent({ edit: (wt) => writeIn(wt, 'done.txt', 'ok\n') }) });
  closers.push(() => h.close());
  const workspace = await Workspace.open({ cwd: h.repo.work, env: { GITHUB_API_URL: h.github.url } });
  const project: Project = { name: 'shop', repo: { owner: 'acme', repo: 'shop' }, workspace, engine: h.engine };
  const poller = (extra: Partial<PollerOptions> = {}) => {
    const p = new IssuePoller({ projects: [project], selfLogins: ['rig-bot'], ...extra });
    closers.push(() => p.stop());
    return p;
  };
  const settled = () =>
    waitFor(async () => {
      const tasks = await h.engine.list();
      return tasks.every((t) => t.status === 'completed') && tasks;
    }, 'every task to complete');
  /** A comment by a person: GitHub moves the issue's updated_at with it; the fake moves it for API comments. */
  const personComments = async (number: number, body: string) => {
    h.github.addComment('acme/shop', number, { author: 'acme', body });
    await workspace.codeHost().createComment({ owner: 'acme', repo: 'shop', number }, 'noted');
  };
  return { h, project, poller, settled, personComments };
}

const outcomes = (results: PollResult[]) => Object.fromEntries(results.map((r) => [r.issue, r.outcome.kind === 'skipped' ? `skipped: ${r.outcome.reason}` : r.outcome.kind]));

describe('issue poller', () => {
  it('runs each labelled issue once, skips it while unchanged (Rig’s own comments included), and again once a person changes it', async () => {
    const s = await setup([
      { number: 1, title: 'Add done.txt', labels: ['rig'], author: 'acme' },
      { number: 2, title: 'Also this', labels: ['AI'], author: 'mallory' },
      { number: 3, title: 'Not for Rig', labels: ['question'], author: 'acme' },
    ]);
    // updated_at has whole seconds: a look within the second the issues were written proves nothing
    // about later changes in that second, so the poller would (rightly) look again. Let it pass.
    await new Promise((r) => setTimeout(r, 1100));
    const first = await s.poller().pollOnce();
    expect(outcomes(first)).toEqual({ 1: 'started', 2: expect.stringMatching(/^skipped: .*mallory may not start runs/) });
    await s.settled();
    // The run left a progress comment, which moved the issue's updated_at.
    expect(s.h.github.comments('acme/shop', 1).map((c) => c.author)).toContain('rig-bot');

    expect(outcomes(await s.poller().pollOnce())).toEqual({ 1: 'unchanged', 2: 'unchanged' });
    expect(await s.h.engine.list()).toHaveLength(1);

    await s.personComments(1, 'Please also handle negative numbers');
    const third = await s.poller().pollOnce();
    expect(outcomes(third)).toEqual({ 1: 'started', 2: 'unchanged' });
    await s.settled();
    expect(outcomes(await s.poller().pollOnce())).toEqual({ 1: 'unchanged', 2: 'unchanged' });
    expect((await s.h.engine.list()).map((t) => t.issue.number)).toEqual([1, 1]);
    expect(existsSync(path.join(s.project.workspace.git.stateDir, 'poller', 'acme.shop.json'))).toBe(true);
  });

  it('reads nothing more of an issue whose updated_at has not moved', async () => {
    const s = await setup([{ number: 4, title: 'Add done.txt', labels: ['rig'], author: 'acme' }]);
    const poller = s.poller();
    await poller.pollOnce();
    await s.settled();
    await poller.pollOnce();
    // Let the second of the last look pass, then poll twice: the issue itself is not read again.
    await new Promise((r) => setTimeout(r, 1100));
    await poller.pollOnce();
    const reads = s.h.github.requestsTo('GET', '/repos/acme/shop/issues/4').length;
    expect(outcomes(await poller.pollOnce())).toEqual({ 4: 'unchanged' });
    expect(s.h.github.requestsTo('GET', '/repos/acme/shop/issues/4')).toHaveLength(reads);
  });

  it('takes a run started elsewhere as the last run of an issue it has not seen', async () => {
    const s = await setup([{ number: 5, title: 'Add done.txt', labels: ['rig'], author: 'acme' }]);
    await s.h.engine.exec({ owner: 'acme', repo: 'shop', number: 5 });
    expect(outcomes(await s.poller().pollOnce())).toEqual({ 5: 'unchanged' });
    expect(await s.h.engine.list()).toHaveLength(1);
  });

  it('examines a bounded number of issues at once', async () => {
    const numbers = [11, 12, 13, 14, 15, 16];
    const s = await setup(numbers.map((n) => ({ number: n, title: `Issue ${n}`, labels: ['rig'], author: 'acme' })));
    const real = s.project.workspace.codeHost();
    let reading = 0;
    let most = 0;
    const counting: Pick<CodeHost, 'listOpenIssues' | 'getIssue' | 'permissionOf'> = {
      listOpenIssues: (repo, labels) => real.listOpenIssues(repo, labels),
      permissionOf: (repo, user) => real.permissionOf(repo, user),
      getIssue: async (ref) => {
        most = Math.max(most, ++reading);
        try {
          await new Promise((r) => setTimeout(r, 50));
          return await real.getIssue(ref);
        } finally {
          reading--;
        }
      },
    };
    const results = await s.poller({ concurrency: 2, codeHost: () => counting }).pollOnce();
    expect(results.map((r) => r.outcome.kind)).toEqual(numbers.map(() => 'started'));
    expect(most).toBe(2);
    await s.settled();
  });

  it('polls on its interval and stops cleanly: no poll after stop() returns', async () => {
    const s = await setup([{ number: 6, title: 'Add done.txt', labels: ['rig'], author: 'acme' }]);
    const poller = s.poller({ intervalSeconds: 0.2 });
    poller.start();
    await waitFor(async () => s.h.github.requestsTo('GET', '/repos/acme/shop/issues').length >= 3, 'three polls');
    await poller.stop();
    // The run's own requests go on; listing issues is the poller's alone.
    const polls = s.h.github.requestsTo('GET', '/repos/acme/shop/issues').length;
    await s.settled();
    await new Promise((r) => setTimeout(r, 600));
    expect(s.h.github.requestsTo('GET', '/repos/acme/shop/issues')).toHaveLength(polls);
    expect(await s.h.engine.list()).toHaveLength(1);
  });

  it('refuses to start without an interval', async () => {
    const s = await setup([]);
    const bare = { ...s.project, engine: Object.assign(Object.create(s.project.engine), { config: loadConfig('workflow: { trigger: [ { event: issues.opened } ] }', { env: {} }).config }) };
    expect(() => new IssuePoller({ projects: [bare] })).toThrow('server.poll_interval_seconds');
  });
});

describe('what the poller looks at', () => {
  const config = (yaml: string) => loadConfig(yaml, { env: {} }).config;

  it('lists issues by each trigger label, all open issues for an unlabelled trigger, none for comments only', () => {
    expect(pollLabels(config('workflow: { trigger: [ { event: issues.labeled, labels: [rig, AI] }, { event: issues.opened, labels: [Rig] } ] }'))).toEqual([['Rig'], ['AI']]);
    expect(pollLabels(config('workflow: { trigger: [ { event: issues.labeled, labels: [rig] }, { event: issues.opened } ] }'))).toEqual([[]]);
    expect(pollLabels(config('workflow: { trigger: [ { event: issue_comment.created, keyword: "[rig]" } ] }'))).toEqual([]);
  });

  it('fingerprints what a run reads, leaving out Rig and bots, and label order and case', () => {
    const issue = { title: 't', body: 'b', labels: ['rig', 'bug'], comments: [{ author: 'alice', body: 'please' }] };
    const base = issueFingerprint(issue, ['rig-bot']);
    expect(issueFingerprint({ ...issue, labels: ['BUG', 'rig'] }, ['rig-bot'])).toBe(base);
    expect(issueFingerprint({ ...issue, comments: [...issue.comments, { author: 'Rig-Bot', body: 'Rig opened a PR' }, { author: 'ci[bot]', body: 'green' }] }, ['rig-bot'])).toBe(base);
    for (const changed of [{ ...issue, title: 'T' }, { ...issue, body: 'b2' }, { ...issue, labels: ['rig'] }, { ...issue, comments: [{ author: 'alice', body: 'please!' }] }]) {
      expect(issueFingerprint(changed, ['rig-bot'])).not.toBe(base);
    }
  });
});
