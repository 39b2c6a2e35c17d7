// The one message map between the UI and whatever hosts it (the `rig web` server over HTTP, the
// VS Code extension over postMessage). Both sides import this file, and each validates what it
// receives with these schemas: a host must not trust a webview's message, and the UI must not
// render a reply it has not checked.
//
// The schemas are typed against the model so they cannot drift from it silently: if `Task`
// gains a required field, this file stops compiling. Objects are loose so fields this UI does
// not know yet survive validation instead of being stripped.
// zod/mini: the same validators as zod's classic API at a sixth of the bundle size, which counts
// in a webview that is loaded each time a panel opens.
import * as z from 'zod/mini';
import type { DoraMetrics } from '../../src/core/dora';
import {
  PHASES,
  type AiCallRecord,
  type Attempt,
  type CommandOutcome,
  type DeployOutcome,
  type Issue,
  type LogEntry,
  type PipelineStep,
  type Plan,
  type Proposal,
  type ProposalFile,
  type PullRequest,
  type Task,
  type TestOutcome,
  type Usage,
} from '../../src/core/model';
import { toProposalJson, toStatusJson } from '../../src/cli/render';

/**
 * One row of the board: what `rig status --json` prints, plus the project name when the host
 * serves several repositories.
 */
export type TaskSummary = ReturnType<typeof toStatusJson> & { project?: string };
/** A pending decision as `rig proposals --json` prints it. */
export type ProposalSummary = ReturnType<typeof toProposalJson> & { project?: string };

/**
 * The part of a stored `Task` the task view draws. A `Task` is one (the editor sends it as it
 * is); the server's detail JSON is converted to it. Fields a host keeps to itself (worktree path,
 * push lease, issue body) are not part of it.
 */
export type TaskDetail = Pick<
  Task,
  'id' | 'status' | 'statusReason' | 'createdAt' | 'updatedAt' | 'finishedAt' | 'branch' | 'baseBranch' | 'plan' | 'attempts' | 'pipeline' | 'proposals' | 'pr' | 'usage' | 'aiCalls'
> & { issue: Pick<Issue, 'owner' | 'repo' | 'number' | 'title' | 'url'>; project?: string };

export type { DoraMetrics };

const phase = z.enum(PHASES);
const isoTime = z.string().check(z.minLength(1));

const usageSchema: z.ZodMiniType<Usage> = z.looseObject({
  calls: z.number(),
  inputTokens: z.number(),
  outputTokens: z.number(),
  cacheReadTokens: z.number(),
  cacheWriteTokens: z.number(),
  costUsd: z.number(),
});

const aiCallSchema: z.ZodMiniType<AiCallRecord> = z.looseObject({
  at: isoTime,
  purpose: z.enum(['plan', 'code', 'fix', 'proposal', 'explain', 'review']),
  model: z.string(),
  inputTokens: z.number(),
  outputTokens: z.number(),
  cacheReadTokens: z.number(),
  cacheWriteTokens: z.number(),
  costUsd: z.number(),
});

const pullRequestSchema: z.ZodMiniType<PullRequest> = z.looseObject({
  number: z.int(),
  url: z.string(),
  draft: z.optional(z.boolean()),
});

const issueRefSchema: z.ZodMiniType<TaskDetail['issue']> = z.looseObject({
  owner: z.string(),
  repo: z.string(),
  number: z.int(),
  title: z.string(),
  url: z.string(),
});

const pipelineStepSchema: z.ZodMiniType<PipelineStep> = z.looseObject({
  phase,
  attempt: z.int(),
  status: z.enum(['running', 'success', 'failed', 'skipped']),
  startedAt: isoTime,
  endedAt: z.optional(isoTime),
  output: z.optional(z.string()),
  error: z.optional(z.string()),
});

const commandOutcomeSchema: z.ZodMiniType<CommandOutcome> = z.looseObject({
  name: z.string(),
  command: z.string(),
  exitCode: z.nullable(z.int()),
  signal: z.optional(z.nullable(z.string())),
  timedOut: z.boolean(),
  durationMs: z.number(),
  output: z.string(),
});

const deployOutcomeSchema: z.ZodMiniType<DeployOutcome> = z.looseObject({
  success: z.boolean(),
  commands: z.array(commandOutcomeSchema),
});

const testOutcomeSchema: z.ZodMiniType<TestOutcome> = z.looseObject({
  name: z.string(),
  status: z.enum(['passed', 'failed', 'skipped']),
  reason: z.optional(z.string()),
  result: z.optional(commandOutcomeSchema),
});

const attemptSchema: z.ZodMiniType<Attempt> = z.looseObject({
  number: z.int(),
  startedAt: isoTime,
  endedAt: z.optional(isoTime),
  filesChanged: z.array(z.string()),
  commit: z.optional(z.string()),
  diffHash: z.optional(z.string()),
  failureHash: z.optional(z.string()),
  deploy: z.optional(deployOutcomeSchema),
  tests: z.optional(z.array(testOutcomeSchema)),
  outcome: z.optional(z.enum(['passed', 'test_failed', 'deploy_failed', 'policy_blocked', 'aborted'])),
  reason: z.optional(z.string()),
});

const proposalFileSchema: z.ZodMiniType<ProposalFile> = z.looseObject({ path: z.string(), before: z.string(), after: z.string() });

const proposalStatus = z.enum(['pending', 'approved', 'rejected', 'expired', 'withdrawn']);

const proposalSchema: z.ZodMiniType<Proposal> = z.looseObject({
  id: z.string(),
  kind: z.enum(['infra_fix', 'deploy_gate']),
  createdAt: isoTime,
  status: proposalStatus,
  summary: z.string(),
  reason: z.string(),
  files: z.array(proposalFileSchema),
  decidedAt: z.optional(isoTime),
  decidedBy: z.optional(z.string()),
  expiresAt: isoTime,
});

const planSchema: z.ZodMiniType<Plan> = z.looseObject({ summary: z.string(), steps: z.array(z.string()), files: z.array(z.string()) });

export const taskDetailSchema: z.ZodMiniType<TaskDetail> = z.looseObject({
  id: z.string().check(z.minLength(1)),
  issue: issueRefSchema,
  status: phase,
  statusReason: z.optional(z.string()),
  createdAt: isoTime,
  updatedAt: isoTime,
  finishedAt: z.optional(isoTime),
  branch: z.string(),
  baseBranch: z.string(),
  plan: z.optional(planSchema),
  attempts: z.array(attemptSchema),
  pipeline: z.array(pipelineStepSchema),
  proposals: z.array(proposalSchema),
  pr: z.optional(pullRequestSchema),
  usage: usageSchema,
  aiCalls: z.optional(z.array(aiCallSchema)),
  project: z.optional(z.string()),
});

/** The board's row for a task the host sent in full: the same JSON the CLI and the server give. */
export function summaryOf(t: TaskDetail): TaskSummary {
  return { ...toStatusJson(t), ...(t.project ? { project: t.project } : {}) };
}

/** A pending proposal as the board lists it, in the CLI's and the server's JSON. */
export function proposalSummaryOf(t: TaskDetail, p: Proposal): ProposalSummary {
  return { ...toProposalJson(t, p), ...(t.project ? { project: t.project } : {}) };
}

export const taskSummarySchema: z.ZodMiniType<TaskSummary> = z.looseObject({
  id: z.string().check(z.minLength(1)),
  status: phase,
  status_reason: z.nullable(z.string()),
  created_at: isoTime,
  updated_at: isoTime,
  finished_at: z.nullable(isoTime),
  issue: z.looseObject({ owner: z.string(), repo: z.string(), number: z.int(), title: z.string(), url: z.string() }),
  branch: z.string(),
  attempts: z.int(),
  attempt_outcomes: z.array(z.nullable(z.enum(['passed', 'test_failed', 'deploy_failed', 'policy_blocked', 'aborted']))),
  pr: z.nullable(pullRequestSchema),
  usage: usageSchema,
  ai_calls: z.array(aiCallSchema),
  project: z.optional(z.string()),
});

export const proposalSummarySchema: z.ZodMiniType<ProposalSummary> = z.looseObject({
  task_id: z.string(),
  proposal_id: z.string(),
  kind: z.enum(['infra_fix', 'deploy_gate']),
  status: proposalStatus,
  decided_by: z.nullable(z.string()),
  decided_at: z.nullable(isoTime),
  summary: z.string(),
  reason: z.string(),
  created_at: isoTime,
  expires_at: isoTime,
  files: z.array(z.looseObject({ path: z.string(), content: z.string(), before: z.string() })),
  project: z.optional(z.string()),
});

export interface ProjectInfo {
  name: string;
  /** "owner/name", the form rig.yaml uses. */
  repo: string;
}

// A project's repository may arrive as rig.yaml's "owner/name" or as the server's {owner, repo}:
// both mean the same thing, and the UI compares it with a task's issue owner/repo.
export const projectSchema: z.ZodMiniType<ProjectInfo> = z.pipe(
  z.looseObject({
    name: z.string().check(z.minLength(1)),
    repo: z.union([z.string().check(z.minLength(1)), z.looseObject({ owner: z.string(), repo: z.string() })]),
  }),
  z.transform((p) => ({ name: p.name, repo: typeof p.repo === 'string' ? p.repo : `${p.repo.owner}/${p.repo.repo}` })),
);

const durationStats = z.looseObject({ samples: z.int(), medianMs: z.nullable(z.number()), meanMs: z.nullable(z.number()) });

/** The four DORA measures as `computeDora` returns them. */
export const doraSchema: z.ZodMiniType<DoraMetrics> = z.looseObject({
  windowDays: z.number(),
  from: isoTime,
  to: isoTime,
  deployments: z.int(),
  deploymentsPerDay: z.number(),
  leadTime: durationStats,
  timeToRestore: z.looseObject({ samples: z.int(), medianMs: z.nullable(z.number()), meanMs: z.nullable(z.number()), openIncidents: z.int() }),
  changeFailure: z.looseObject({ failed: z.int(), decided: z.int(), percent: z.nullable(z.number()) }),
});

const logEntrySchema: z.ZodMiniType<LogEntry> = z.looseObject({
  seq: z.int(),
  time: isoTime,
  level: z.enum(['debug', 'info', 'warn', 'error']),
  phase: z.optional(phase),
  message: z.string(),
});

const taskId = z.string().check(z.minLength(1), z.maxLength(200));
const noParams = z.strictObject({});
const byTask = z.strictObject({ id: taskId });
// Writes answer with whatever the host finds useful (the task, an id, nothing); the UI relies on
// the events that follow, not on the reply's shape.
const ack = z.unknown();

/** Requests the UI makes: name → params and result schemas. */
export const requests = {
  'tasks/list': { params: noParams, result: z.array(taskSummarySchema) },
  'tasks/get': { params: byTask, result: taskDetailSchema },
  /** The task's log after line `after` (all of it without): what `rig logs` prints. */
  'tasks/logs': { params: z.strictObject({ id: taskId, after: z.optional(z.int().check(z.nonnegative())) }), result: z.array(logEntrySchema) },
  'tasks/create': {
    params: z.strictObject({ issue_url: z.url({ protocol: /^https?$/ }), project: z.optional(z.string().check(z.minLength(1))) }),
    result: ack,
  },
  'tasks/retry': { params: byTask, result: ack },
  'tasks/cancel': { params: byTask, result: ack },
  'projects/list': { params: noParams, result: z.array(projectSchema) },
  'proposals/list': { params: z.strictObject({ taskId: z.optional(taskId) }), result: z.array(proposalSummarySchema) },
  'proposals/approve': { params: z.strictObject({ taskId }), result: ack },
  'proposals/reject': { params: z.strictObject({ taskId }), result: ack },
  'metrics/dora': { params: noParams, result: doraSchema },
} as const satisfies Record<string, { params: z.ZodMiniType; result: z.ZodMiniType }>;

export type RequestName = keyof typeof requests;
/** `Record<name, [params, result]>`: the typed map both sides program against. */
export type ProtocolMap = {
  [K in RequestName]: [z.input<(typeof requests)[K]['params']>, z.output<(typeof requests)[K]['result']>];
};
export type Params<K extends RequestName> = ProtocolMap[K][0];
export type Result<K extends RequestName> = ProtocolMap[K][1];

/** Events the host pushes: the engine's events, as `/api/events` names them. */
export const events = {
  'task.updated': z.looseObject({ task: taskDetailSchema }),
  'log.line': z.looseObject({ taskId, entry: logEntrySchema }),
  /** Events were lost (a restarted server, a long disconnection): reload instead of guessing. */
  resync: z.looseObject({ reason: z.optional(z.string()) }),
} as const;
export type EventName = keyof typeof events;
export type EventData<K extends EventName> = z.output<(typeof events)[K]>;
export type HostEvent = { [K in EventName]: { name: K; data: EventData<K> } }[EventName];

const requestNames = Object.keys(requests) as [RequestName, ...RequestName[]];
const eventNames = Object.keys(events) as [EventName, ...EventName[]];

// Envelopes for postMessage. HTTP needs none: the route is the name and the status is the outcome.

export const webviewMessageSchema = z.object({
  kind: z.literal('request'),
  id: z.int().check(z.nonnegative()),
  method: z.enum(requestNames),
  params: z.unknown(),
});
export type WebviewMessage = z.infer<typeof webviewMessageSchema>;

export const errorSchema = z.object({
  message: z.string(),
  /** HTTP-like code so both transports report failures alike: 401 needs a key, 404 is gone. */
  status: z.optional(z.int()),
});
export type ProtocolError = z.infer<typeof errorSchema>;

export const hostMessageSchema = z.union([
  z.object({ kind: z.literal('response'), id: z.int(), ok: z.literal(true), result: z.unknown() }),
  z.object({ kind: z.literal('response'), id: z.int(), ok: z.literal(false), error: errorSchema }),
  z.object({ kind: z.literal('event'), name: z.enum(eventNames), data: z.unknown() }),
]);
export type HostMessage = z.infer<typeof hostMessageSchema>;

/** Validates a result for `method`; throws a ZodError naming the offending field. */
export function parseResult<K extends RequestName>(method: K, raw: unknown): Result<K> {
  return requests[method].result.parse(raw) as Result<K>;
}

/** Validates an event; undefined for names this UI does not render (the host may send more). */
export function parseEvent(name: string, raw: unknown): HostEvent | undefined {
  if (!(name in events)) return undefined;
  const key = name as EventName;
  return { name: key, data: events[key].parse(raw) } as HostEvent;
}

export type RequestHandlers = { [K in RequestName]: (params: Params<K>) => Promise<Result<K>> };

/**
 * The host's side: validates a message from the webview, runs the handler and builds the reply.
 * Returns undefined for messages that are not requests (nothing to answer).
 */
export async function answerWebviewMessage(handlers: RequestHandlers, raw: unknown): Promise<HostMessage | undefined> {
  const envelope = webviewMessageSchema.safeParse(raw);
  if (!envelope.success) return undefined;
  const { id, method, params } = envelope.data;
  const checked = requests[method].params.safeParse(params ?? {});
  if (!checked.success) {
    return { kind: 'response', id, ok: false, error: { message: `invalid ${method} request: ${z.prettifyError(checked.error)}`, status: 400 } };
  }
  try {
    const handler = handlers[method] as (p: unknown) => Promise<unknown>;
    return { kind: 'response', id, ok: true, result: await handler(checked.data) };
  } catch (err) {
    const status = typeof (err as { status?: unknown }).status === 'number' ? (err as { status: number }).status : 500;
    return { kind: 'response', id, ok: false, error: { message: err instanceof Error ? err.message : String(err), status } };
  }
}

/** The host's side of an event, in the envelope the webview transport expects. */
export function eventMessage<K extends EventName>(name: K, data: EventData<K>): HostMessage {
  return { kind: 'event', name, data };
}
