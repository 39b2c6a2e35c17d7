// The REST API speaks snake_case JSON (the shapes of `rig status --json`, with lists wrapped as
// `{tasks: [...]}`); the UI works on the model's own shapes. These functions turn one into the
// other and nothing more: protocol.ts validates the result, so a field that is missing or of the
// wrong type is reported there, with its name, rather than guessed here.
//
// Inputs already in the model's shape (a stored Task, a bare array) pass through unchanged, so
// a host that sends those needs no adapter.

type Json = Record<string, unknown>;

const isObj = (v: unknown): v is Json => !!v && typeof v === 'object' && !Array.isArray(v);
/** null in the API means "absent" in the model, where the field is optional. */
const opt = (v: unknown): unknown => (v === null ? undefined : v);

/** A list that may come bare or wrapped in `{ [key]: [...] }`. */
export function listFrom(body: unknown, key: string): unknown {
  if (Array.isArray(body)) return body;
  if (isObj(body) && key in body) return body[key];
  return body;
}

/** `{ task: {...} }` or the task itself. */
export function taskFrom(body: unknown): unknown {
  const raw = isObj(body) && isObj(body.task) ? body.task : body;
  return isObj(raw) && 'created_at' in raw ? taskFromDetailJson(raw) : raw;
}

function taskFromDetailJson(t: Json): unknown {
  const list = (v: unknown) => (Array.isArray(v) ? v : []);
  return {
    id: t.id,
    issue: t.issue,
    status: t.status,
    statusReason: opt(t.status_reason),
    createdAt: t.created_at,
    updatedAt: t.updated_at,
    finishedAt: opt(t.finished_at),
    branch: t.branch,
    baseBranch: t.base_branch,
    plan: opt(t.plan),
    attempts: Array.isArray(t.attempt_details) ? t.attempt_details.map(attempt) : t.attempt_details,
    pipeline: list(t.pipeline).map(step),
    proposals: list(t.proposals).map(proposal),
    pr: opt(t.pr),
    usage: t.usage,
    aiCalls: opt(t.ai_calls),
    project: opt(t.project),
  };
}

function step(s: unknown): unknown {
  if (!isObj(s)) return s;
  return { phase: s.phase, attempt: s.attempt, status: s.status, startedAt: s.started_at, endedAt: opt(s.ended_at), output: opt(s.output), error: opt(s.error) };
}

function command(c: unknown): unknown {
  if (!isObj(c)) return c;
  return { name: c.name, command: c.command, exitCode: c.exit_code, signal: c.signal, timedOut: c.timed_out, durationMs: c.duration_ms, output: c.output };
}

function attempt(a: unknown): unknown {
  if (!isObj(a)) return a;
  const deploy = isObj(a.deploy) ? { success: a.deploy.success, commands: Array.isArray(a.deploy.commands) ? a.deploy.commands.map(command) : a.deploy.commands } : opt(a.deploy);
  const tests = Array.isArray(a.tests)
    ? a.tests.map((t: unknown) => (isObj(t) ? { name: t.name, status: t.status, reason: opt(t.reason), result: t.result ? command(t.result) : undefined } : t))
    : opt(a.tests);
  return {
    number: a.number,
    startedAt: a.started_at,
    endedAt: opt(a.ended_at),
    filesChanged: a.files_changed,
    commit: opt(a.commit),
    outcome: opt(a.outcome),
    reason: opt(a.reason),
    deploy,
    tests,
  };
}

/** `toProposalJson`'s shape back to the model's `Proposal` (the proposed text is `content`). */
function proposal(p: unknown): unknown {
  if (!isObj(p)) return p;
  const files = Array.isArray(p.files) ? p.files.map((f: unknown) => (isObj(f) ? { path: f.path, before: f.before, after: f.content } : f)) : p.files;
  return {
    id: p.proposal_id,
    kind: p.kind,
    createdAt: p.created_at,
    status: p.status,
    summary: p.summary,
    reason: p.reason,
    files,
    decidedAt: opt(p.decided_at),
    decidedBy: opt(p.decided_by),
    expiresAt: p.expires_at,
  };
}

export function logEntryFrom(e: unknown): unknown {
  return isObj(e) ? { ...e, phase: opt(e.phase) } : e;
}

/** `GET /api/tasks/{id}/logs`: `{ entries: [...] }`. */
export function logEntriesFrom(body: unknown): unknown {
  const entries = listFrom(body, 'entries');
  return Array.isArray(entries) ? entries.map(logEntryFrom) : entries;
}

/** The SSE `log.line` payload: `{ task_id, entry }` from the server. */
export function logLineFrom(data: unknown): unknown {
  if (!isObj(data)) return data;
  return { taskId: data.task_id ?? data.taskId, entry: logEntryFrom(data.entry) };
}

export function taskEventFrom(data: unknown): unknown {
  return isObj(data) ? { task: taskFrom(data.task) } : data;
}

/** `GET /api/metrics/dora`: the flat JSON of the server back to `computeDora`'s result. */
export function doraFrom(d: unknown): unknown {
  if (!isObj(d) || 'windowDays' in d) return d;
  return {
    windowDays: d.window_days,
    from: d.from,
    to: d.to,
    deployments: d.deployments,
    deploymentsPerDay: d.deploy_frequency,
    leadTime: { samples: d.lead_time_samples, medianMs: d.lead_time_ms, meanMs: d.lead_time_mean_ms },
    timeToRestore: { samples: d.incidents, medianMs: d.mttr_ms, meanMs: d.mttr_mean_ms, openIncidents: d.open_incidents },
    changeFailure: { failed: d.failed_deployments, decided: d.deployments_with_outcome, percent: d.change_failure_rate },
  };
}
