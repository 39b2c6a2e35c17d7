import { describeDeployFailure } from '../core/failure-text';
import type { Task } from '../core/model';
import type { Workspace } from './workspace';

/** The structured failure report: what failed, where, and what was tried. */
export function failureReport(task: Task): string {
  const out: string[] = [`# Task ${task.id}: ${task.status}`, '', `Issue #${task.issue.number}: ${task.issue.title} (${task.issue.url})`, `Branch ${task.branch}`];
  if (task.statusReason) out.push('', `**Reason:** ${task.statusReason}`);
  const failedSteps = task.pipeline.filter((s) => s.status === 'failed');
  if (failedSteps.length) {
    out.push('', '## Failed steps');
    for (const s of failedSteps) out.push(`- ${s.phase} (try ${s.attempt}) at ${s.endedAt ?? s.startedAt}: ${s.error ?? 'failed'}`);
  }
  if (task.attempts.length) {
    out.push('', '## Attempts');
    for (const a of task.attempts) {
      out.push(`- ${a.number}: ${a.outcome ?? 'unfinished'}; files ${a.filesChanged.join(', ') || '—'}${a.commit ? `; commit ${a.commit.slice(0, 12)}` : ''}`);
      if (a.deploy && !a.deploy.success) out.push(indent(describeDeployFailure(a.deploy)));
      for (const t of a.tests ?? []) if (t.status === 'failed') out.push(indent(`test ${t.name} failed:\n${(t.result?.output ?? '').slice(-1500)}`));
    }
  }
  const proposals = task.proposals;
  if (proposals.length) {
    out.push('', '## Proposals');
    for (const p of proposals) out.push(`- ${p.id} ${p.kind} ${p.status}${p.decidedBy ? ` by ${p.decidedBy}` : ''}: ${p.summary}`);
  }
  return out.join('\n');
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}

export async function explainTask(ws: Workspace, id: string, opts: { ai: boolean }): Promise<string> {
  const engine = ws.engine();
  const task = await engine.get(id);
  const report = failureReport(task);
  if (!opts.ai) return report;
  const logs = await ws.store.readLogs(task.id);
  let diff = '';
  if (task.baseSha && task.headSha) diff = await ws.git.diffBetween(task.baseSha, task.headSha).catch(() => '');
  const controller = new AbortController();
  const answer = await ws.aiAgent().explain(
    { task, logs: logs.slice(-200), diff: ws.redact(diff) },
    { worktree: ws.root, signal: controller.signal, onUsage: () => {}, log: () => {} },
  );
  return `${ws.redact(answer)}\n\n---\n\n${report}`;
}
