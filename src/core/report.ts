import type { Task } from './model';

export interface DiffStat {
  files: number;
  insertions: number;
  deletions: number;
}

// Issue text is attacker-controlled and ends up in Markdown that GitHub renders: keep it from
// closing our structure or pinging people.
function inline(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replace(/[<>]/g, (c) => (c === '<' ? '&lt;' : '&gt;')).replace(/@/g, '@\u200b');
}

export function pullRequestTitle(task: Task): string {
  return `Fix #${task.issue.number}: ${inline(task.issue.title)}`.slice(0, 240);
}

export function pullRequestBody(task: Task, stat: DiffStat, changedFiles: string[]): string {
  const lines: string[] = [];
  lines.push(`Closes #${task.issue.number}.`, '');
  if (task.plan) {
    lines.push('## Plan', '', inline(task.plan.summary), '');
    for (const step of task.plan.steps) lines.push(`- ${inline(step)}`);
    lines.push('');
  }
  lines.push('## Attempts', '');
  lines.push('| # | outcome | files | deploy | tests |', '|---|---|---|---|---|');
  for (const a of task.attempts) {
    const deploy = a.deploy ? (a.deploy.success ? 'ok' : 'failed') : '—';
    const tests = a.tests?.length
      ? a.tests.map((t) => `${t.name}: ${t.status}`).join(', ')
      : '—';
    lines.push(`| ${a.number} | ${a.outcome ?? 'unfinished'} | ${a.filesChanged.length} | ${deploy} | ${inline(tests)} |`);
  }
  lines.push('');
  const approved = task.proposals.filter((p) => p.status === 'approved');
  if (approved.length) {
    lines.push('## Approved infrastructure changes', '');
    for (const p of approved) lines.push(`- ${inline(p.summary)} (approved by ${inline(p.decidedBy ?? 'unknown')})`);
    lines.push('');
  }
  lines.push('## Changes', '', `${stat.files} files changed, +${stat.insertions} −${stat.deletions}`, '');
  for (const file of changedFiles.slice(0, 50)) lines.push(`- \`${file.replace(/`/g, "'")}\``);
  if (changedFiles.length > 50) lines.push(`- … and ${changedFiles.length - 50} more`);
  const u = task.usage;
  lines.push('', `<sub>Rig task \`${task.id}\` · ${u.calls} AI calls · ${u.inputTokens + u.outputTokens} tokens · $${u.costUsd.toFixed(4)}</sub>`);
  return lines.join('\n');
}
