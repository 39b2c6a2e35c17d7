import { z } from 'zod';
import type { RigConfig } from '../../core/config/schema';
import type { IssueRef } from '../../core/model';
import type { Project } from '../contracts';
import { TRIGGER_EVENTS } from './github-events';

type Trigger = RigConfig['workflow']['trigger'][number];

/** What routing and matching read of a Project; the rest of it is the caller's business. */
export type TriggerProject = Pick<Project, 'name' | 'repo'> & { engine: { config: Pick<RigConfig, 'workflow'> } };

export type Triage<P extends TriggerProject> =
  /** The payload does not have the shape GitHub gives this event: the sender's mistake. */
  | { kind: 'invalid'; reason: string }
  | { kind: 'ignored'; reason: string }
  | { kind: 'trigger'; project: P; issue: IssueRef; actor: string; trigger: string };

export interface TriggerOptions {
  /** Logins Rig posts as: their comments never trigger, whatever they say. */
  selfLogins?: readonly string[];
}

// Only the fields Rig reads. GitHub omits some of them in some actions (a pinned issue's payload
// has no labels or state), so anything not needed to decide is optional.
const user = z.looseObject({ login: z.string().min(1), type: z.string().optional() });
const label = z.looseObject({ name: z.string() });
const issuesPayload = z.looseObject({
  action: z.string().min(1),
  issue: z.looseObject({
    number: z.number().int().positive(),
    state: z.string().optional(),
    labels: z.array(label).optional(),
    pull_request: z.unknown().optional(),
  }),
  label: label.optional(),
  sender: user,
  repository: z.looseObject({ full_name: z.string().regex(/^[^/\s]+\/[^/\s]+$/) }),
});
const commentPayload = issuesPayload.extend({
  comment: z.looseObject({ body: z.string().nullable(), user }),
});

type IssuesPayload = z.infer<typeof issuesPayload>;
type CommentPayload = z.infer<typeof commentPayload>;

/** `issues.labeled`, or the bare event name for events without an action (push). */
export function eventKey(event: string, payload: unknown): string {
  const action = payload !== null && typeof payload === 'object' ? (payload as { action?: unknown }).action : undefined;
  return typeof action === 'string' && action ? `${event}.${action}` : event;
}

/**
 * Decides what one delivery asks for: which project it concerns, which trigger it fires, for
 * which issue and on whose behalf. Pure: no network, no disk, so the intake can answer with the
 * decision and the replay command can show it without doing anything.
 */
export function triage<P extends TriggerProject>(projects: readonly P[], event: string, payload: unknown, opts: TriggerOptions = {}): Triage<P> {
  const key = eventKey(event, payload);
  if (!TRIGGER_EVENTS.has(event)) return { kind: 'ignored', reason: `no trigger matches ${key}` };
  const parsed = (event === 'issue_comment' ? commentPayload : issuesPayload).safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { kind: 'invalid', reason: `payload is not a GitHub ${event} event: ${issue.path.join('.') || 'body'} ${issue.message.toLowerCase()}` };
  }
  const data = parsed.data;
  const fullName = data.repository.full_name;
  const project = projects.find((p) => `${p.repo.owner}/${p.repo.repo}`.toLowerCase() === fullName.toLowerCase());
  if (!project) return { kind: 'ignored', reason: `no project for repository ${fullName}` };

  const triggers = project.engine.config.workflow.trigger.filter((t) => t.event === key);
  if (!triggers.length) return { kind: 'ignored', reason: `no trigger matches ${key}` };
  let firstMiss: string | undefined;
  for (const trigger of triggers) {
    const miss = event === 'issue_comment' ? commentMiss(trigger, data as CommentPayload, opts) : issuesMiss(trigger, data);
    if (!miss) {
      const actor = event === 'issue_comment' ? (data as CommentPayload).comment.user.login : data.sender.login;
      return { kind: 'trigger', project, issue: { ...project.repo, number: data.issue.number }, actor, trigger: describeTrigger(trigger) };
    }
    firstMiss ??= miss;
  }
  return { kind: 'ignored', reason: `no trigger matches ${key}: ${firstMiss}` };
}

export function describeTrigger(t: Trigger): string {
  const conditions = [t.labels?.length ? `labels ${t.labels.join(', ')}` : '', t.keyword ? `keyword ${JSON.stringify(t.keyword)}` : ''].filter(Boolean);
  return conditions.length ? `${t.event} (${conditions.join('; ')})` : t.event;
}

/** Why an issues event does not fire `trigger`; undefined when it does. */
function issuesMiss(trigger: Trigger, data: IssuesPayload): string | undefined {
  const number = data.issue.number;
  if (data.issue.state === 'closed') return `issue #${number} is closed`;
  if (!trigger.labels?.length) return undefined;
  if (trigger.event === 'issues.labeled') {
    const added = data.label?.name;
    if (added === undefined) return 'the payload names no added label';
    return oneOf(added, trigger.labels) ? undefined : `label ${JSON.stringify(added)} is not one of ${trigger.labels.join(', ')}`;
  }
  return carriesOneOf(data, trigger.labels) ? undefined : `issue #${number} carries none of the labels ${trigger.labels.join(', ')}`;
}

/** Why a comment does not fire `trigger`; undefined when it does. */
function commentMiss(trigger: Trigger, data: CommentPayload, opts: TriggerOptions): string | undefined {
  const number = data.issue.number;
  const author = data.comment.user;
  // GitHub sends comments on pull requests as issue_comment too; Rig works from issues.
  if (data.issue.pull_request !== undefined && data.issue.pull_request !== null) return `#${number} is a pull request, not an issue`;
  if (data.issue.state === 'closed') return `issue #${number} is closed`;
  if (author.type === 'Bot' || author.login.toLowerCase().endsWith('[bot]')) return `the comment is by the bot ${author.login}`;
  if (opts.selfLogins?.some((self) => self.toLowerCase() === author.login.toLowerCase())) return `the comment is Rig's own (${author.login})`;
  const keyword = trigger.keyword ?? '';
  if (!(data.comment.body ?? '').toLowerCase().includes(keyword.toLowerCase())) return `the comment does not contain ${JSON.stringify(keyword)}`;
  if (trigger.labels?.length && !carriesOneOf(data, trigger.labels)) return `issue #${number} carries none of the labels ${trigger.labels.join(', ')}`;
  return undefined;
}

// GitHub label names are unique regardless of case, so "Rig" and "rig" are one label.
const oneOf = (name: string, wanted: readonly string[]) => wanted.some((w) => w.toLowerCase() === name.toLowerCase());
const carriesOneOf = (data: IssuesPayload, wanted: readonly string[]) => (data.issue.labels ?? []).some((l) => oneOf(l.name, wanted));
