import { toProposalJson, toStatusJson } from '../../cli/render';
import type { Attempt, CommandOutcome, LogEntry, PipelineStep, Task } from '../../core/model';

// The API speaks the same snake_case shapes as `rig status --json` and `rig proposals --json`,
// extended with what a dashboard draws: the pipeline, the proposals and, in detail, the attempts.

function stepJson(step: PipelineStep, withOutput: boolean) {
  return {
    phase: step.phase,
    attempt: step.attempt,
    status: step.status,
    started_at: step.startedAt,
    ended_at: step.endedAt ?? null,
    error: step.error ?? null,
    ...(withOutput ? { output: step.output ?? null } : {}),
  };
}

function commandJson(c: CommandOutcome) {
  return { name: c.name, command: c.command, exit_code: c.exitCode, signal: c.signal ?? null, timed_out: c.timedOut, duration_ms: c.durationMs, output: c.output };
}

function attemptJson(a: Attempt) {
  return {
    number: a.number,
    started_at: a.startedAt,
    ended_at: a.endedAt ?? null,
    files_changed: a.filesChanged,
    commit: a.commit ?? null,
    outcome: a.outcome ?? null,
    reason: a.reason ?? null,
    deploy: a.deploy ? { success: a.deploy.success, commands: a.deploy.commands.map(commandJson) } : null,
    tests: (a.tests ?? []).map((t) => ({ name: t.name, status: t.status, reason: t.reason ?? null, result: t.result ? commandJson(t.result) : null })),
  };
}

/** One row of GET /api/tasks: status, pipeline (without step output) and proposals. */
export function taskSummaryJson(project: string, task: Task) {
  return {
    ...toStatusJson(task),
    project,
    plan: task.plan ?? null,
    pipeline: task.pipeline.map((s) => stepJson(s, false)),
    proposals: task.proposals.map((p) => toProposalJson(task, p)),
  };
}

/** GET /api/tasks/{id} and the `task.updated` event: the summary plus step output and attempts. */
export function taskDetailJson(project: string, task: Task) {
  return {
    ...taskSummaryJson(project, task),
    base_branch: task.baseBranch,
    head_sha: task.headSha ?? null,
    steps: task.steps,
    resumes: task.resumes,
    pipeline: task.pipeline.map((s) => stepJson(s, true)),
    attempt_details: task.attempts.map(attemptJson),
  };
}

export function logEntryJson(entry: LogEntry) {
  return { seq: entry.seq, time: entry.time, level: entry.level, phase: entry.phase ?? null, message: entry.message };
}
