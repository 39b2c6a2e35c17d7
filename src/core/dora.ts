import type { Phase, Task } from './model';

// The four DORA measures computed from the tasks Rig has stored. Pure: the caller reads the tasks
// and says what "now" is, so the same history always gives the same numbers.
// docs/dora.md explains each definition and why it was chosen.

export const DAY_MS = 86_400_000;
export const DEFAULT_WINDOW_DAYS = 30;

/** Endings that count as a failed change: the pipeline gave up on the code (cancelled and interrupted are human or operational stops). */
const FAILED_ENDINGS: readonly Phase[] = ['failed', 'timed_out'];
const FINISHED: readonly Phase[] = ['completed', 'failed', 'timed_out', 'cancelled', 'interrupted'];

export interface DurationStats {
  samples: number;
  /** null when there is no sample: "no data" must not read as "instant". */
  medianMs: number | null;
  meanMs: number | null;
}

export interface DoraMetrics {
  windowDays: number;
  /** The window is (from, to]: an event exactly `windowDays` old has left it. */
  from: string;
  to: string;
  deployments: number;
  deploymentsPerDay: number;
  leadTime: DurationStats;
  timeToRestore: DurationStats & { openIncidents: number };
  changeFailure: { failed: number; decided: number; percent: number | null };
}

export interface DoraOptions {
  now: Date;
  windowDays?: number;
}

interface Deployment {
  task: Task;
  at: number;
}

/**
 * Deployment frequency: successful deployments per day over the window. A deployment is a
 * `deploying` pipeline step that ended `success` inside the window, timed at its end; every
 * attempt of a task deploys, so a self-healed task that deployed three times counts three.
 */
export function successfulDeployments(tasks: Task[], from: number, to: number): Deployment[] {
  const out: Deployment[] = [];
  for (const task of tasks) {
    for (const step of task.pipeline) {
      if (step.phase !== 'deploying' || step.status !== 'success' || !step.endedAt) continue;
      const at = Date.parse(step.endedAt);
      if (at > from && at <= to) out.push({ task, at });
    }
  }
  return out;
}

/**
 * Lead time for changes: for each task that ended `completed` inside the window, the time from
 * its creation (the issue entering Rig) to its completion (the pull request open, tests green).
 * Time spent waiting for a human approval is included: it is part of what the requester waits.
 */
export function leadTimes(tasks: Task[], from: number, to: number): number[] {
  const out: number[] = [];
  for (const task of tasks) {
    if (task.status !== 'completed' || !task.finishedAt) continue;
    const end = Date.parse(task.finishedAt);
    if (end > from && end <= to) out.push(end - Date.parse(task.createdAt));
  }
  return out;
}

/**
 * Time to restore (MTTR), per repository: an incident starts when a task ends `failed` or
 * `timed_out` while the repository had no open incident, and ends when a later task of the same
 * repository ends `completed`. Further failures before that recovery belong to the same incident,
 * so a streak of three failures is one outage measured from its first failure. Cancelled and
 * interrupted tasks neither open nor close an incident. An incident counts when its recovery lies
 * inside the window (its start may be older); incidents still open are reported apart.
 */
export function restoreTimes(tasks: Task[], from: number, to: number): { durations: number[]; open: number } {
  const byRepo = new Map<string, Array<{ status: Phase; at: number }>>();
  for (const task of tasks) {
    if (!task.finishedAt || !FINISHED.includes(task.status)) continue;
    const at = Date.parse(task.finishedAt);
    if (at > to) continue;
    const key = `${task.issue.owner}/${task.issue.repo}`.toLowerCase();
    const list = byRepo.get(key) ?? [];
    list.push({ status: task.status, at });
    byRepo.set(key, list);
  }
  const durations: number[] = [];
  let open = 0;
  for (const endings of byRepo.values()) {
    endings.sort((a, b) => a.at - b.at);
    let incidentStart: number | null = null;
    for (const e of endings) {
      if (FAILED_ENDINGS.includes(e.status)) incidentStart ??= e.at;
      else if (e.status === 'completed' && incidentStart !== null) {
        if (e.at > from) durations.push(e.at - incidentStart);
        incidentStart = null;
      }
    }
    if (incidentStart !== null) open++;
  }
  return { durations, open };
}

/**
 * Change failure rate: of the successful deployments inside the window whose task has finished,
 * the percentage whose task ended `failed` or `timed_out` afterwards (tests kept failing, the
 * infrastructure fix was rejected, a limit was reached). Deployments of tasks still running are
 * left out until their outcome is known.
 */
export function changeFailure(deployments: Deployment[]): DoraMetrics['changeFailure'] {
  const decided = deployments.filter((d) => FINISHED.includes(d.task.status));
  const failed = decided.filter((d) => FAILED_ENDINGS.includes(d.task.status)).length;
  return { failed, decided: decided.length, percent: decided.length ? (failed / decided.length) * 100 : null };
}

export function durationStats(values: number[]): DurationStats {
  if (!values.length) return { samples: 0, medianMs: null, meanMs: null };
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { samples: values.length, medianMs: median, meanMs: values.reduce((s, v) => s + v, 0) / values.length };
}

/** All four measures over the `windowDays` (default 30) that end at `now`. */
export function computeDora(tasks: Task[], opts: DoraOptions): DoraMetrics {
  const windowDays = opts.windowDays ?? DEFAULT_WINDOW_DAYS;
  if (!(windowDays > 0)) throw new RangeError('windowDays must be positive');
  const to = opts.now.getTime();
  const from = to - windowDays * DAY_MS;
  const deployments = successfulDeployments(tasks, from, to);
  const restore = restoreTimes(tasks, from, to);
  return {
    windowDays,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    deployments: deployments.length,
    deploymentsPerDay: deployments.length / windowDays,
    leadTime: durationStats(leadTimes(tasks, from, to)),
    timeToRestore: { ...durationStats(restore.durations), openIncidents: restore.open },
    changeFailure: changeFailure(deployments),
  };
}
