import type { Attempt, DeployOutcome, TestOutcome } from './model';

const FAILURE_HINT = /error|fail|panic|exception|assert|expected|traceback|not ok|✗|×/i;

/**
 * Keeps what a reader needs from a long log: the lines that look like failures (with a little
 * context) and the tail, within `maxChars`. Test runners print the cause near the end or next to
 * an "error"-like word, rarely in the first screen.
 */
export function trimOutput(text: string, maxChars = 6000): string {
  if (text.length <= maxChars) return text;
  const lines = text.split('\n');
  const keep = new Set<number>();
  const tailStart = Math.max(0, lines.length - 40);
  for (let i = tailStart; i < lines.length; i++) keep.add(i);
  lines.forEach((line, i) => {
    if (FAILURE_HINT.test(line)) for (let j = Math.max(0, i - 2); j <= Math.min(lines.length - 1, i + 3); j++) keep.add(j);
  });
  const picked: string[] = [];
  let last = -1;
  for (const i of [...keep].sort((a, b) => a - b)) {
    if (i !== last + 1) picked.push(`… [${i - last - 1} lines omitted]`);
    picked.push(lines[i]!);
    last = i;
  }
  let out = picked.join('\n');
  if (out.length > maxChars) out = `… [${out.length - maxChars} chars omitted]\n${out.slice(out.length - maxChars)}`;
  return out;
}

export function describeDeployFailure(deploy: DeployOutcome): string {
  const failed = deploy.commands.find((c) => c.exitCode !== 0 || c.timedOut);
  if (!failed) return 'deploy failed';
  const how = failed.timedOut ? `timed out after ${Math.round(failed.durationMs / 1000)}s` : `exited with ${failed.exitCode ?? failed.signal}`;
  return `deploy command "${failed.name}" ${how}\n${trimOutput(failed.output)}`;
}

export function describeTestFailures(tests: TestOutcome[]): string {
  return tests
    .filter((t) => t.status === 'failed')
    .map((t) => {
      const r = t.result;
      const how = r?.timedOut ? 'timed out' : `exit ${r?.exitCode ?? r?.signal ?? '?'}`;
      return `test "${t.name}" failed (${how}): ${r?.command ?? ''}\n${trimOutput(r?.output ?? t.reason ?? '')}`;
    })
    .join('\n\n');
}

/** One line per earlier attempt, so the fixer sees what was already tried. */
export function summariseAttempts(attempts: Attempt[]): string {
  return attempts
    .map((a) => `attempt ${a.number}: ${a.outcome ?? 'unfinished'}; files: ${a.filesChanged.join(', ') || 'none'}${a.reason ? `; ${a.reason.split('\n')[0]}` : ''}`)
    .join('\n');
}
