import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TransportCommandRunner } from '../../src/adapters/exec/command-runner';
import { CommandTestRunner, affects } from '../../src/adapters/test-runner/command-test-runner';
import { rigConfigSchema, type TestConfig } from '../../src/core/config/schema';
import type { RunContext } from '../../src/core/ports';

let worktree: string;
let ctx: RunContext;

beforeEach(async () => {
  worktree = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'rig-tests-')));
  ctx = {
    worktree,
    vars: {
      BRANCH_NAME: 'rig/issue-5',
      COMMIT_SHA: '1111111111111111111111111111111111111111',
      ISSUE_ID: 'octo/hello#5',
      ISSUE_NUMBER: '5',
      ISSUE_TITLE: 'Speed up `touch canary`',
      REPO_OWNER: 'octo',
      REPO_NAME: 'hello',
    },
    signal: new AbortController().signal,
  };
});

afterEach(async () => {
  await fs.rm(worktree, { recursive: true, force: true });
});

/** Tests as rig.yaml would give them, defaults filled in by the real schema. */
const tests = (entries: Array<Record<string, unknown>>): TestConfig[] =>
  rigConfigSchema.parse({ test: entries.map((e) => ({ type: 'command', ...e })) }).test;

const runner = () => new CommandTestRunner(new TransportCommandRunner({ local: { baseEnv: { PATH: process.env.PATH }, graceMs: 300 } }));

describe('CommandTestRunner', () => {
  it('runs the tests whose affected_paths match a changed file and skips the others', async () => {
    const outcomes = await runner().run(
      tests([
        { name: 'api', run: 'echo api >> ran', affected_paths: ['api/'] },
        { name: 'web', run: 'echo web >> ran; echo "2 failing" >&2; exit 2', affected_paths: ['web/**/*.ts'] },
        { name: 'always', run: 'echo always >> ran' },
        { name: 'docs', run: 'echo docs >> ran', affected_paths: ['docs/', '*.md'] },
      ]),
      ['api/handlers/login.go', 'web/src/app.ts', 'src/deep/notes.md'],
      ctx,
    );
    expect(outcomes.map((o) => [o.name, o.status])).toEqual([
      ['api', 'passed'],
      ['web', 'failed'],
      ['always', 'passed'],
      ['docs', 'skipped'],
    ]);
    expect(outcomes[1]!.reason).toBe('exited with code 2');
    expect(outcomes[1]!.result).toMatchObject({ name: 'web', exitCode: 2, output: '2 failing\n' });
    expect(outcomes[3]!.reason).toBe('no changed file matches affected_paths (docs/, *.md)');
    expect(outcomes[3]!.result).toBeUndefined();
    // A failure does not stop the tests after it; a skipped test never runs.
    expect(await fs.readFile(path.join(worktree, 'ran'), 'utf8')).toBe('api\nweb\nalways\n');
  });

  it('runs in the test workdir with its env and the runtime variables', async () => {
    await fs.mkdir(path.join(worktree, 'api'));
    const [outcome] = await runner().run(
      tests([{ name: 'env', run: 'printf "%s|%s|%s" "${PWD##*/}" "$MODE" ${ISSUE_TITLE}', workdir: 'api', env: { MODE: 'ci' } }]),
      [],
      ctx,
    );
    expect(outcome).toMatchObject({ status: 'passed', result: { output: 'api|ci|Speed up `touch canary`' } });
    expect(await fs.readdir(worktree)).toEqual(['api']);
  });

  it('fails a test that runs out of time, saying so', async () => {
    const [outcome] = await runner().run(tests([{ name: 'slow', run: 'sleep 30', timeout: '1s' }]), [], ctx);
    expect(outcome!.status).toBe('failed');
    expect(outcome!.reason).toBe('timed out after 1s');
    expect(outcome!.result?.timedOut).toBe(true);
  });

  it('skips what is left once the run is cancelled', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const outcomes = await runner().run(
      tests([
        { name: 'first', run: 'sleep 30' },
        { name: 'second', run: 'touch second' },
      ]),
      [],
      { ...ctx, signal: controller.signal },
    );
    expect(outcomes.map((o) => [o.name, o.status, o.reason])).toEqual([
      ['first', 'failed', 'ended by SIGTERM'],
      ['second', 'skipped', 'cancelled before it ran'],
    ]);
    expect(await fs.readdir(worktree)).toEqual([]);
  });
});

describe('affected_paths matching', () => {
  const cases: Array<[string[], string, boolean]> = [
    [['api/'], 'api/main.go', true],
    [['api'], 'api/main.go', true],
    [['api'], 'api', true],
    [['./api/'], 'api/x', true],
    [['api/'], 'apiary/main.go', false],
    [['api'], 'api.md', false],
    [['api/'], 'src/api/main.go', false],
    [['*.md'], 'README.md', true],
    [['*.md'], 'docs/guide.md', false],
    [['**/*.md'], 'docs/guide.md', true],
    [['web/**/*.ts'], 'web/a/b/c.ts', true],
    [['web/**/*.ts'], 'web/a/b/c.tsx', false],
    [['.github/**'], '.github/workflows/ci.yml', true],
    [['src/{a,b}/**'], 'src/b/x.go', true],
    [['src/{a,b}/**'], 'src/c/x.go', false],
  ];
  for (const [patterns, file, expected] of cases) {
    it(`${JSON.stringify(patterns)} ${expected ? 'matches' : 'does not match'} ${file}`, () => {
      expect(affects(patterns, [file])).toBe(expected);
    });
  }

  it('needs only one changed file of many to match', () => {
    expect(affects(['api/'], ['web/x.ts', 'README.md', 'api/y.go'])).toBe(true);
    expect(affects(['api/'], [])).toBe(false);
  });
});
