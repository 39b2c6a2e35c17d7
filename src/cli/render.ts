import type { LogEntry, Proposal, Task } from '../core/model';

// Human output of the CLI. JSON output lives beside it (toStatusJson …) so both stay in step.

export function elapsed(task: Task, now = Date.now()): string {
  const end = task.finishedAt ? Date.parse(task.finishedAt) : now;
  const s = Math.max(0, Math.round((end - Date.parse(task.createdAt)) / 1000));
  return s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function renderStatusTable(tasks: Task[]): string {
  if (tasks.length === 0) return 'No tasks in this repository yet. Start one with: rig exec <issue-url>';
  const rows = tasks.map((t) => [t.id, t.status, `#${t.issue.number}`, String(t.attempts.length), elapsed(t), `$${t.usage.costUsd.toFixed(2)}`, t.pr?.url ?? '', truncate(t.issue.title, 40)]);
  const head = ['ID', 'STATUS', 'ISSUE', 'TRIES', 'TIME', 'COST', 'PR', 'TITLE'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const reasons = tasks.filter((t) => t.statusReason && t.status !== 'completed').map((t) => `  ${t.id}: ${t.statusReason!.split('\n')[0]}`);
  return [line(head), ...rows.map(line), ...(reasons.length ? ['', ...reasons] : [])].join('\n');
}

/** The fields the status JSON is made of: a whole Task, or the part of one a front end holds. */
export type StatusSource = Pick<Task, 'id' | 'status' | 'statusReason' | 'createdAt' | 'updatedAt' | 'finishedAt' | 'branch' | 'attempts' | 'pr' | 'usage' | 'aiCalls'> & {
  issue: Pick<Task['issue'], 'owner' | 'repo' | 'number' | 'title' | 'url'>;
};

export function toStatusJson(task: StatusSource) {
  return {
    id: task.id,
    status: task.status,
    status_reason: task.statusReason ?? null,
    created_at: task.createdAt,
    updated_at: task.updatedAt,
    finished_at: task.finishedAt ?? null,
    issue: { owner: task.issue.owner, repo: task.issue.repo, number: task.issue.number, title: task.issue.title, url: task.issue.url },
    branch: task.branch,
    attempts: task.attempts.length,
    attempt_outcomes: task.attempts.map((a) => a.outcome ?? null),
    pr: task.pr ?? null,
    usage: task.usage,
    ai_calls: task.aiCalls ?? [],
  };
}

export function toProposalJson(task: Pick<Task, 'id'>, p: Proposal) {
  return {
    task_id: task.id,
    proposal_id: p.id,
    kind: p.kind,
    status: p.status,
    summary: p.summary,
    reason: p.reason,
    created_at: p.createdAt,
    expires_at: p.expiresAt,
    decided_by: p.decidedBy ?? null,
    decided_at: p.decidedAt ?? null,
    files: p.files.map((f) => ({ path: f.path, content: f.after, before: f.before })),
  };
}

export function renderTaskDetail(task: Task): string {
  const out: string[] = [];
  out.push(`${task.id}  ${task.status}${task.statusReason ? ` — ${task.statusReason.split('\n')[0]}` : ''}`);
  out.push(`issue   #${task.issue.number} ${task.issue.title}  ${task.issue.url}`);
  out.push(`branch  ${task.branch} (base ${task.baseBranch})`);
  if (task.pr) out.push(`PR      ${task.pr.url}`);
  const u = task.usage;
  out.push(`AI      ${u.calls} calls, ${u.inputTokens} in / ${u.outputTokens} out tokens, cache ${u.cacheReadTokens} read / ${u.cacheWriteTokens} written, $${u.costUsd.toFixed(4)}`);
  if (task.aiCalls?.length) {
    out.push('', 'AI calls:');
    for (const c of task.aiCalls) {
      out.push(`  ${c.at.slice(11, 19)} ${c.purpose.padEnd(8)} ${c.model.padEnd(22)} in ${String(c.inputTokens).padStart(7)}  out ${String(c.outputTokens).padStart(6)}  cache r/w ${c.cacheReadTokens}/${c.cacheWriteTokens}  $${c.costUsd.toFixed(4)}`);
    }
  }
  out.push('', 'Pipeline:');
  for (const s of task.pipeline) {
    const ms = s.endedAt ? Date.parse(s.endedAt) - Date.parse(s.startedAt) : undefined;
    out.push(`  ${mark(s.status)} ${s.phase.padEnd(18)} try ${s.attempt}  ${ms === undefined ? 'running' : `${(ms / 1000).toFixed(1)}s`}${s.error ? `  ${s.error.split('\n')[0]}` : ''}`);
  }
  if (task.attempts.length) {
    out.push('', 'Attempts:');
    for (const a of task.attempts) {
      out.push(`  ${a.number}. ${a.outcome ?? 'in progress'}  files: ${a.filesChanged.join(', ') || '—'}${a.commit ? `  commit ${a.commit.slice(0, 12)}` : ''}`);
      for (const t of a.tests ?? []) out.push(`       test ${t.name}: ${t.status}${t.reason ? ` (${t.reason})` : ''}`);
    }
  }
  return out.join('\n');
}

export function renderLogEntry(e: LogEntry): string {
  return `${e.time.slice(11, 19)} ${e.level.toUpperCase().padEnd(5)} ${e.phase ? `[${e.phase}] ` : ''}${e.message}`;
}

export function renderProposal(task: Task, p: Proposal): string {
  const out = [`${task.id} proposal ${p.id} (${p.kind}, ${p.status}, expires ${p.expiresAt})`, `  summary: ${p.summary}`, `  reason:  ${p.reason}`];
  for (const f of p.files) {
    out.push(`  --- a/${f.path}`, `  +++ b/${f.path}`);
    out.push(...lineDiff(f.before, f.after).map((l) => `  ${l}`));
  }
  out.push(`  approve: rig approve ${task.id}    reject: rig reject ${task.id}`);
  return out.join('\n');
}

/** A plain line diff (common prefix/suffix trimmed) — enough to read a small config change. */
function lineDiff(before: string, after: string): string[] {
  const a = before.split('\n');
  const b = after.split('\n');
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  return [`@@ line ${start + 1} @@`, ...a.slice(start, endA).map((l) => `-${l}`), ...b.slice(start, endB).map((l) => `+${l}`)];
}

function mark(status: string): string {
  return status === 'success' ? '✓' : status === 'failed' ? '✗' : status === 'skipped' ? '–' : '…';
}

function truncate(s: string, n: number): string {
  const flat = s.replace(/\s+/g, ' ');
  return flat.length > n ? `${flat.slice(0, n - 1)}…` : flat;
}
