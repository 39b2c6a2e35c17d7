import { describe, expect, it } from 'vitest';
import { computeDora, durationStats } from '../../src/core/dora';
import { emptyUsage, type Phase, type PipelineStep, type Task } from '../../src/core/model';

const NOW = new Date('2025-03-31T00:00:00.000Z');
const H = 3_600_000;
const D = 24 * H;
const at = (msBeforeNow: number) => new Date(NOW.getTime() - msBeforeNow).toISOString();

let serial = 0;

/** A stored task as the engine leaves it: created, deployed at the given times, ended with `status`. */
function task(opts: { status: Phase; createdAgo: number; finishedAgo?: number; deploysAgo?: number[]; failedDeploysAgo?: number[]; repo?: string }): Task {
  const [owner, repo] = (opts.repo ?? 'acme/shop').split('/') as [string, string];
  const step = (agoMs: number, status: PipelineStep['status']): PipelineStep => ({ phase: 'deploying', attempt: 1, status, startedAt: at(agoMs + 60_000), endedAt: at(agoMs) });
  serial += 1;
  return {
    id: `t-${serial}`,
    schema: 1,
    issue: { owner, repo, number: serial, title: `issue ${serial}`, body: '', labels: [], author: 'a', url: '', comments: [] },
    status: opts.status,
    createdAt: at(opts.createdAgo),
    updatedAt: at(opts.finishedAgo ?? 0),
    finishedAt: opts.finishedAgo === undefined ? undefined : at(opts.finishedAgo),
    branch: `rig/issue-${serial}`,
    baseBranch: 'main',
    attempts: [],
    pipeline: [...(opts.deploysAgo ?? []).map((a) => step(a, 'success')), ...(opts.failedDeploysAgo ?? []).map((a) => step(a, 'failed'))],
    proposals: [],
    usage: emptyUsage(),
    steps: ['code', 'deploy', 'test', 'report'],
    resumes: 0,
  };
}

describe('deployment frequency', () => {
  it('counts successful deploy steps inside the window, per day', () => {
    const tasks = [
      task({ status: 'completed', createdAgo: 3 * D, finishedAgo: 2 * D, deploysAgo: [2 * D + H, 2 * D + 2 * H] }),
      task({ status: 'failed', createdAgo: 5 * D, finishedAgo: 4 * D, deploysAgo: [4 * D + H], failedDeploysAgo: [4 * D + 2 * H] }),
      // Older than 30 days: outside.
      task({ status: 'completed', createdAgo: 40 * D, finishedAgo: 39 * D, deploysAgo: [39 * D] }),
      // Exactly 30 days old has just left the window; one millisecond younger is inside.
      task({ status: 'completed', createdAgo: 31 * D, finishedAgo: 29 * D, deploysAgo: [30 * D, 30 * D - 1] }),
    ];
    const m = computeDora(tasks, { now: NOW });
    expect(m.deployments).toBe(4);
    expect(m.deploymentsPerDay).toBe(4 / 30);
    expect(m.from).toBe('2025-03-01T00:00:00.000Z');
    expect(m.to).toBe('2025-03-31T00:00:00.000Z');
  });

  it('uses the window it is given', () => {
    const tasks = [task({ status: 'completed', createdAgo: 2 * D, finishedAgo: D, deploysAgo: [D + H, 6 * D] })];
    expect(computeDora(tasks, { now: NOW, windowDays: 7 }).deploymentsPerDay).toBe(2 / 7);
    expect(computeDora(tasks, { now: NOW, windowDays: 5 }).deploymentsPerDay).toBe(1 / 5);
    expect(() => computeDora(tasks, { now: NOW, windowDays: 0 })).toThrow(RangeError);
  });
});

describe('lead time', () => {
  it('is creation to completion of completed tasks, median and mean', () => {
    const tasks = [
      task({ status: 'completed', createdAgo: 10 * D + 2 * H, finishedAgo: 10 * D }), // 2 h
      task({ status: 'completed', createdAgo: 5 * D + 4 * H, finishedAgo: 5 * D }), // 4 h
      task({ status: 'completed', createdAgo: D + 12 * H, finishedAgo: D }), // 12 h
      task({ status: 'failed', createdAgo: 3 * D, finishedAgo: 2 * D }), // not a completed change
      task({ status: 'coding', createdAgo: H }), // still running
      task({ status: 'completed', createdAgo: 50 * D, finishedAgo: 45 * D }), // outside
    ];
    const m = computeDora(tasks, { now: NOW });
    expect(m.leadTime).toEqual({ samples: 3, medianMs: 4 * H, meanMs: 6 * H });
  });

  it('is null, not zero, without completed tasks', () => {
    expect(computeDora([], { now: NOW }).leadTime).toEqual({ samples: 0, medianMs: null, meanMs: null });
  });

  it('takes the middle pair for an even count', () => {
    expect(durationStats([4, 1, 3, 10])).toEqual({ samples: 4, medianMs: 3.5, meanMs: 4.5 });
  });
});

describe('time to restore', () => {
  it('measures from the first failure of a streak to the next completion of the same repository', () => {
    const tasks = [
      // Incident 1 in acme/shop: failures at -20d and -19d, recovered at -18d → 2 days.
      task({ status: 'failed', createdAgo: 21 * D, finishedAgo: 20 * D }),
      task({ status: 'timed_out', createdAgo: 20 * D, finishedAgo: 19 * D }),
      task({ status: 'completed', createdAgo: 19 * D, finishedAgo: 18 * D }),
      // Incident 2: failure at -10d; the cancel at -9d20h is no recovery; completion at -9d18h → 6 h.
      task({ status: 'failed', createdAgo: 11 * D, finishedAgo: 10 * D }),
      task({ status: 'cancelled', createdAgo: 10 * D, finishedAgo: 9 * D + 20 * H }),
      task({ status: 'completed', createdAgo: 10 * D, finishedAgo: 9 * D + 18 * H }),
      // Another repository's completion does not restore acme/shop, and vice versa.
      task({ status: 'failed', createdAgo: 3 * D, finishedAgo: 2 * D }),
      task({ status: 'completed', createdAgo: 2 * D, finishedAgo: D, repo: 'acme/web' }),
    ];
    const m = computeDora(tasks, { now: NOW });
    // Median and mean of 48 h and 6 h; the failure at -2d is still open.
    expect(m.timeToRestore).toEqual({ samples: 2, medianMs: 27 * H, meanMs: 27 * H, openIncidents: 1 });
  });

  it('counts an incident that started before the window when its recovery is inside', () => {
    const tasks = [task({ status: 'failed', createdAgo: 33 * D, finishedAgo: 32 * D }), task({ status: 'completed', createdAgo: 29 * D, finishedAgo: 28 * D })];
    expect(computeDora(tasks, { now: NOW }).timeToRestore).toEqual({ samples: 1, medianMs: 4 * D, meanMs: 4 * D, openIncidents: 0 });
  });

  it('leaves out incidents recovered before the window', () => {
    const tasks = [task({ status: 'failed', createdAgo: 42 * D, finishedAgo: 41 * D }), task({ status: 'completed', createdAgo: 41 * D, finishedAgo: 40 * D })];
    expect(computeDora(tasks, { now: NOW }).timeToRestore).toEqual({ samples: 0, medianMs: null, meanMs: null, openIncidents: 0 });
  });
});

describe('change failure rate', () => {
  it('is the share of deployments whose task then failed, among finished tasks', () => {
    const tasks = [
      // Self-healed: two deployments, task completed → 0 failed of 2.
      task({ status: 'completed', createdAgo: 6 * D, finishedAgo: 5 * D, deploysAgo: [5 * D + 2 * H, 5 * D + H] }),
      // Deployed, tests kept failing, rolled back → 1 failed of 1.
      task({ status: 'failed', createdAgo: 4 * D, finishedAgo: 3 * D, deploysAgo: [3 * D + H] }),
      // Approval window ran out after a deploy → failed.
      task({ status: 'timed_out', createdAgo: 3 * D, finishedAgo: 2 * D, deploysAgo: [2 * D + H] }),
      // Still testing: outcome unknown, left out of the rate but counted as a deployment.
      task({ status: 'testing', createdAgo: H, deploysAgo: [H / 2] }),
      // A failed deploy step is not a deployment at all.
      task({ status: 'failed', createdAgo: 2 * D, finishedAgo: D, failedDeploysAgo: [D + H] }),
    ];
    const m = computeDora(tasks, { now: NOW });
    expect(m.deployments).toBe(5);
    expect(m.changeFailure).toEqual({ failed: 2, decided: 4, percent: 50 });
  });

  it('is null without a decided deployment', () => {
    expect(computeDora([task({ status: 'deploying', createdAgo: H, deploysAgo: [H / 2] })], { now: NOW }).changeFailure).toEqual({ failed: 0, decided: 0, percent: null });
  });
});
