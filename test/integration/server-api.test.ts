import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Workspace } from '../../src/runtime/workspace';
import type { Project } from '../../src/server/contracts';
import { createHttpServer } from '../../src/server/http';
import { engineHarness, scriptedAgent, writeIn, type EngineHarness } from '../helpers/engine-harness';

// Secrets as they would sit in a real rig.yaml: none of them may ever leave the server.
const GH_TOKEN = 'ghp_R1gT3stT0kenAbcdefghijklmnopqrstuvwx';
const AI_KEY = 'sk-ant-api03-R1gT3stKey0123456789abcdefghij';
const WEBHOOK_SECRET = 'whsec-R1g-9f8e7d6c5b4a';
const SERVER_KEY = 'srvkey-R1g-1a2b3c4d5e6f7a8b';
const SLACK_SECRET = 'slack-sign-R1g-0a1b2c3d4e5f';
const SLACK_WEBHOOK = 'https://hooks.slack.com/services/T0R1G/B0R1G/R1gWebhookPath123';
const DISCORD_WEBHOOK = 'https://discord.com/api/webhooks/112233445566/R1g-discord-token_abc';
const DEPLOY_ENV_SECRET = 'deploy-env-R1g-77aa88bb';
const SECRETS = [GH_TOKEN, AI_KEY, WEBHOOK_SECRET, SERVER_KEY, SLACK_SECRET, SLACK_WEBHOOK, DISCORD_WEBHOOK, DEPLOY_ENV_SECRET];

const RIG_YAML = `
source: { repo: acme/shop, base_branch: main, token: ${GH_TOKEN} }
ai: { provider: anthropic, api_key: ${AI_KEY} }
deploy:
  method: custom
  config:
    commands:
      - name: deploy
        run: "if [ -f slow.txt ]; then sleep 30; fi; echo deployed"
        timeout: 60s
        env: { DEPLOY_TOKEN: ${DEPLOY_ENV_SECRET} }
test:
  - { type: command, name: check, run: "test -f done.txt", timeout: 30s }
workflow:
  steps: [code, deploy, test, report]
  approval: { before_deploy: true }
notify:
  - { type: slack, webhook: "${SLACK_WEBHOOK}", on: [all] }
  - { type: discord, webhook: "${DISCORD_WEBHOOK}", on: [failed] }
server:
  secret: ${WEBHOOK_SECRET}
  api_key: ${SERVER_KEY}
  slack_signing_secret: ${SLACK_SECRET}
  chatops_allow_users: ["slack:UOPS"]
`;

const SLOW_ISSUE = 3;

interface SseEvent {
  id?: string;
  event: string;
  data: any;
}

/** A Server-Sent Events reader over plain HTTP, keeping every event it receives. */
class EventStream {
  readonly events: SseEvent[] = [];
  private buffer = '';
  private listeners = new Set<() => void>();
  private req!: http.ClientRequest;

  static open(port: number, headers: Record<string, string> = {}, query = ''): Promise<EventStream> {
    const stream = new EventStream();
    return new Promise((resolve, reject) => {
      stream.req = http.get({ host: '127.0.0.1', port, path: `/api/events${query}`, headers, agent: false }, (res) => {
        if (res.statusCode !== 200) reject(new Error(`event stream answered ${res.statusCode}`));
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => stream.receive(chunk));
        resolve(stream);
      });
      stream.req.on('error', (err) => ((err as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(err)));
    });
  }

  private receive(chunk: string): void {
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const event: SseEvent = { event: 'message', data: undefined };
      let data: string | undefined;
      for (const line of block.split('\n')) {
        if (line.startsWith('id: ')) event.id = line.slice(4);
        else if (line.startsWith('event: ')) event.event = line.slice(7);
        else if (line.startsWith('data: ')) data = line.slice(6);
      }
      if (data === undefined) continue;
      event.data = JSON.parse(data);
      this.events.push(event);
    }
    for (const l of this.listeners) l();
  }

  until(predicate: (e: SseEvent) => boolean, timeoutMs = 30_000): Promise<SseEvent> {
    const found = this.events.find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        reject(new Error(`no matching event in ${timeoutMs} ms; last: ${JSON.stringify(this.events.slice(-3).map((e) => [e.event, e.data?.task?.status]))}`));
      }, timeoutMs);
      const check = () => {
        const hit = this.events.find(predicate);
        if (!hit) return;
        clearTimeout(timer);
        this.listeners.delete(check);
        resolve(hit);
      };
      this.listeners.add(check);
    });
  }

  close(): void {
    this.req.destroy();
  }
}

let h: EngineHarness;
let server: http.Server;
let port: number;
let stream: EventStream;
const discordKeys = crypto.generateKeyPairSync('ed25519');
const discordPublicHex = Buffer.from(discordKeys.publicKey.export({ format: 'jwk' }).x!, 'base64url').toString('hex');

async function api(method: string, target: string, body?: unknown): Promise<{ status: number; body: any; text: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${target}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, text };
}

const issueUrl = (n: number) => `https://github.com/acme/shop/issues/${n}`;
const isTask = (id: string, status?: string) => (e: SseEvent) => e.event === 'task.updated' && e.data.task.id === id && (!status || e.data.task.status === status);

/**
 * Events are sent as the engine changes a task, a moment before its store has the change: wait
 * for the store too before acting on what an event said.
 */
async function waitFor(id: string, status: string): Promise<void> {
  await stream.until(isTask(id, status));
  for (let i = 0; i < 100; i++) {
    if ((await api('GET', `/api/tasks/${id}`)).body.task.status === status) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`task ${id} never stored as ${status}`);
}

async function createTask(n: number): Promise<string> {
  const res = await api('POST', '/api/tasks', { issue_url: issueUrl(n) });
  expect(res.status).toBe(201);
  return res.body.task.id;
}

beforeAll(async () => {
  const ai = scriptedAgent({
    edit: async (worktree) => {
      const issue = Number(/^t\d+-(\d+)-/.exec(path.basename(worktree))?.[1]);
      const files = await writeIn(worktree, 'done.txt', `done for #${issue}\n`);
      return issue === SLOW_ISSUE ? [...files, ...(await writeIn(worktree, 'slow.txt', 'slow\n'))] : files;
    },
  });
  h = await engineHarness({
    files: { 'a.txt': 'a\n', 'rig.yaml': RIG_YAML },
    rigYaml: RIG_YAML,
    issues: [
      { number: 1, title: `Add done.txt (the old key ${AI_KEY} leaked here)` },
      { number: 2, title: 'Reject me' },
      { number: SLOW_ISSUE, title: 'Slow deploy' },
      { number: 4, title: 'From Slack' },
      { number: 5, title: 'Twice at once' },
      { number: 6, title: 'Left waiting by another run' },
    ],
    ai,
  });
  // The workspace knows the repository's secrets (rig.yaml), so the server can redact them.
  const workspace = await Workspace.open({ cwd: h.repo.work, env: {} });
  const project: Project = { name: 'shop', repo: { owner: 'acme', repo: 'shop' }, workspace, engine: h.engine };
  server = createHttpServer({
    projects: [project],
    security: { port: 0 },
    chatops: { slackSigningSecret: SLACK_SECRET, discordPublicKey: discordPublicHex, allowUsers: ['slack:UOPS', 'discord:4242'] },
    events: { heartbeatMs: 100 },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  stream = await EventStream.open(port);
});

afterAll(async () => {
  // Tasks still waiting for a human would keep polling: stop them the way a user would.
  for (const t of (await api('GET', '/api/tasks')).body.tasks) {
    if (!['completed', 'failed', 'cancelled', 'interrupted', 'timed_out'].includes(t.status)) await api('POST', `/api/tasks/${t.id}/cancel`, {});
  }
  stream?.close();
  await new Promise((r) => server.close(r));
  await h.close();
});

describe('tasks through the REST API', () => {
  it('creates exactly one task per request and answers at once with it', async () => {
    const res = await api('POST', '/api/tasks', { issue_url: issueUrl(1) });
    expect(res.status).toBe(201);
    expect(res.body.task).toMatchObject({ status: 'queued', project: 'shop', issue: { number: 1 }, branch: 'rig/issue-1' });
    const list = await api('GET', '/api/tasks');
    expect(list.body.tasks.map((t: { id: string }) => t.id)).toEqual([res.body.task.id]);
    // The task's own events: queued → … → waiting at the deploy gate.
    await waitFor(res.body.task.id, 'awaiting_approval');
    const statuses = stream.events.filter(isTask(res.body.task.id)).map((e) => e.data.task.status);
    expect([...new Set(statuses)]).toEqual(['queued', 'planning', 'coding', 'committing', 'awaiting_approval']);
    expect(stream.events.some((e) => e.event === 'log.line' && e.data.task_id === res.body.task.id)).toBe(true);
  });

  it('makes one task when the same issue is posted twice at once (409 for the other)', async () => {
    const [a, b] = await Promise.all([api('POST', '/api/tasks', { issue_url: issueUrl(5) }), api('POST', '/api/tasks', { issue_url: 'acme/shop#5' })]);
    expect([a.status, b.status].sort()).toEqual([201, 409]);
    const tasks = (await api('GET', '/api/tasks')).body.tasks.filter((t: { issue: { number: number } }) => t.issue.number === 5);
    expect(tasks).toHaveLength(1);
    await waitFor(tasks[0].id, 'awaiting_approval');
    const again = await api('POST', '/api/tasks', { issue_url: issueUrl(5) });
    expect(again.status).toBe(409);
    expect(again.body.error).toContain('awaiting approval');
  });

  it('refuses issues of repositories it has no project for', async () => {
    expect((await api('POST', '/api/tasks', { issue_url: 'https://github.com/other/repo/issues/1' })).status).toBe(404);
    expect((await api('POST', '/api/tasks', { issue_url: issueUrl(1), project: 'nope' })).status).toBe(404);
    expect((await api('POST', '/api/tasks', { issue_url: 'https://github.com/acme/shop/pull/1' })).status).toBe(400);
  });

  it('shows the pending proposal and approves it; the server carries the task on to its pull request', async () => {
    const task = (await api('GET', '/api/tasks')).body.tasks.find((t: { issue: { number: number } }) => t.issue.number === 1);
    const proposals = await api('GET', '/api/proposals');
    expect(proposals.body.proposals.map((p: { task_id: string }) => p.task_id)).toContain(task.id);
    const mine = await api('GET', `/api/proposals/${task.id}`);
    expect(mine.body.proposals).toHaveLength(1);
    expect(mine.body.proposals[0]).toMatchObject({ task_id: task.id, kind: 'deploy_gate', status: 'pending', project: 'shop' });

    const approved = await api('POST', `/api/approve/${task.id}`, {});
    expect(approved.status).toBe(200);
    expect(approved.body.decision).toBe('approved');
    expect(approved.body.task.proposals[0]).toMatchObject({ status: 'approved' });
    await waitFor(task.id, 'completed');
    const detail = await api('GET', `/api/tasks/${task.id}`);
    expect(detail.body.task.pr.url).toMatch(/\/pull\/\d+$/);
    expect(detail.body.task.attempt_details[0].deploy.success).toBe(true);
    expect(h.github.pullRequests('acme/shop').map((p) => p.head)).toEqual(['rig/issue-1']);
    expect((await api('POST', `/api/approve/${task.id}`, {})).status).toBe(409);
  });

  it('approves a task no process holds: this server picks it up and runs it to the end', async () => {
    const { task, done } = await h.engine.start({ owner: 'acme', repo: 'shop', number: 6 }, { waitForApproval: false });
    expect((await done).status).toBe('awaiting_approval');
    const approved = await api('POST', `/api/approve/${task.id.slice(0, -2)}`, {});
    expect(approved.status).toBe(200);
    expect(approved.body.task.id).toBe(task.id);
    await stream.until(isTask(task.id, 'completed'));
  });

  it('rejects a proposal (the task fails), retries the task on its own branch, and cancels it while it waits', async () => {
    const id = await createTask(2);
    await waitFor(id, 'awaiting_approval');
    const rejected = await api('POST', `/api/reject/${id}`, {});
    expect(rejected.status).toBe(200);
    expect(rejected.body.task).toMatchObject({ status: 'failed', status_reason: 'proposal p1 rejected by api' });

    const retried = await api('POST', `/api/tasks/${id}/retry`, {});
    expect(retried.body.error).toBeUndefined();
    expect(retried.status).toBe(202);
    expect(retried.body).toMatchObject({ started: true, task: { id, resumes: 1 } });
    const waiting = await stream.until((e) => isTask(id, 'awaiting_approval')(e) && e.data.task.resumes === 1);
    expect(waiting.data.task.proposals.map((p: { status: string }) => p.status)).toEqual(['rejected', 'pending']);
    expect((await api('GET', '/api/tasks')).body.tasks.filter((t: { issue: { number: number } }) => t.issue.number === 2)).toHaveLength(1);

    const cancelled = await api('POST', `/api/tasks/${id}/cancel`, {});
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.task.status).toBe('cancelled');
    expect(cancelled.body.task.proposals[1].status).toBe('withdrawn');
    expect((await api('POST', `/api/tasks/${id}/cancel`, {})).status).toBe(409);
  });

  it('cancels a task in the middle of a deploy command', async () => {
    const id = await createTask(SLOW_ISSUE);
    await waitFor(id, 'awaiting_approval');
    expect((await api('POST', `/api/approve/${id}`, {})).status).toBe(200);
    await stream.until(isTask(id, 'deploying'));
    const startedAt = Date.now();
    const cancelled = await api('POST', `/api/tasks/${id}/cancel`, {});
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.task.status).toBe('cancelled');
    // The deploy sleeps 30 s: ending well before proves the command was stopped, not waited for.
    expect(Date.now() - startedAt).toBeLessThan(15_000);
    const deploy = cancelled.body.task.pipeline.findLast((s: { phase: string }) => s.phase === 'deploying');
    expect(deploy.status).toBe('failed');
  });

  it('serves a task’s log lines', async () => {
    // A finished task, so no line arrives between the two reads.
    const task = (await api('GET', '/api/tasks')).body.tasks.find((t: { status: string }) => t.status === 'completed');
    const logs = await api('GET', `/api/tasks/${task.id}/logs`);
    expect(logs.status).toBe(200);
    expect(logs.body.entries[0]).toMatchObject({ seq: 1, level: 'info' });
    const later = await api('GET', `/api/tasks/${task.id}/logs?after=${logs.body.entries.length - 1}`);
    expect(later.body.entries).toHaveLength(1);
    expect((await api('GET', '/api/tasks/tzzz/logs')).status).toBe(404);
  });
});

describe('events stream', () => {
  it('resumes from Last-Event-ID with exactly the events that followed it', async () => {
    const seen = stream.events.filter((e) => e.id);
    const from = seen[Math.floor(seen.length / 2)]!;
    const expected = seen.slice(seen.indexOf(from) + 1).map((e) => e.id);
    const resumed = await EventStream.open(port, { 'last-event-id': from.id! });
    try {
      await resumed.until((e) => e.id === expected.at(-1), 5000);
      expect(resumed.events.slice(0, expected.length).map((e) => e.id)).toEqual(expected);
    } finally {
      resumed.close();
    }
  });

  it('tells a client to reload when its Last-Event-ID is from another server run', async () => {
    const stale = await EventStream.open(port, { 'last-event-id': 'abc123-5' });
    try {
      const first = await stale.until(() => true, 5000);
      expect(first).toEqual({ event: 'resync', data: { reason: 'server restarted' } });
    } finally {
      stale.close();
    }
  });

  it('filters by project and task, and refuses an unknown project', async () => {
    const one = (await api('GET', '/api/tasks')).body.tasks.at(-1);
    const filtered = await EventStream.open(port, { 'last-event-id': stream.events.find((e) => e.id)!.id! }, `?task=${one.id}`);
    try {
      await filtered.until((e) => e.event === 'task.updated', 5000);
      expect(filtered.events.every((e) => (e.data.task?.id ?? e.data.task_id) === one.id)).toBe(true);
    } finally {
      filtered.close();
    }
    expect((await api('GET', '/api/events?project=nope')).status).toBe(404);
  });
});

describe('what the server shows', () => {
  it('lists projects with their task counts', async () => {
    const res = await api('GET', '/api/projects');
    expect(res.body.projects).toHaveLength(1);
    expect(res.body.projects[0]).toMatchObject({ name: 'shop', repo: 'acme/shop', base_branch: 'main' });
    expect(res.body.projects[0].tasks.completed).toBeGreaterThanOrEqual(2);
  });

  it('shows the configuration without a single secret', async () => {
    const res = await api('GET', '/api/config');
    for (const secret of SECRETS) expect(res.text).not.toContain(secret);
    const [shop] = res.body.projects;
    expect(shop.config.source).toEqual({ platform: 'github', repo: 'acme/shop', base_branch: 'main' });
    expect(shop.config.ai.api_key).toBeUndefined();
    expect(shop.config.server.secret).toBeUndefined();
    expect(shop.config.server.api_key).toBeUndefined();
    expect(shop.config.server.slack_signing_secret).toBeUndefined();
    expect(shop.config.notify.map((n: { webhook?: string }) => n.webhook)).toEqual([undefined, undefined]);
    expect(shop.config.deploy.config.commands[0].env).toEqual({ DEPLOY_TOKEN: '[REDACTED]' });
    expect(shop.config.server.chatops_allow_users).toEqual(['slack:UOPS']);
    expect(shop.secrets_configured.sort()).toEqual(['ai.api_key', 'notify.0.webhook', 'notify.1.webhook', 'server.api_key', 'server.secret', 'server.slack_signing_secret', 'source.token']);
  });

  it('never sends a secret that reached a task, in answers or in events', async () => {
    const tasks = await api('GET', '/api/tasks');
    expect(tasks.text).not.toContain(AI_KEY);
    const first = tasks.body.tasks.find((t: { issue: { number: number } }) => t.issue.number === 1);
    expect(first.issue.title).toBe('Add done.txt (the old key [REDACTED] leaked here)');
    expect(JSON.stringify(stream.events)).not.toContain(AI_KEY);
  });

  it('reports DORA metrics over 30 days', async () => {
    const res = await api('GET', '/api/metrics/dora');
    expect(res.body).toMatchObject({ project: null, window_days: 30, lead_time_samples: expect.any(Number), failed_deployments: 0 });
    const completed = (await api('GET', '/api/tasks')).body.tasks.filter((t: { status: string }) => t.status === 'completed');
    expect(res.body.lead_time_samples).toBe(completed.length);
    expect(res.body.deployments).toBeGreaterThanOrEqual(completed.length);
    expect(res.body.deploy_frequency).toBeCloseTo(res.body.deployments / 30, 10);
    expect((await api('GET', '/api/metrics/dora?project=shop')).body.project).toBe('shop');
    expect((await api('GET', '/api/metrics/dora?project=none')).status).toBe(404);
  });
});

describe('ChatOps against the same engine', () => {
  async function slack(text: string, userId: string) {
    const body = new URLSearchParams({ command: '/rig', text, user_id: userId, user_name: `user-${userId}`, team_id: 'T1' }).toString();
    const ts = String(Math.floor(Date.now() / 1000));
    const signature = `v0=${crypto.createHmac('sha256', SLACK_SECRET).update(`v0:${ts}:${body}`).digest('hex')}`;
    const res = await fetch(`http://127.0.0.1:${port}/api/chatops/slack`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': ts, 'x-slack-signature': signature },
      body,
    });
    return { status: res.status, body: (await res.json()) as { response_type: string; text: string } };
  }

  async function discord(payload: unknown, sign = true) {
    const body = JSON.stringify(payload);
    const ts = String(Math.floor(Date.now() / 1000));
    const signature = crypto.sign(null, Buffer.from(ts + body), discordKeys.privateKey).toString('hex');
    const res = await fetch(`http://127.0.0.1:${port}/api/chatops/discord`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-signature-timestamp': ts, 'x-signature-ed25519': sign ? signature : signature.replace(/^./, (c) => (c === '0' ? '1' : '0')) },
      body,
    });
    return { status: res.status, type: res.headers.get('content-type'), body: (res.status === 204 ? null : await res.json()) as any };
  }

  it('runs /rig exec and /rig approve for an allowed user, and refuses others', async () => {
    const refused = await slack(`exec <${issueUrl(4)}>`, 'UGUEST');
    expect(refused.body).toMatchObject({ response_type: 'ephemeral' });
    expect(refused.body.text).toContain('you may not exec from chat');
    expect((await api('GET', '/api/tasks')).body.tasks.some((t: { issue: { number: number } }) => t.issue.number === 4)).toBe(false);

    const started = await slack(`exec <${issueUrl(4)}>`, 'UOPS');
    expect(started.body.response_type).toBe('in_channel');
    const id = /`(t[^`]+)`/.exec(started.body.text)![1]!;
    await waitFor(id, 'awaiting_approval');

    expect((await slack(`approve ${id}`, 'UGUEST')).body.text).toContain('you may not approve');
    const approved = await slack(`approve ${id}`, 'UOPS');
    expect(approved.body).toMatchObject({ response_type: 'in_channel' });
    expect(approved.body.text).toBe(`Approved by user-UOPS: task \`${id}\` carries on.`);
    await waitFor(id, 'completed');
    const task = (await api('GET', `/api/tasks/${id}`)).body.task;
    expect(task.proposals[0].status).toBe('approved');

    const logs = await slack(`logs ${id}`, 'UGUEST');
    expect(logs.body.text).toContain(`\`${id}\` completed`);
    expect(logs.body.text.split('\n')).toHaveLength(6);
    expect((await slack('status', 'UGUEST')).body.text).toMatch(/^\d+ tasks: .*completed \d/);
  });

  it('answers Discord PING, the rig command and !rig messages, and 401 to a bad signature', async () => {
    const ping = await discord({ id: '1', token: 'x', type: 1, version: 1 });
    expect(ping).toEqual({ status: 200, type: 'application/json; charset=utf-8', body: { type: 1 } });
    expect((await discord({ id: '1', token: 'x', type: 1, version: 1 }, false)).status).toBe(401);

    const command = await discord({ type: 2, data: { name: 'rig', options: [{ type: 3, name: 'text', value: 'tasks' }] }, member: { user: { id: '99', username: 'someone' } } });
    expect(command.status).toBe(200);
    expect(command.body.type).toBe(4);
    expect(command.body.data.flags).toBe(64);
    expect(command.body.data.allowed_mentions).toEqual({ parse: [] });
    expect(command.body.data.content.split('\n')).toHaveLength(5);

    const message = await discord({ content: '!rig reject t1', author: { id: '99', username: 'someone' } });
    expect(message.body.content).toContain('you may not reject');
    expect((await discord({ content: 'hello there', author: { id: '99' } })).status).toBe(204);
  });
});
