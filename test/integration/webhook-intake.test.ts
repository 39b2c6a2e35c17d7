import { spawn } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { existsSync, promises as fs, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Task } from '../../src/core/model';
import type { FakeIssueSeed } from '../../src/fakes/github-fake-server';
import { Workspace } from '../../src/runtime/workspace';
import type { Project } from '../../src/server/contracts';
import type { DeliveryRecord } from '../../src/server/webhook/delivery-store';
import { createWebhookIntake, type DurableWebhookIntake, type WebhookIntakeOptions } from '../../src/server/webhook/intake';
import { engineHarness, scriptedAgent, writeIn, type EngineHarness } from '../helpers/engine-harness';
import { waitFor } from '../helpers/cli-harness';

const SECRET = 'webhook-secret-for-tests-0000';
const YAML = `
ai: { provider: anthropic }
workflow:
  steps: [code, report]
  trigger:
    - { event: issues.labeled, labels: [rig] }
    - { event: issues.opened, labels: [rig] }
    - { event: issue_comment.created, keyword: "[rig]" }
`;

// Deliveries are real recorded GitHub payloads, pointed at the fake repository.
const require = createRequire(import.meta.url);
const EXAMPLES = require('@octokit/webhooks-examples/api.github.com/index.json') as Array<{ name: string; examples: Array<Record<string, any>> }>;

function payload(event: 'issues' | 'issue_comment', action: string, o: { number: number; sender?: string; label?: string; comment?: string; repo?: string }) {
  // GitHub's examples have no `closed` issue: a reopened one is closed again.
  const example = action === 'closed' ? 'reopened' : action;
  const p = structuredClone(EXAMPLES.find((d) => d.name === event)!.examples.find((e) => e.action === example)!);
  p.action = action;
  p.repository.full_name = o.repo ?? 'acme/shop';
  p.issue.number = o.number;
  p.issue.state = action === 'closed' ? 'closed' : 'open';
  p.issue.labels = [{ name: 'rig' }];
  p.sender.login = o.sender ?? 'acme';
  if (o.label) p.label = { name: o.label };
  if (event === 'issue_comment') Object.assign(p.comment, { body: o.comment ?? '[rig] go', user: { ...p.comment.user, login: o.sender ?? 'acme' } });
  return p;
}

function delivery(event: string, body: unknown, id: string = randomUUID()) {
  const raw = Buffer.from(JSON.stringify(body));
  const headers = {
    'content-type': 'application/json',
    'x-github-event': event,
    'x-github-delivery': id,
    'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(raw).digest('hex')}`,
  };
  return { id, raw, headers };
}

/** The agent waits at the gate until the test opens it, so a run can be caught while it runs. */
function gatedAgent() {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let entered = 0;
  const ai = scriptedAgent({
    edit: async (wt) => {
      entered++;
      await gate;
      return writeIn(wt, 'done.txt', 'ok\n');
    },
  });
  return { ai, open, entered: () => entered };
}

interface Server {
  h: EngineHarness;
  project: Project;
  intake(extra?: Partial<WebhookIntakeOptions>): DurableWebhookIntake;
  records(): Promise<DeliveryRecord[]>;
  tasks(): Promise<Task[]>;
}

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

async function server(issues: FakeIssueSeed[], agent = gatedAgent()): Promise<Server & { agent: ReturnType<typeof gatedAgent> }> {
  const h = await engineHarness({ files: { 'a.txt': 'a\n' }, rigYaml: YAML, issues, ai: agent.ai });
  open.push(h);
  const workspace = await Workspace.open({ cwd: h.repo.work, env: { GITHUB_API_URL: h.github.url } });
  const project: Project = { name: 'shop', repo: { owner: 'acme', repo: 'shop' }, workspace, engine: h.engine };
  const dir = path.join(workspace.git.stateDir, 'deliveries');
  return {
    h,
    agent,
    project,
    intake: (extra = {}) => {
      const intake = createWebhookIntake({ projects: [project], secret: SECRET, ...extra });
      open.push({ close: () => intake.stop() });
      return intake;
    },
    records: async () =>
      existsSync(dir) ? Promise.all(readdirSync(dir).filter((n) => n.endsWith('.json')).map(async (n) => JSON.parse(await fs.readFile(path.join(dir, n), 'utf8')))) : [],
    tasks: () => h.engine.list(),
  };
}

const finished = (s: Server, n = 1) => waitFor(async () => {
  const tasks = await s.tasks();
  return tasks.length === n && tasks.every((t) => t.status === 'completed') && tasks;
}, 'the tasks to complete');

describe('webhook intake', () => {
  it('answers 202 while the pipeline has not even begun, then runs the task to a pull request', async () => {
    const s = await server([{ number: 1, title: 'Add done.txt', labels: ['rig'] }]);
    const intake = s.intake();
    await intake.start();
    const d = delivery('issues', payload('issues', 'labeled', { number: 1, label: 'rig' }));

    const began = performance.now();
    const reply = await intake.handle(d.raw, d.headers);
    const elapsed = performance.now() - began;
    expect(reply).toMatchObject({ status: 202, body: 'accepted' });
    expect(elapsed).toBeLessThan(1000);
    // Acknowledged, and durably: the record is on disk before the answer.
    expect((await s.records()).map((r) => [r.id, r.state === 'pending' || r.state === 'done'])).toEqual([[d.id, true]]);

    await waitFor(async () => s.agent.entered() > 0, 'the agent to be called');
    s.agent.open();
    const [task] = await finished(s);
    expect(s.h.github.pullRequests('acme/shop')).toHaveLength(1);
    await intake.idle();
    expect(await s.records()).toEqual([expect.objectContaining({ id: d.id, state: 'done', taskId: task!.id, reason: expect.stringContaining('issues.labeled (labels rig)') })]);
  });

  it('takes a redelivery once, even when copies arrive at the same moment', async () => {
    const s = await server([{ number: 2, title: 'Add done.txt', labels: ['rig'] }]);
    const intake = s.intake();
    await intake.start();
    const d = delivery('issues', payload('issues', 'labeled', { number: 2, label: 'rig' }));
    const replies = await Promise.all(Array.from({ length: 6 }, () => intake.handle(d.raw, d.headers)));
    expect(replies.filter((r) => r.status === 202)).toHaveLength(1);
    expect(replies.filter((r) => r.status === 200).map((r) => r.body)).toEqual(Array(5).fill('duplicate'));
    s.agent.open();
    await finished(s);
    // A manual redelivery after the run: still the same id, still nothing new.
    expect(await intake.handle(d.raw, d.headers)).toMatchObject({ status: 200, body: 'duplicate' });
    await intake.idle();
    expect(await s.tasks()).toHaveLength(1);
    expect(await s.records()).toHaveLength(1);
  });

  it('answers 401 to unsigned or wrongly signed deliveries and writes and starts nothing', async () => {
    const s = await server([{ number: 3, title: 'x', labels: ['rig'] }]);
    const intake = s.intake();
    await intake.start();
    const d = delivery('issues', payload('issues', 'labeled', { number: 3, label: 'rig' }));
    const unsigned = await intake.handle(d.raw, { ...d.headers, 'x-hub-signature-256': undefined });
    const forged = await intake.handle(d.raw, { ...d.headers, 'x-hub-signature-256': `sha256=${createHmac('sha256', 'guess').update(d.raw).digest('hex')}` });
    const noSecret = await s.intake({ secret: undefined }).handle(d.raw, d.headers);
    for (const reply of [unsigned, forged, noSecret]) {
      expect(reply.status).toBe(401);
      expect(JSON.stringify(reply)).not.toContain(SECRET);
    }
    await intake.idle();
    expect(existsSync(intake.dir)).toBe(false);
    expect(await s.tasks()).toEqual([]);
    expect(s.h.github.requests).toEqual([]);
  });

  it('acknowledges what it ignores and records why: other actions, other events, other repositories', async () => {
    const s = await server([{ number: 4, title: 'x', labels: ['rig'] }]);
    const intake = s.intake();
    await intake.start();
    const cases = [
      [delivery('issues', payload('issues', 'closed', { number: 4 })), 'ignored: no trigger matches issues.closed'],
      [delivery('issues', payload('issues', 'labeled', { number: 4, label: 'rig', repo: 'someone/else' })), 'ignored: no project for repository someone/else'],
      [delivery('issues', payload('issues', 'labeled', { number: 4, label: 'wontfix' })), 'ignored: no trigger matches issues.labeled: label "wontfix" is not one of rig'],
      [delivery('issue_comment', payload('issue_comment', 'created', { number: 4, comment: 'looks good' })), 'ignored: no trigger matches issue_comment.created: the comment does not contain "[rig]"'],
      [delivery('push', EXAMPLES.find((e) => e.name === 'push')!.examples[0]), 'ignored: no trigger matches push'],
    ] as const;
    for (const [d, answer] of cases) expect(await intake.handle(d.raw, d.headers), answer).toMatchObject({ status: 200, body: answer });
    const ping = delivery('ping', EXAMPLES.find((e) => e.name === 'ping')!.examples[0]);
    expect(await intake.handle(ping.raw, ping.headers)).toMatchObject({ status: 200, body: 'pong' });

    const records = await s.records();
    expect(records).toHaveLength(cases.length);
    for (const [d, answer] of cases) {
      const record = records.find((r) => r.id === d.id)!;
      expect(record).toMatchObject({ state: 'ignored', reason: answer.replace('ignored: ', '') });
      expect(record.payload).toBeUndefined();
    }
    await intake.idle();
    expect(await s.tasks()).toEqual([]);
  });

  it('answers 400 with the reason to a signed delivery it cannot read', async () => {
    const s = await server([{ number: 5, title: 'x', labels: ['rig'] }]);
    const intake = s.intake();
    const broken = payload('issues', 'labeled', { number: 5, label: 'rig' });
    delete broken.issue.number;
    const d = delivery('issues', broken);
    expect(await intake.handle(d.raw, d.headers)).toMatchObject({ status: 400, body: expect.stringContaining('issue.number') });
    const garbled = { ...delivery('issues', {}), raw: Buffer.from('{"action":') };
    garbled.headers['x-hub-signature-256'] = `sha256=${createHmac('sha256', SECRET).update(garbled.raw).digest('hex')}`;
    expect(await intake.handle(garbled.raw, garbled.headers)).toMatchObject({ status: 400, body: 'body is not valid JSON' });
    expect(await s.records()).toEqual([]);
  });

  it('starts nothing for someone without write access, unless the allow-list names them', async () => {
    const s = await server([{ number: 6, title: 'Add done.txt', labels: ['rig'] }]);
    const intake = s.intake();
    await intake.start();
    const byReader = delivery('issue_comment', payload('issue_comment', 'created', { number: 6, sender: 'mallory', comment: '[rig] run this' }));
    expect(await intake.handle(byReader.raw, byReader.headers)).toMatchObject({ status: 202 });
    await intake.idle();
    expect(await s.records()).toEqual([
      expect.objectContaining({ id: byReader.id, state: 'ignored', reason: expect.stringMatching(/^mallory may not start runs: read access to acme\/shop/) }),
    ]);
    expect(await s.tasks()).toEqual([]);
    expect(s.h.github.requestsTo('GET', '/repos/acme/shop/collaborators/mallory/permission')).toHaveLength(1);
    await intake.stop();

    const trusting = s.intake({ allowUsers: ['Mallory'] });
    await trusting.start();
    const again = delivery('issue_comment', payload('issue_comment', 'created', { number: 6, sender: 'mallory', comment: '[rig] run this' }));
    expect(await trusting.handle(again.raw, again.headers)).toMatchObject({ status: 202 });
    s.agent.open();
    await finished(s);
    await trusting.idle();
    expect((await s.records()).find((r) => r.id === again.id)).toMatchObject({ state: 'done', reason: expect.stringContaining('server.allow_users') });
  });

  it('starts no second task for an issue that is being run, even when the queue reaches the trigger after the run', async () => {
    const s = await server([{ number: 7, title: 'Add done.txt', labels: ['rig'] }]);
    const intake = s.intake();
    await intake.start();
    const first = delivery('issues', payload('issues', 'labeled', { number: 7, label: 'rig' }));
    await intake.handle(first.raw, first.headers);
    await waitFor(async () => s.agent.entered() > 0, 'the run to begin');
    const second = delivery('issue_comment', payload('issue_comment', 'created', { number: 7, comment: 'please [RIG] again' }));
    expect(await intake.handle(second.raw, second.headers)).toMatchObject({ status: 202 });
    await intake.idle();
    await intake.stop();

    // Another trigger that arrived while the run went on, taken up only after the run ended.
    const late = delivery('issues', payload('issues', 'labeled', { number: 7, label: 'rig' }));
    const waiting = s.intake();
    expect(await waiting.handle(late.raw, late.headers)).toMatchObject({ status: 202 });
    s.agent.open();
    const [task] = await finished(s);
    await waiting.start();
    await waiting.idle();

    const records = await s.records();
    expect(records.find((r) => r.id === second.id)).toMatchObject({ state: 'ignored', reason: expect.stringContaining(`already being run as task ${task!.id}`) });
    expect(records.find((r) => r.id === late.id)).toMatchObject({ state: 'ignored', reason: expect.stringContaining(task!.id) });
    expect(await s.tasks()).toHaveLength(1);
  });

  it('runs a delivery acknowledged by an intake that never got to it', async () => {
    const s = await server([{ number: 8, title: 'Add done.txt', labels: ['rig'] }]);
    const d = delivery('issues', payload('issues', 'opened', { number: 8 }));
    // Acknowledged, then the process is gone before its worker took the delivery.
    expect(await s.intake().handle(d.raw, d.headers)).toMatchObject({ status: 202 });
    expect(await s.records()).toEqual([expect.objectContaining({ id: d.id, state: 'pending' })]);
    expect(await s.tasks()).toEqual([]);

    const restarted = s.intake();
    await restarted.start();
    s.agent.open();
    const [task] = await finished(s);
    await restarted.idle();
    expect(await s.records()).toEqual([expect.objectContaining({ id: d.id, state: 'done', taskId: task!.id })]);
  });

  it('marks done, without a second task, a delivery whose task was started just before a crash', async () => {
    const s = await server([{ number: 9, title: 'Add done.txt', labels: ['rig'] }]);
    const d = delivery('issues', payload('issues', 'labeled', { number: 9, label: 'rig' }));
    await s.intake().handle(d.raw, d.headers);
    // The worker started the task, and died before writing that down.
    const { task, done } = await s.h.engine.start({ owner: 'acme', repo: 'shop', number: 9 });
    s.agent.open();
    await done;

    const restarted = s.intake();
    await restarted.start();
    await restarted.idle();
    expect(await s.records()).toEqual([expect.objectContaining({ state: 'done', taskId: task.id, reason: expect.stringContaining('already started') })]);
    expect(await s.tasks()).toHaveLength(1);
    expect(s.h.github.pullRequests('acme/shop')).toHaveLength(1);
  });

  it('loses nothing when the process that acknowledged a delivery is killed with SIGKILL', async () => {
    const s = await server([{ number: 10, title: 'Add done.txt', labels: ['rig'] }]);
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', INTAKE_CHILD, path.resolve(__dirname, '../..'), s.h.repo.work, s.h.github.url, SECRET, YAML], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    open.push({ close: async () => void child.kill('SIGKILL') });
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        const m = /listening (\d+)/.exec(chunk.toString());
        if (m) resolve(Number(m[1]));
      });
      child.once('exit', (code) => reject(new Error(`intake child exited with ${code}`)));
    });
    const d = delivery('issues', payload('issues', 'labeled', { number: 10, label: 'rig' }));
    const res = await fetch(`http://127.0.0.1:${port}/webhook`, { method: 'POST', headers: d.headers, body: d.raw });
    expect(res.status).toBe(202);
    child.kill('SIGKILL');
    expect(await exited).toBe(null);

    const records = await s.records();
    expect(records).toEqual([expect.objectContaining({ id: d.id, state: 'pending' })]);
    const restarted = s.intake();
    await restarted.start();
    s.agent.open();
    const [task] = await finished(s);
    await restarted.idle();
    expect(await s.records()).toEqual([expect.objectContaining({ id: d.id, state: 'done', taskId: task!.id })]);
    expect(s.h.github.pullRequests('acme/shop')).toHaveLength(1);
  });
});

// A whole intake in its own process behind node:http. Its engine never finishes starting a task,
// as a server killed mid-work would not: all that survives it is what it wrote to disk.
const INTAKE_CHILD = `
const [root, cwd, apiUrl, secret, yaml] = process.argv.slice(1);
const load = async (rel) => { const m = await import(root + '/' + rel); return m.default ?? m; };
const { createServer } = await import('node:http');
const { Workspace } = await load('src/runtime/workspace.ts');
const { loadConfig } = await load('src/core/config/load.ts');
const { createWebhookIntake } = await load('src/server/webhook/intake.ts');
const workspace = await Workspace.open({ cwd, env: { GITHUB_API_URL: apiUrl } });
const engine = { config: loadConfig(yaml, { env: {} }).config, tasksForIssue: async () => [], start: () => new Promise(() => {}) };
const intake = createWebhookIntake({ projects: [{ name: 'shop', repo: { owner: 'acme', repo: 'shop' }, workspace, engine }], secret });
await intake.start();
const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    const reply = await intake.handle(Buffer.concat(chunks), req.headers);
    res.writeHead(reply.status, reply.headers).end(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body));
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write('listening ' + server.address().port + '\\n'));
`;
