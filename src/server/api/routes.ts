import { z } from 'zod';
import { computeDora, type DoraMetrics } from '../../core/dora';
import { PHASES } from '../../core/model';
import { toProposalJson } from '../../cli/render';
import { HttpError } from '../http/errors';
import { Router } from '../http/router';
import type { EventHub } from './event-hub';
import type { ProjectRegistry } from './projects';
import { publicConfig } from './public-config';
import type { TaskActions } from './task-actions';
import { logEntryJson, taskDetailJson, taskSummaryJson } from './task-json';

const createTaskBody = z.strictObject({
  issue_url: z.string().min(1).max(2048),
  project: z.string().min(1).max(200).optional(),
});

function parseBody<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new HttpError(400, parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
}

function optionalParam(url: URL, name: string): string | undefined {
  const v = url.searchParams.get(name);
  return v === null || v === '' ? undefined : v;
}

export function doraJson(m: DoraMetrics, project: string | null) {
  return {
    project,
    window_days: m.windowDays,
    from: m.from,
    to: m.to,
    deployments: m.deployments,
    deploy_frequency: m.deploymentsPerDay,
    lead_time_ms: m.leadTime.medianMs,
    lead_time_mean_ms: m.leadTime.meanMs,
    lead_time_samples: m.leadTime.samples,
    mttr_ms: m.timeToRestore.medianMs,
    mttr_mean_ms: m.timeToRestore.meanMs,
    incidents: m.timeToRestore.samples,
    open_incidents: m.timeToRestore.openIncidents,
    change_failure_rate: m.changeFailure.percent,
    failed_deployments: m.changeFailure.failed,
    deployments_with_outcome: m.changeFailure.decided,
  };
}

/** The REST endpoints of the seed's table (ChatOps and the webhook are mounted by the server). */
export function apiRoutes(deps: { registry: ProjectRegistry; actions: TaskActions; hub: EventHub; now: () => number }): Router {
  const { registry, actions, hub } = deps;
  const router = new Router();

  router.add('GET', '/api/tasks', async ({ url }) => {
    const tasks = await registry.tasks(optionalParam(url, 'project'));
    return { status: 200, body: { tasks: tasks.map(({ project, task }) => taskSummaryJson(project.name, task)) } };
  });

  router.add('POST', '/api/tasks', async (ctx) => {
    const body = parseBody(createTaskBody, await ctx.json());
    const { project, task } = await actions.create(body.issue_url, body.project);
    return { status: 201, headers: { Location: `/api/tasks/${encodeURIComponent(task.id)}` }, body: { task: taskDetailJson(project.name, task) } };
  });

  router.add('GET', '/api/tasks/:id', async ({ params }) => {
    const { project, task } = await registry.findTask(params.id!);
    return { status: 200, body: { task: taskDetailJson(project.name, task) } };
  });

  router.add('GET', '/api/tasks/:id/logs', async ({ params, url }) => {
    const { project, task } = await registry.findTask(params.id!);
    const after = Number(optionalParam(url, 'after') ?? 0);
    if (!Number.isInteger(after) || after < 0) throw new HttpError(400, 'after must be a log sequence number');
    const entries = await project.engine.store.readLogs(task.id, after);
    return { status: 200, body: { task_id: task.id, project: project.name, entries: entries.map(logEntryJson) } };
  });

  router.add('POST', '/api/tasks/:id/retry', async (ctx) => {
    await ctx.json();
    const { project, task, done } = await actions.retry(ctx.params.id!);
    return { status: 202, body: { task: taskDetailJson(project.name, task), started: done } };
  });

  router.add('POST', '/api/tasks/:id/cancel', async (ctx) => {
    await ctx.json();
    const { project, task, done } = await actions.cancel(ctx.params.id!);
    return done
      ? { status: 200, body: { task: taskDetailJson(project.name, task) } }
      : { status: 202, body: { task: taskDetailJson(project.name, task), message: 'cancel requested; the process running the task stops it' } };
  });

  for (const verdict of ['approve', 'reject'] as const) {
    router.add('POST', `/api/${verdict}/:taskId`, async (ctx) => {
      await ctx.json();
      const { project, task, done } = await actions.decide(ctx.params.taskId!, verdict === 'approve', 'api');
      const body = { task: taskDetailJson(project.name, task), decision: verdict === 'approve' ? 'approved' : 'rejected' };
      return done ? { status: 200, body } : { status: 202, body: { ...body, message: 'decision recorded; the process running the task applies it' } };
    });
  }

  router.add('GET', '/api/projects', async () => {
    const projects = await Promise.all(
      registry.projects.map(async (p) => {
        const counts: Record<string, number> = {};
        for (const t of await p.engine.list()) counts[t.status] = (counts[t.status] ?? 0) + 1;
        return {
          name: p.name,
          repo: `${p.repo.owner}/${p.repo.repo}`,
          base_branch: p.engine.config.source?.base_branch ?? 'main',
          tasks: Object.fromEntries(PHASES.filter((s) => counts[s]).map((s) => [s, counts[s]])),
        };
      }),
    );
    return { status: 200, body: { projects } };
  });

  router.add('GET', '/api/proposals', async ({ url }) => {
    const tasks = await registry.tasks(optionalParam(url, 'project'));
    const proposals = tasks.flatMap(({ project, task }) =>
      task.status === 'awaiting_approval' ? task.proposals.filter((p) => p.status === 'pending').map((p) => ({ ...toProposalJson(task, p), project: project.name })) : [],
    );
    return { status: 200, body: { proposals } };
  });

  router.add('GET', '/api/proposals/:taskId', async ({ params }) => {
    const { project, task } = await registry.findTask(params.taskId!);
    const pending = task.status === 'awaiting_approval' ? task.proposals.filter((p) => p.status === 'pending') : [];
    return { status: 200, body: { proposals: pending.map((p) => ({ ...toProposalJson(task, p), project: project.name })) } };
  });

  router.add('GET', '/api/config', async () => ({
    status: 200,
    body: {
      projects: registry.projects.map((p) => ({ name: p.name, repo: `${p.repo.owner}/${p.repo.repo}`, ...publicConfig(p.engine.config) })),
    },
  }));

  router.add('GET', '/api/metrics/dora', async ({ url }) => {
    const project = optionalParam(url, 'project');
    const tasks = (await registry.tasks(project)).map((t) => t.task);
    return { status: 200, body: doraJson(computeDora(tasks, { now: new Date(deps.now()) }), project ?? null) };
  });

  router.add('GET', '/api/events', async ({ req, res, url }) => {
    // HEAD would leave a stream open with nothing ever written to it.
    if (req.method !== 'GET') throw new HttpError(405, 'the event stream is read with GET', { Allow: 'GET' });
    const project = optionalParam(url, 'project');
    if (project !== undefined) registry.byName(project);
    const taskId = optionalParam(url, 'task');
    hub.attach(req, res, { project, taskId });
  });

  return router;
}
