import { spawn } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync, promises as fs, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Workspace } from '../../src/runtime/workspace';
import type { DeliveryRecord } from '../../src/server/webhook/delivery-store';
import { createWebhookIntake } from '../../src/server/webhook/intake';
import { waitFor } from '../helpers/cli-harness';
import { engineHarness, scriptedAgent, writeIn, type EngineHarness } from '../helpers/engine-harness';

const SECRET = 'load-test-secret-000000000000';
const YAML = `
ai: { provider: anthropic }
workflow:
  steps: [code, report]
  trigger:
    - { event: issues.labeled, labels: [rig] }
    - { event: issue_comment.created, keyword: "[rig]" }
`;
const UNIQUE = 2000;
const REDELIVERED = 200;
const CONCURRENCY = 32;
const ISSUES = [1, 2, 3, 4, 5];

const require = createRequire(import.meta.url);
const EXAMPLES = require('@octokit/webhooks-examples/api.github.com/index.json') as Array<{ name: string; examples: Array<Record<string, any>> }>;
const example = (event: string, action: string) => structuredClone(EXAMPLES.find((d) => d.name === event)!.examples.find((e) => e.action === action)!);

/** Delivery i: a label trigger, a comment trigger, or one of two kinds of event no trigger wants. */
function deliveryBody(i: number): { event: string; body: Record<string, any>; trigger: boolean } {
  const number = ISSUES[i % ISSUES.length]!;
  const kind = Math.floor(i / ISSUES.length) % 4;
  const event = kind === 1 ? 'issue_comment' : 'issues';
  const body = example(event, ['labeled', 'created', 'edited', 'unlabeled'][kind]!);
  body.repository.full_name = 'acme/shop';
  body.issue.number = number;
  body.issue.labels = [{ name: 'rig' }];
  body.sender.login = 'acme';
  if (kind === 0 || kind === 3) body.label = { name: 'rig' };
  if (kind === 1) Object.assign(body.comment, { body: `[rig] nudge ${i}`, user: { ...body.comment.user, login: 'acme' } });
  return { event, body, trigger: kind < 2 };
}

// Runs in its own process: fires the deliveries at the server with bounded concurrency over
// keep-alive connections and reports, for each, the status, the answer and the time to the answer.
const SENDER = `
const http = require('node:http');
const fs = require('node:fs');
const [file, port, concurrency] = process.argv.slice(1);
const deliveries = JSON.parse(fs.readFileSync(file, 'utf8'));
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(concurrency) });
const results = new Array(deliveries.length);
let next = 0;
function send(d) {
  return new Promise((resolve) => {
    const started = performance.now();
    const req = http.request({ host: '127.0.0.1', port: Number(port), path: '/webhook', method: 'POST', agent, headers: d.headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode, body: text, ms: performance.now() - started }));
    });
    req.on('error', (err) => resolve({ status: 0, body: String(err), ms: performance.now() - started }));
    req.end(d.body);
  });
}
async function worker() {
  while (next < deliveries.length) {
    const i = next++;
    results[i] = await send(deliveries[i]);
  }
}
Promise.all(Array.from({ length: Number(concurrency) }, worker)).then(() => {
  agent.destroy();
  process.stdout.write(JSON.stringify(results));
});
`;

let h: EngineHarness | undefined;
let http: Server | undefined;
afterAll(async () => {
  http?.closeAllConnections();
  await new Promise((r) => (http ? http.close(r) : r(null)));
  await h?.close();
});

describe('webhook intake under a burst', () => {
  it('acknowledges and keeps every one of 2,000 deliveries sent from another process while a task runs, and runs each issue once', async () => {
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    let runs = 0;
    const ai = scriptedAgent({
      edit: async (wt) => {
        runs++;
        await gate;
        return writeIn(wt, 'done.txt', 'ok\n');
      },
    });
    h = await engineHarness({ files: { 'a.txt': 'a\n' }, rigYaml: YAML, issues: ISSUES.map((n) => ({ number: n, title: `Issue ${n}`, labels: ['rig'] })), ai });
    const workspace = await Workspace.open({ cwd: h.repo.work, env: { GITHUB_API_URL: h.github.url } });
    const intake = createWebhookIntake({ projects: [{ name: 'shop', repo: { owner: 'acme', repo: 'shop' }, workspace, engine: h.engine }], secret: SECRET });
    await intake.start();

    // The node:http server stands in for the real HTTP layer: it hands the raw body to handle().
    http = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void intake.handle(Buffer.concat(chunks), req.headers).then((reply) => {
          res.writeHead(reply.status, reply.headers).end(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body));
        });
      });
    });
    await new Promise<void>((resolve) => http!.listen(0, '127.0.0.1', resolve));
    const port = (http.address() as AddressInfo).port;

    const signed = (event: string, body: unknown, id = randomUUID()) => {
      const raw = JSON.stringify(body);
      return { id, event, body: raw, headers: { 'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': id, 'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(raw).digest('hex')}` } };
    };

    // Issue #1 is being run when the burst begins.
    const opening = deliveryBody(0);
    expect((await intake.handle(Buffer.from(signed(opening.event, opening.body).body), signed(opening.event, opening.body).headers)).status).toBe(202);
    await waitFor(async () => runs > 0, 'the first run to reach the agent');

    const burst = Array.from({ length: UNIQUE }, (_, i) => ({ ...deliveryBody(i), ...signed(deliveryBody(i).event, deliveryBody(i).body) }));
    // Redeliveries of the first 200, some arriving while their original is still being handled.
    const all = [...burst];
    for (let i = 0; i < REDELIVERED; i++) all.splice(Math.min(all.length, i * 11 + 3), 0, { ...burst[i]!, redelivery: true } as (typeof burst)[number]);
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'rig-load-')), 'deliveries.json');
    writeFileSync(file, JSON.stringify(all.map((d) => ({ headers: d.headers, body: d.body }))));

    const sender = spawn(process.execPath, ['-e', SENDER, file, String(port), String(CONCURRENCY)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    sender.stdout.on('data', (c: Buffer) => (out += c.toString()));
    expect(await new Promise((resolve) => sender.once('exit', resolve))).toBe(0);
    const results = JSON.parse(out) as Array<{ status: number; body: string; ms: number }>;
    expect(results).toHaveLength(UNIQUE + REDELIVERED);

    const latencies = results.map((r) => r.ms).sort((a, b) => a - b);
    const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)]!.toFixed(1);
    console.log(`webhook burst: ${results.length} deliveries, concurrency ${CONCURRENCY}: ack p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms`);

    // Every delivery answered as what it is; each id accepted exactly once.
    const firstAnswer = new Map<string, string>();
    all.forEach((d, i) => {
      const r = results[i]!;
      const answer = `${r.status} ${r.body}`;
      if (!firstAnswer.has(d.id) && r.body !== 'duplicate') firstAnswer.set(d.id, answer);
      else expect(answer, `delivery ${i}`).toBe('200 duplicate');
    });
    expect(firstAnswer.size).toBe(UNIQUE);
    for (const d of burst) expect(firstAnswer.get(d.id), d.id).toMatch(d.trigger ? /^202 accepted$/ : /^200 ignored: no trigger matches issues\.(edited|unlabeled)$/);
    expect(results.filter((r) => r.body === 'duplicate')).toHaveLength(REDELIVERED);

    // All 2,000 on disk (plus the opening one), complete, and nothing half-written left behind.
    const names = await fs.readdir(intake.dir);
    expect(names.filter((n) => n.endsWith('.json') && !n.startsWith('.'))).toHaveLength(UNIQUE + 1);

    await intake.idle();
    openGate();
    const tasks = await waitFor(async () => {
      const list = await h!.engine.list();
      return list.length === ISSUES.length && list.every((t) => t.status === 'completed') && list;
    }, 'a run of each issue to complete', 120_000);
    await intake.idle();
    expect(tasks.map((t) => t.issue.number).sort()).toEqual(ISSUES);
    expect(h.github.pullRequests('acme/shop')).toHaveLength(ISSUES.length);

    const records = await Promise.all(names.filter((n) => n.endsWith('.json')).map(async (n) => JSON.parse(await fs.readFile(path.join(intake.dir, n), 'utf8')) as DeliveryRecord));
    expect(records.filter((r) => r.state === 'pending' || r.state === 'failed')).toEqual([]);
    // Exactly one delivery started each task; those that came before it existed are counted as its own.
    const starters = records.filter((r) => r.state === 'done' && r.reason?.startsWith('started task'));
    expect(starters.map((r) => r.taskId).sort()).toEqual(tasks.map((t) => t.id).sort());
    expect(new Set(records.filter((r) => r.state === 'done').map((r) => r.taskId))).toEqual(new Set(tasks.map((t) => t.id)));
    await intake.stop();
    expect((await fs.readdir(intake.dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  }, 240_000);
});
