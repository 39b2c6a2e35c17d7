// Tasks as the engine stores them, one per place on the board, with the details the task view
// draws: retried tests, a deploy failure with an infrastructure proposal, a finished PR.
import { emptyUsage, type Issue, type LogEntry, type Task } from '../../src/core/model';

export const IDS = {
  running: 't260707-101-a1b2',
  awaiting: 't260707-102-c3d4',
  failed: 't260707-103-e5f6',
  completed: 't260707-99-0a0b',
  restored: 't260707-98-9e8f',
  queued: 't260707-104-1c2d',
} as const;

export const PROJECTS = [
  { name: 'shop', repo: 'acme/shop' },
  { name: 'api', repo: 'acme/api' },
];

const minutesAgo = (now: number, m: number) => new Date(now - m * 60_000).toISOString();

function issue(repo: 'shop' | 'api', number: number, title: string): Issue {
  return {
    owner: 'acme',
    repo,
    number,
    title,
    body: 'See the description.',
    labels: ['rig'],
    author: 'dana',
    url: `https://github.com/acme/${repo}/issues/${number}`,
    comments: [],
  };
}

function base(id: string, iss: Issue, created: string): Task {
  return {
    id,
    schema: 1,
    issue: iss,
    status: 'queued',
    createdAt: created,
    updatedAt: created,
    branch: `rig/issue-${iss.number}`,
    baseBranch: 'main',
    attempts: [],
    pipeline: [],
    proposals: [],
    usage: emptyUsage(),
    steps: ['code', 'deploy', 'test', 'report'],
    resumes: 0,
  };
}

export const DOCKER_COMPOSE_BEFORE = `services:
  db:
    image: postgres:15
    environment:
      POSTGRES_PASSWORD: \${DB_PASSWORD}
  app:
    build: .
    ports:
      - "8080:8080"
    depends_on:
      - db
`;

export const DOCKER_COMPOSE_AFTER = `services:
  db:
    image: postgres:16
    environment:
      POSTGRES_PASSWORD: \${DB_PASSWORD}
    healthcheck:
      test: ["CMD", "pg_isready", "-U", "postgres"]
      interval: 2s
  app:
    build: .
    ports:
      - "8080:8080"
    depends_on:
      db:
        condition: service_healthy
`;

export function fixtureTasks(now = Date.now()): Task[] {
  const t = (m: number) => minutesAgo(now, m);

  const running: Task = {
    ...base(IDS.running, issue('shop', 101, 'Add rate limiting to the checkout API'), t(9)),
    status: 'testing',
    updatedAt: t(0.2),
    plan: {
      summary: 'Add a token-bucket limiter in front of POST /checkout and return 429 with Retry-After.',
      steps: ['Add src/middleware/rate-limit.ts', 'Mount it on the checkout router', 'Cover it in test/checkout.test.ts'],
      files: ['src/middleware/rate-limit.ts', 'src/routes/checkout.ts'],
    },
    pipeline: [
      { phase: 'planning', attempt: 1, status: 'success', startedAt: t(9), endedAt: t(8.6) },
      { phase: 'coding', attempt: 1, status: 'success', startedAt: t(8.6), endedAt: t(7) },
      { phase: 'committing', attempt: 1, status: 'success', startedAt: t(7), endedAt: t(6.9) },
      { phase: 'deploying', attempt: 1, status: 'success', startedAt: t(6.9), endedAt: t(6.2), output: 'docker compose up -d: 2 services started' },
      { phase: 'testing', attempt: 1, status: 'failed', startedAt: t(6.2), endedAt: t(5.5), error: 'unit: exit 1', output: 'FAIL test/checkout.test.ts > returns 429 after 10 requests\nexpected 200 to be 429' },
      { phase: 'coding', attempt: 2, status: 'success', startedAt: t(5.5), endedAt: t(3) },
      { phase: 'committing', attempt: 2, status: 'success', startedAt: t(3), endedAt: t(2.9) },
      { phase: 'deploying', attempt: 2, status: 'success', startedAt: t(2.9), endedAt: t(2.2) },
      { phase: 'testing', attempt: 2, status: 'running', startedAt: t(2.2) },
    ],
    attempts: [
      {
        number: 1,
        startedAt: t(8.6),
        endedAt: t(5.5),
        filesChanged: ['src/middleware/rate-limit.ts', 'src/routes/checkout.ts'],
        commit: '4f1c2a9be0d3c7aa51e2b8f09c1d2e3f4a5b6c7d',
        deploy: { success: true, commands: [{ name: 'compose', command: 'docker compose up -d --build', exitCode: 0, timedOut: false, durationMs: 41_200, output: 'Container shop-db-1 Started\nContainer shop-app-1 Started' }] },
        tests: [
          {
            name: 'unit',
            status: 'failed',
            result: { name: 'unit', command: 'npm test', exitCode: 1, timedOut: false, durationMs: 38_100, output: 'FAIL test/checkout.test.ts > returns 429 after 10 requests\nAssertionError: expected 200 to be 429' },
          },
          { name: 'e2e', status: 'skipped', reason: 'affected_paths did not match' },
        ],
        outcome: 'test_failed',
        reason: 'unit failed: the limiter counted per process, not per client',
      },
      { number: 2, startedAt: t(5.5), filesChanged: ['src/middleware/rate-limit.ts'], commit: '9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b' },
    ],
    usage: { calls: 3, inputTokens: 48_210, outputTokens: 6_930, cacheReadTokens: 30_000, cacheWriteTokens: 12_000, costUsd: 0.2841 },
    aiCalls: [
      { at: t(8.9), purpose: 'plan', model: 'claude-sonnet-4-5', inputTokens: 9_100, outputTokens: 830, cacheReadTokens: 0, cacheWriteTokens: 6_000, costUsd: 0.0501 },
      { at: t(8), purpose: 'code', model: 'claude-sonnet-4-5', inputTokens: 21_000, outputTokens: 3_900, cacheReadTokens: 12_000, cacheWriteTokens: 6_000, costUsd: 0.1322 },
      { at: t(5), purpose: 'fix', model: 'claude-sonnet-4-5', inputTokens: 18_110, outputTokens: 2_200, cacheReadTokens: 18_000, cacheWriteTokens: 0, costUsd: 0.1018 },
    ],
  };

  const awaiting: Task = {
    ...base(IDS.awaiting, issue('shop', 102, 'Upgrade Postgres to 16'), t(30)),
    status: 'awaiting_approval',
    updatedAt: t(12),
    resumeFrom: 'deploying',
    pipeline: [
      { phase: 'planning', attempt: 1, status: 'success', startedAt: t(30), endedAt: t(29.5) },
      { phase: 'coding', attempt: 1, status: 'success', startedAt: t(29.5), endedAt: t(25) },
      { phase: 'committing', attempt: 1, status: 'success', startedAt: t(25), endedAt: t(24.9) },
      { phase: 'deploying', attempt: 1, status: 'failed', startedAt: t(24.9), endedAt: t(13), error: 'compose: exit 1', output: 'db-1 exited with code 1: database files are incompatible with server' },
      { phase: 'awaiting_approval', attempt: 1, status: 'running', startedAt: t(12) },
    ],
    attempts: [
      {
        number: 1,
        startedAt: t(29.5),
        endedAt: t(13),
        filesChanged: ['docker-compose.yml', 'migrations/0042_pg16.sql'],
        commit: 'c0ffee0123456789abcdef0123456789abcdef01',
        deploy: {
          success: false,
          commands: [{ name: 'compose', command: 'docker compose up -d --build', exitCode: 1, timedOut: false, durationMs: 71_000, output: 'db-1  | FATAL: database files are incompatible with server\ndb-1 exited with code 1' }],
        },
        outcome: 'deploy_failed',
        reason: 'the app started before the database was ready',
      },
    ],
    proposals: [
      {
        id: 'p1',
        kind: 'infra_fix',
        createdAt: t(12),
        status: 'pending',
        summary: 'Wait for a healthy database before starting the app',
        reason: 'The deploy log shows the app connecting while Postgres 16 was still initialising.',
        files: [{ path: 'docker-compose.yml', before: DOCKER_COMPOSE_BEFORE, after: DOCKER_COMPOSE_AFTER }],
        expiresAt: new Date(now + 23 * 3600_000).toISOString(),
      },
    ],
    usage: { calls: 3, inputTokens: 30_500, outputTokens: 4_100, cacheReadTokens: 8_000, cacheWriteTokens: 4_000, costUsd: 0.1532 },
  };

  const failed: Task = {
    ...base(IDS.failed, issue('api', 103, 'Fix flaky cart totals'), t(95)),
    status: 'failed',
    statusReason: 'tests still fail after 3 attempts (ai.max_retry)',
    updatedAt: t(60),
    finishedAt: t(60),
    pipeline: [
      { phase: 'planning', attempt: 1, status: 'success', startedAt: t(95), endedAt: t(94) },
      { phase: 'deploying', attempt: 3, status: 'success', startedAt: t(71), endedAt: t(70) },
      { phase: 'testing', attempt: 3, status: 'failed', startedAt: t(63), endedAt: t(61), error: 'unit: exit 1' },
      { phase: 'rollback', attempt: 3, status: 'success', startedAt: t(61), endedAt: t(60) },
    ],
    attempts: [1, 2, 3].map((n) => ({ number: n, startedAt: t(94 - n * 10), endedAt: t(84 - n * 10), filesChanged: ['src/cart.ts'], outcome: 'test_failed' as const })),
    usage: { calls: 5, inputTokens: 90_000, outputTokens: 12_000, cacheReadTokens: 40_000, cacheWriteTokens: 9_000, costUsd: 0.6120 },
  };

  const completed: Task = {
    ...base(IDS.completed, issue('shop', 99, 'Show order history on the account page'), t(300)),
    status: 'completed',
    updatedAt: t(270),
    finishedAt: t(270),
    pr: { number: 17, url: 'https://github.com/acme/shop/pull/17', draft: true },
    attempts: [{ number: 1, startedAt: t(299), endedAt: t(275), filesChanged: ['src/pages/account.tsx'], outcome: 'passed' }],
    pipeline: [
      { phase: 'deploying', attempt: 1, status: 'success', startedAt: t(281), endedAt: t(280) },
      { phase: 'reporting', attempt: 1, status: 'success', startedAt: t(272), endedAt: t(270) },
    ],
    usage: { calls: 2, inputTokens: 20_000, outputTokens: 3_000, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0.1 },
  };

  // The api repository recovers from #103's failure: DORA's time to restore has a sample.
  const restored: Task = {
    ...base(IDS.restored, issue('api', 98, 'Paginate the orders endpoint'), t(50)),
    status: 'completed',
    updatedAt: t(20),
    finishedAt: t(20),
    pr: { number: 41, url: 'https://github.com/acme/api/pull/41' },
    attempts: [{ number: 1, startedAt: t(49), endedAt: t(26), filesChanged: ['src/routes/orders.ts'], outcome: 'passed' }],
    pipeline: [{ phase: 'deploying', attempt: 1, status: 'success', startedAt: t(26), endedAt: t(25) }],
  };

  const queued: Task = { ...base(IDS.queued, issue('api', 104, 'Document the export endpoint'), t(0.5)) };

  return [running, awaiting, failed, completed, restored, queued];
}

/** The running task's log so far, as `GET /api/tasks/{id}/logs` serves it. */
export function fixtureLogs(now = Date.now()): Record<string, LogEntry[]> {
  const at = (m: number) => minutesAgo(now, m);
  return {
    [IDS.running]: [
      { seq: 1, time: at(9), level: 'info', phase: 'planning', message: 'plan: 3 steps, 2 files' },
      { seq: 2, time: at(5.5), level: 'warn', phase: 'testing', message: 'unit failed; asking the AI for a fix (attempt 2 of 3)' },
    ],
  };
}
