import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GitHubCodeHost } from '../../src/adapters/github/github-code-host';
import { createGitHubClient } from '../../src/adapters/github/octokit-client';
import { createNotifier, type NotifierOptions } from '../../src/adapters/notify/notifier';
import type { NotifyConfig } from '../../src/core/config/schema';
import { emptyUsage, type Task } from '../../src/core/model';
import type { CodeHost } from '../../src/core/ports';
import { startGitHubFake, type GitHubFake } from '../../src/fakes/github-fake-server';

// The secret part of a webhook URL, as Slack and Discord put it in the path.
const HOOK_SECRET = 'XqZ7secretWebhookToken9876';

interface Received {
  path: string;
  contentType: string | undefined;
  body: unknown;
}

type Answer = (req: IncomingMessage, res: ServerResponse) => void;

/** A loopback webhook receiver; answers come from `script` in turn, then 200 "ok" (what Slack says). */
class HookServer {
  readonly received: Received[] = [];
  script: Answer[] = [];
  private server!: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        this.received.push({ path: req.url ?? '', contentType: req.headers['content-type'], body: text ? JSON.parse(text) : null });
        const answer = this.script.shift() ?? ((_q, s) => s.writeHead(200, { 'content-type': 'text/plain' }).end('ok'));
        answer(req, res);
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  hook(platform: 'slack' | 'discord'): string {
    return platform === 'slack' ? `${this.url}/services/T0001/B0002/${HOOK_SECRET}` : `${this.url}/api/webhooks/123456/${HOOK_SECRET}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function task(overrides: Partial<Task> = {}): Task {
  return {
    id: 'task-42',
    schema: 1,
    issue: {
      owner: 'octo',
      repo: 'shop',
      number: 1,
      title: 'Cart <total> & tax are *wrong*',
      body: '',
      labels: [],
      author: 'alice',
      url: 'https://github.com/octo/shop/issues/1',
      comments: [],
    },
    status: 'testing',
    createdAt: '2025-01-01T00:00:00Z',
    updatedAt: '2025-01-01T00:00:00Z',
    branch: 'rig/issue-1',
    baseBranch: 'main',
    attempts: [],
    pipeline: [],
    proposals: [],
    pr: { number: 7, url: 'https://github.com/octo/shop/pull/7', draft: true },
    usage: emptyUsage(),
    steps: ['code', 'deploy', 'test', 'report'],
    resumes: 0,
    ...overrides,
  };
}

let hooks: HookServer;
let logs: Array<{ level: string; message: string }>;
const log = (level: string, message: string) => void logs.push({ level, message });
const FAST: NotifierOptions = { waitScale: 0.001, timeoutMs: 2_000 };
// Comment notifications are not used in most tests; this host fails loudly if one is attempted.
const noComments: CodeHost = new Proxy({} as CodeHost, {
  get: () => () => Promise.reject(new Error('unexpected call to the code host')),
});

beforeEach(async () => {
  logs = [];
  hooks = await new HookServer().start();
});

afterEach(async () => {
  await hooks.stop();
  for (const { message } of logs) expect(message).not.toContain(HOOK_SECRET);
});

describe('slack and discord webhooks', () => {
  it('posts Slack\'s incoming-webhook JSON, escaping what Slack would read as markup', async () => {
    const notifier = createNotifier([{ type: 'slack', webhook: hooks.hook('slack'), on: ['all'] }], noComments, log, FAST);
    await notifier.notify('test_fail', task(), 'test "unit" failed (exit 1)');
    expect(hooks.received).toHaveLength(1);
    const [got] = hooks.received;
    expect(got!.path).toBe(`/services/T0001/B0002/${HOOK_SECRET}`);
    expect(got!.contentType).toBe('application/json');
    const text = (got!.body as { text: string }).text;
    expect(text).toContain('*Rig · Tests failed*');
    expect(text).toContain('<https://github.com/octo/shop/issues/1|octo/shop#1>');
    expect(text).toContain('Cart &lt;total&gt; &amp; tax are *wrong*');
    expect(text).toContain('test "unit" failed (exit 1)');
    expect(text).toContain('Pull request: <https://github.com/octo/shop/pull/7>');
    expect(logs.filter((l) => l.level === 'warn')).toEqual([]);
  });

  it('posts Discord\'s webhook JSON with mentions off, within its 2,000 characters', async () => {
    const notifier = createNotifier([{ type: 'discord', webhook: hooks.hook('discord'), on: ['all'] }], noComments, log, FAST);
    hooks.script.push((_q, s) => s.writeHead(204).end());
    await notifier.notify('failed', task(), `@everyone ${'x'.repeat(5000)}`);
    const body = hooks.received[0]!.body as { content: string; allowed_mentions: unknown; username: string };
    expect(body.allowed_mentions).toEqual({ parse: [] });
    expect(body.username).toBe('Rig');
    expect(body.content.length).toBeLessThanOrEqual(2000);
    expect(body.content).toMatch(/^\*\*Rig · Task failed\*\* — \[octo\/shop#1\]\(<https:\/\/github.com\/octo\/shop\/issues\/1>\) Cart <total> & tax are \\\*wrong\\\*\n@everyone x+…\nPull request: <https:\/\/github.com\/octo\/shop\/pull\/7>$/);
  });

  it('sends only the events each destination asked for', async () => {
    const notifier = createNotifier(
      [
        { type: 'slack', webhook: `${hooks.hook('slack')}?who=failures`, on: ['test_fail', 'failed'] },
        { type: 'discord', webhook: `${hooks.hook('discord')}?who=everything`, on: ['all'] },
      ],
      noComments,
      log,
      FAST,
    );
    await notifier.notify('test_pass', task(), 'green');
    await notifier.notify('failed', task(), 'red');
    expect(hooks.received.filter((r) => r.path.endsWith('who=failures'))).toHaveLength(1);
    expect(hooks.received.filter((r) => r.path.endsWith('who=everything'))).toHaveLength(2);
  });

  it('masks token-shaped text before it leaves', async () => {
    const notifier = createNotifier([{ type: 'slack', webhook: hooks.hook('slack'), on: ['all'] }], noComments, log, FAST);
    await notifier.notify('test_fail', task(), 'curl -H "Authorization: token ghp_abcdefghijklmnopqrstuvwxyz0123456789"');
    const text = (hooks.received[0]!.body as { text: string }).text;
    expect(text).not.toContain('ghp_abcdefghijklmnopqrstuvwxyz0123456789');
    expect(text).toContain('[REDACTED]');
  });

  it.each([
    ['a 503', (_q: IncomingMessage, s: ServerResponse) => s.writeHead(503).end('busy')],
    ['a 429 with retry-after', (_q: IncomingMessage, s: ServerResponse) => s.writeHead(429, { 'retry-after': '2' }).end('slow down')],
    [
      'a 429 with Discord\'s retry_after body',
      (_q: IncomingMessage, s: ServerResponse) => s.writeHead(429, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'You are being rate limited.', retry_after: 0.5, global: false })),
    ],
  ])('retries once after %s', async (_what, first) => {
    hooks.script.push(first);
    const notifier = createNotifier([{ type: 'slack', webhook: hooks.hook('slack'), on: ['all'] }], noComments, log, FAST);
    await notifier.notify('deploy', task(), 'deployed');
    expect(hooks.received).toHaveLength(2);
    expect(logs.filter((l) => l.level === 'warn')).toEqual([]);
  });

  it('honours retry-after before retrying', async () => {
    hooks.script.push((_q, s) => s.writeHead(429, { 'retry-after': '1' }).end());
    const notifier = createNotifier([{ type: 'slack', webhook: hooks.hook('slack'), on: ['all'] }], noComments, log, { ...FAST, waitScale: 0.3 });
    const started = Date.now();
    await notifier.notify('deploy', task(), 'deployed');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(hooks.received).toHaveLength(2);
  });

  it('gives up after one retry, logs why without the URL, and does not throw', async () => {
    const echo = (req: IncomingMessage, res: ServerResponse) => res.writeHead(500).end(`internal error at ${req.url}`);
    hooks.script.push(echo, echo, echo);
    const notifier = createNotifier([{ type: 'slack', webhook: hooks.hook('slack'), on: ['all'] }], noComments, log, FAST);
    await expect(notifier.notify('deploy', task(), 'deployed')).resolves.toBeUndefined();
    expect(hooks.received).toHaveLength(2);
    const warning = logs.find((l) => l.level === 'warn');
    expect(warning?.message).toMatch(/^notification of deploy for task task-42 to slack webhook \(127\.0\.0\.1:\d+\) failed: answered 500: internal error at \[REDACTED\] \(after one retry\)$/);
  });

  it.each([
    [400, 'invalid_payload'],
    [404, 'no_service'],
    [403, 'action_prohibited'],
  ])('does not retry a %i', async (status, text) => {
    hooks.script.push((_q, s) => s.writeHead(status).end(text));
    const notifier = createNotifier([{ type: 'slack', webhook: hooks.hook('slack'), on: ['all'] }], noComments, log, FAST);
    await notifier.notify('deploy', task(), 'deployed');
    expect(hooks.received).toHaveLength(1);
    expect(logs.find((l) => l.level === 'warn')?.message).toContain(`answered ${status}: ${text}`);
  });

  it('does not wait out a retry-after longer than is worth it', async () => {
    hooks.script.push((_q, s) => s.writeHead(429, { 'retry-after': '600' }).end());
    const notifier = createNotifier([{ type: 'slack', webhook: hooks.hook('slack'), on: ['all'] }], noComments, log, { ...FAST, waitScale: 1 });
    const started = Date.now();
    await notifier.notify('deploy', task(), 'deployed');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(hooks.received).toHaveLength(1);
    expect(logs.find((l) => l.level === 'warn')?.message).toMatch(/answered 429; asked to wait 600 s, longer than the 30 s worth waiting/);
  });

  it('gives up on a webhook that never answers', async () => {
    hooks.script.push(() => {
      // Never answers.
    });
    const notifier = createNotifier([{ type: 'discord', webhook: hooks.hook('discord'), on: ['all'] }], noComments, log, { ...FAST, timeoutMs: 200 });
    await notifier.notify('deploy', task(), 'deployed');
    expect(logs.find((l) => l.level === 'warn')?.message).toMatch(/to discord webhook \(127\.0\.0\.1:\d+\) failed: no answer within 200 ms$/);
  });

  it('logs an unreachable webhook without its URL', async () => {
    const url = hooks.hook('slack');
    await hooks.stop();
    hooks = await new HookServer().start();
    const notifier = createNotifier([{ type: 'slack', webhook: url, on: ['all'] }], noComments, log, FAST);
    await notifier.notify('deploy', task(), 'deployed');
    expect(logs.find((l) => l.level === 'warn')?.message).toMatch(/slack webhook \(127\.0\.0\.1:\d+\) failed: could not be reached/);
  });

  it('refuses a webhook that is not an http(s) URL, without quoting it', () => {
    const bad = (webhook: string) => [{ type: 'slack', webhook, on: ['all'] }] as NotifyConfig[];
    expect(() => createNotifier(bad(`hooks.slack.com/services/${HOOK_SECRET}`), noComments, log)).toThrow(/^notify\[0\] \(slack\): webhook is not a valid URL$/);
    expect(() => createNotifier(bad(`file:///services/${HOOK_SECRET}`), noComments, log)).toThrow(/^notify\[0\] \(slack\): webhook must be an http\(s\) URL, got file$/);
  });
});

describe('issue comments', () => {
  let fake: GitHubFake;
  const TOKEN = 'ghp_notifynotifynotifynotifynotifynotify';
  const host = (token: string) =>
    new GitHubCodeHost(createGitHubClient({ token, baseUrl: fake.url, userAgent: 'rig-test', waitScale: 0.001, retries: 0 }));

  beforeEach(async () => {
    fake = await startGitHubFake({ token: TOKEN, repos: [{ owner: 'octo', name: 'shop', issues: [{ number: 1, title: 'Cart' }] }] });
  });
  afterEach(() => fake.close());

  it('comments on the task\'s issue for the events it listens to', async () => {
    const notifier = createNotifier([{ type: 'comment', on: ['pr_created'] }], host(TOKEN), log);
    await notifier.notify('test_pass', task(), 'green');
    await notifier.notify('pr_created', task(), 'Opened a draft pull request.');
    expect(fake.comments('octo/shop', 1).map((c) => c.body)).toEqual(['**Rig · Pull request opened**\n\nOpened a draft pull request.\n\nPull request: https://github.com/octo/shop/pull/7']);
  });

  it('logs a comment GitHub refused, and carries on with the other destinations', async () => {
    const notifier = createNotifier(
      [
        { type: 'comment', on: ['all'] },
        { type: 'slack', webhook: hooks.hook('slack'), on: ['all'] },
      ],
      host('ghp_wrongwrongwrongwrongwrongwrongwrong1'),
      log,
      FAST,
    );
    await expect(notifier.notify('failed', task(), 'boom')).resolves.toBeUndefined();
    expect(hooks.received).toHaveLength(1);
    const warning = logs.find((l) => l.level === 'warn')!;
    expect(warning.message).toMatch(/^notification of failed for task task-42 to issue comment failed: GitHub rejected the token \(401 Bad credentials\)/);
    expect(warning.message).not.toContain('ghp_wrong');
  });
});
