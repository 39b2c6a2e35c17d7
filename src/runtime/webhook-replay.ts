// `rig webhook`: a payload saved from GitHub (or written by hand) goes through the same routing,
// trigger and permission rules as a live delivery, without the signature check: the file is the
// user's own. With --dry-run it only says what would happen.
import type { Task } from '../core/model';
import type { Project } from '../server/contracts';
import { TriggerAccess, type AccessVerdict } from '../server/webhook/access';
import { admit, startTask } from '../server/webhook/admission';
import { GITHUB_EVENTS } from '../server/webhook/github-events';
import { eventKey, triage, type TriggerProject } from '../server/webhook/triggers';
import type { Workspace } from './workspace';

export type ReplayResult =
  | { kind: 'ignored'; key: string; reason: string }
  | { kind: 'would_start'; key: string; project: string; issue: string; trigger: string; actor: string; access: AccessVerdict | { unknown: string } }
  | { kind: 'ran'; key: string; task: Task };

export interface ReplayOptions {
  event: string;
  payload: unknown;
  dryRun: boolean;
  /** Logins Rig posts as, whose comments never trigger it. */
  selfLogins?: readonly string[];
  /** Hears of the task once it exists, before the run ends (to follow its log). */
  onTask?: (task: Task) => void;
}

export class ReplayError extends Error {
  override name = 'ReplayError';
}

/** The repository's project as the server would see it, from rig.yaml's source.repo. */
export function workspaceProject(ws: Workspace): Project {
  const config = ws.requireConfig();
  const full = config.source?.repo;
  if (!full) throw new ReplayError('webhook payloads are routed by repository: set source.repo (OWNER/NAME) in rig.yaml');
  const [owner, repo] = full.split('/') as [string, string];
  return {
    name: config.project?.name ?? full,
    repo: { owner, repo },
    workspace: ws,
    get engine() {
      return ws.engine();
    },
  };
}

export async function replayWebhook(ws: Workspace, options: ReplayOptions): Promise<ReplayResult> {
  const { event, payload } = options;
  if (!GITHUB_EVENTS.has(event)) throw new ReplayError(`unknown event "${event}": GitHub sends issues, issue_comment, push, …`);
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) throw new ReplayError('the payload is not a JSON object');
  const key = eventKey(event, payload);
  const project = workspaceProject(ws);
  // Routing reads only the configuration, so a dry run builds no engine.
  const routable: TriggerProject = { name: project.name, repo: project.repo, engine: { config: ws.requireConfig() } };
  const decision = triage([routable], event, payload, { selfLogins: options.selfLogins });
  if (decision.kind === 'invalid') throw new ReplayError(decision.reason);
  if (decision.kind === 'ignored') return { kind: 'ignored', key, reason: decision.reason };

  const config = ws.requireConfig();
  const access = new TriggerAccess(ws.codeHost(), { allowUsers: config.server?.allow_users ?? [] });
  const issue = `${decision.issue.owner}/${decision.issue.repo}#${decision.issue.number}`;
  if (options.dryRun) {
    const verdict = await access.check(decision.issue, decision.actor).catch((err: unknown) => ({ unknown: ws.redact((err as Error).message) }));
    if ('allowed' in verdict && !verdict.allowed) return { kind: 'ignored', key, reason: verdict.reason };
    return { kind: 'would_start', key, project: project.name, issue, trigger: decision.trigger, actor: decision.actor, access: verdict };
  }

  const engine = project.engine;
  const admission = await admit(engine, access, decision, new Date().toISOString());
  if (admission.kind === 'ignored') return { kind: 'ignored', key, reason: admission.reason };
  if (admission.kind === 'covered') return { kind: 'ignored', key, reason: `task ${admission.task.id} already covers this trigger` };
  const started = await startTask(engine, decision.issue);
  if ('conflict' in started) return { kind: 'ignored', key, reason: started.conflict };
  options.onTask?.(started.task);
  return { kind: 'ran', key, task: await started.done };
}

export function describeReplay(result: ReplayResult): string {
  switch (result.kind) {
    case 'ignored':
      return `${result.key}: ignored: ${result.reason}`;
    case 'would_start': {
      const who = 'unknown' in result.access ? `permission not checked (${result.access.unknown})` : result.access.allowed ? result.access.because : result.access.reason;
      return [
        'DRY RUN — nothing was started or written.',
        `${result.key} for ${result.issue} (project ${result.project})`,
        `trigger: ${result.trigger}`,
        `by: ${result.actor} — ${who}`,
        `would start a task for ${result.issue}, unless a task of that issue is already running (rig status --issue ${result.issue.split('#')[1]})`,
      ].join('\n');
    }
    case 'ran':
      return `${result.key}: ran task ${result.task.id}`;
  }
}
