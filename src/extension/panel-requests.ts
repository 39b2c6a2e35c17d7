import type { RequestHandlers } from '../../webview-ui/src/protocol';
import { proposalSummaryOf, summaryOf } from '../../webview-ui/src/protocol';
import { computeDora } from '../core/dora';
import type { Workspace } from '../runtime/workspace';
import type { TaskActions } from './task-actions';

/** An error the webview shows as "not found" rather than as a failure of the editor. */
class NotFound extends Error {
  readonly status = 404;
}

/**
 * The extension's answers to the task panel, the same requests the `rig web` server answers.
 * Writes go through TaskActions so the panel obeys Workspace Trust like every other entry point.
 */
export function panelRequests(ws: Workspace, actions: TaskActions, runUrl: (url: string) => Promise<unknown>): RequestHandlers {
  const engine = ws.engine();
  const find = async (id: string) => engine.get(id).catch((err: Error) => Promise.reject(new NotFound(err.message)));
  return {
    'tasks/list': async () => (await ws.store.list()).map(summaryOf),
    'tasks/get': async ({ id }) => find(id),
    'tasks/logs': async ({ id, after }) => ws.store.readLogs((await find(id)).id, after ?? 0),
    'tasks/create': async ({ issue_url }) => runUrl(issue_url),
    'tasks/retry': async ({ id }) => actions.retry(id),
    'tasks/cancel': async ({ id }) => actions.cancel(id),
    'projects/list': async () => {
      const config = ws.config;
      if (config?.projects?.length) return config.projects.map((p) => ({ name: p.name, repo: p.repo }));
      return config?.source ? [{ name: config.project?.name ?? config.source.repo, repo: config.source.repo }] : [];
    },
    'proposals/list': async ({ taskId }) => {
      const tasks = taskId ? [await find(taskId)] : await ws.store.list();
      return tasks.flatMap((t) => t.proposals.filter((p) => p.status === 'pending').map((p) => proposalSummaryOf(t, p)));
    },
    'proposals/approve': async ({ taskId }) => actions.approve(taskId),
    'proposals/reject': async ({ taskId }) => actions.reject(taskId),
    'metrics/dora': async () => computeDora(await ws.store.list(), { now: new Date() }),
  };
}
