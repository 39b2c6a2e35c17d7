// A loopback stand-in for `rig web`: the built dashboard from dist/webview plus the REST API and
// SSE stream it calls, backed by fixture tasks instead of engines. Every body is built by the
// server's own JSON functions (task-json.ts, doraJson, toProposalJson), so the page meets the
// shapes the real server sends. It also keeps the server's rules the page must live with: a
// strict CSP, the API key (Bearer, or ?api_key= for SSE only), JSON bodies on POST.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { toProposalJson } from '../../src/cli/render';
import { computeDora } from '../../src/core/dora';
import { PHASES, type LogEntry, type Task } from '../../src/core/model';
import { doraJson } from '../../src/server/api/routes';
import { logEntryJson, taskDetailJson, taskSummaryJson } from '../../src/server/api/task-json';

export const PAGE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export interface RecordedRequest {
  method: string;
  path: string;
  query: string;
  authorization?: string;
  contentType?: string;
  body?: unknown;
}

export interface FakeRigWeb {
  url: string;
  requests: RecordedRequest[];
  tasks: Map<string, Task>;
  /** Stores an engine event and pushes it to every open /api/events stream, as the server does. */
  emit(event: { type: 'task.updated'; task: Task } | { type: 'log.line'; taskId: string; entry: LogEntry }): void;
  /** What the server sends a client that missed events it can no longer replay. */
  resync(reason: string): void;
  /** Open SSE streams, to wait for the page to be listening before emitting. */
  streams(): number;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

export async function startFakeRigWeb(opts: {
  staticDirs: string[];
  tasks: Task[];
  projects: Array<{ name: string; repo: string }>;
  logs?: Record<string, LogEntry[]>;
  apiKey?: string;
}): Promise<FakeRigWeb> {
  const tasks = new Map(opts.tasks.map((t) => [t.id, structuredClone(t)]));
  const logs = new Map<string, LogEntry[]>(Object.entries(structuredClone(opts.logs ?? {})));
  const requests: RecordedRequest[] = [];
  const streams = new Set<ServerResponse>();
  let created = 0;
  let eventSeq = 0;

  const projectOf = (t: Task) => opts.projects.find((p) => p.repo === `${t.issue.owner}/${t.issue.repo}`)?.name ?? opts.projects[0]!.name;
  const detail = (t: Task) => taskDetailJson(projectOf(t), t);
  const pendingProposals = (t: Task) =>
    t.status === 'awaiting_approval' ? t.proposals.filter((p) => p.status === 'pending').map((p) => ({ ...toProposalJson(t, p), project: projectOf(t) })) : [];

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(JSON.stringify(body));
  };

  const send = (name: string, data: unknown) => {
    const frame = `id: e-${++eventSeq}\nevent: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const s of streams) s.write(frame);
  };

  const publish = (task: Task) => {
    tasks.set(task.id, task);
    send('task.updated', { project: projectOf(task), task: detail(task) });
  };

  const update = (task: Task) => publish({ ...task, updatedAt: new Date().toISOString() });

  const serveStatic = (urlPath: string, res: ServerResponse) => {
    const rel = urlPath === '/' ? 'index.html' : decodeURIComponent(urlPath.slice(1));
    if (rel.includes('..') || path.isAbsolute(rel)) return json(res, 404, { error: 'not found' });
    for (const dir of opts.staticDirs) {
      try {
        const body = readFileSync(path.join(dir, rel));
        res.writeHead(200, {
          'Content-Type': TYPES[path.extname(rel)] ?? 'application/octet-stream',
          'Content-Security-Policy': PAGE_CSP,
          'X-Content-Type-Options': 'nosniff',
          'Cache-Control': 'no-store',
        });
        return res.end(body);
      } catch {
        // try the next directory
      }
    }
    return json(res, 404, { error: 'not found' });
  };

  const authorized = (req: IncomingMessage, url: URL) => {
    if (!opts.apiKey) return true;
    if (req.headers.authorization === `Bearer ${opts.apiKey}`) return true;
    return url.pathname === '/api/events' && url.searchParams.get('api_key') === opts.apiKey;
  };

  const readJson = async (req: IncomingMessage): Promise<unknown> => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    return text ? JSON.parse(text) : undefined;
  };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!url.pathname.startsWith('/api/')) return serveStatic(url.pathname, res);

    const method = req.method ?? 'GET';
    let body: unknown;
    if (method === 'POST') {
      // Cross-site forms cannot send JSON: requiring it keeps the API out of reach of CSRF.
      if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return json(res, 415, { error: 'expected application/json' });
      try {
        body = await readJson(req);
      } catch {
        return json(res, 400, { error: 'invalid JSON' });
      }
    }
    requests.push({ method, path: url.pathname, query: url.search, authorization: req.headers.authorization, contentType: req.headers['content-type'], body });
    if (!authorized(req, url)) return json(res, 401, { error: 'unauthorized' });

    const parts = url.pathname.split('/').slice(2).map(decodeURIComponent);
    const route = `${method} /${parts[0] ?? ''}`;
    const task = parts[1] ? tasks.get(parts[1]) : undefined;

    if (route === 'GET /events' && parts.length === 1) {
      res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, no-transform', Connection: 'keep-alive' });
      res.write('retry: 3000\n\n');
      streams.add(res);
      req.on('close', () => streams.delete(res));
      return;
    }
    if (route === 'GET /tasks' && parts.length === 1) {
      const rows = [...tasks.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
      return json(res, 200, { tasks: rows.map((t) => taskSummaryJson(projectOf(t), t)) });
    }
    if (route === 'GET /tasks' && parts.length === 2) return task ? json(res, 200, { task: detail(task) }) : json(res, 404, { error: `no task "${parts[1]}"` });
    if (route === 'GET /tasks' && parts.length === 3 && parts[2] === 'logs') {
      if (!task) return json(res, 404, { error: `no task "${parts[1]}"` });
      const after = Number(url.searchParams.get('after') ?? 0);
      const entries = (logs.get(task.id) ?? []).filter((e) => e.seq > after);
      return json(res, 200, { task_id: task.id, project: projectOf(task), entries: entries.map(logEntryJson) });
    }
    if (route === 'POST /tasks' && parts.length === 1) {
      const b = (body ?? {}) as { issue_url?: unknown; project?: unknown };
      const m = typeof b.issue_url === 'string' ? /^https:\/\/github\.com\/([^/]+)\/([^/]+)\/issues\/(\d+)$/.exec(b.issue_url) : null;
      if (!m) return json(res, 400, { error: 'issue_url: not a GitHub issue URL' });
      const project = typeof b.project === 'string' ? opts.projects.find((p) => p.name === b.project) : opts.projects.find((p) => p.repo === `${m[1]}/${m[2]}`);
      if (!project) return json(res, 404, { error: `no project handles ${m[1]}/${m[2]}` });
      if (`${m[1]}/${m[2]}` !== project.repo) return json(res, 400, { error: `the issue is in ${m[1]}/${m[2]}, but project "${project.name}" is ${project.repo}` });
      const now = new Date().toISOString();
      const number = Number(m[3]);
      const t: Task = {
        id: `t260707-${number}-f${String(++created).padStart(3, '0')}`,
        schema: 1,
        issue: { owner: m[1]!, repo: m[2]!, number, title: `Issue ${number}`, body: '', labels: [], author: 'dana', url: b.issue_url as string, comments: [] },
        status: 'queued',
        createdAt: now,
        updatedAt: now,
        branch: `rig/issue-${number}`,
        baseBranch: 'main',
        attempts: [],
        pipeline: [],
        proposals: [],
        usage: { calls: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0 },
        steps: ['code', 'deploy', 'test', 'report'],
        resumes: 0,
      };
      tasks.set(t.id, t);
      res.setHeader('Location', `/api/tasks/${encodeURIComponent(t.id)}`);
      json(res, 201, { task: detail(t) });
      publish(t);
      return;
    }
    if (method === 'POST' && parts[0] === 'tasks' && parts.length === 3 && (parts[2] === 'retry' || parts[2] === 'cancel')) {
      if (!task) return json(res, 404, { error: `no task "${parts[1]}"` });
      update({ ...task, status: parts[2] === 'cancel' ? 'cancelled' : 'queued' });
      return json(res, 202, { task: detail(tasks.get(task.id)!) });
    }
    if (route === 'GET /projects') {
      const all = [...tasks.values()];
      const projects = opts.projects.map((p) => {
        const counts: Record<string, number> = {};
        for (const t of all.filter((t) => projectOf(t) === p.name)) counts[t.status] = (counts[t.status] ?? 0) + 1;
        return { name: p.name, repo: p.repo, base_branch: 'main', tasks: Object.fromEntries(PHASES.filter((s) => counts[s]).map((s) => [s, counts[s]])) };
      });
      return json(res, 200, { projects });
    }
    if (route === 'GET /proposals') {
      if (parts.length === 1) return json(res, 200, { proposals: [...tasks.values()].flatMap(pendingProposals) });
      return task ? json(res, 200, { proposals: pendingProposals(task) }) : json(res, 404, { error: `no task "${parts[1]}"` });
    }
    if ((route === 'POST /approve' || route === 'POST /reject') && parts.length === 2) {
      if (!task) return json(res, 404, { error: `no task "${parts[1]}"` });
      const proposal = task.proposals.find((p) => p.status === 'pending');
      if (task.status !== 'awaiting_approval' || !proposal) return json(res, 409, { error: `task ${task.id} is ${task.status}, not awaiting approval` });
      const approve = parts[0] === 'approve';
      const now = new Date().toISOString();
      const decided = { ...proposal, status: approve ? ('approved' as const) : ('rejected' as const), decidedAt: now, decidedBy: 'api' };
      update({
        ...task,
        status: approve ? 'deploying' : 'failed',
        ...(approve ? {} : { statusReason: 'the infrastructure proposal was rejected', finishedAt: now }),
        proposals: task.proposals.map((p) => (p.id === proposal.id ? decided : p)),
      });
      return json(res, 200, { task: detail(tasks.get(task.id)!), decision: approve ? 'approved' : 'rejected' });
    }
    if (route === 'GET /metrics' && parts[1] === 'dora' && parts.length === 2) {
      return json(res, 200, doraJson(computeDora([...tasks.values()], { now: new Date() }), null));
    }
    return json(res, 404, { error: 'not found' });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    tasks,
    emit(event) {
      if (event.type === 'task.updated') return publish(event.task);
      logs.set(event.taskId, [...(logs.get(event.taskId) ?? []), event.entry]);
      const t = tasks.get(event.taskId);
      send('log.line', { project: t ? projectOf(t) : opts.projects[0]!.name, task_id: event.taskId, entry: logEntryJson(event.entry) });
    },
    resync(reason) {
      send('resync', { reason });
    },
    streams: () => streams.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of streams) s.end();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
