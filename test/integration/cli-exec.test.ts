import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_FILES, DEMO_ISSUE, DEMO_RIG_YAML, demoScript } from '../../src/fakes/demo-script';
import { startScenario, waitFor, type Scenario } from '../helpers/cli-harness';

const RIG_YAML = DEMO_RIG_YAML.replace('repo: demo/shop', 'repo: acme/shop');

// The deploy step waits until the test releases it, so a run can be caught mid-deploy.
const GATED_YAML = RIG_YAML.replace(
  'run: bash scripts/deploy.sh',
  'run: while [ ! -f "$GATE_DIR/release" ]; do sleep 0.1; done; bash scripts/deploy.sh',
);

let scenario: Scenario | undefined;
afterEach(async () => {
  await scenario?.close();
  scenario = undefined;
});

describe('rig exec', () => {
  it('turns an issue into one pull request, healing a failing test on the second attempt', async () => {
    const s = (scenario = await startScenario({ files: DEMO_FILES, rigYaml: RIG_YAML, issues: [DEMO_ISSUE], script: demoScript, executable: ['scripts/deploy.sh'], env: { DEMO_DEPLOY_DIR: '/tmp/rig-test-deploy' } }));
    const head = s.repo.git('rev-parse', 'HEAD');
    const r = await s.rig(['exec', s.issueUrl()]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/completed — pull request https:\/\/github.com\/acme\/shop\/pull\/\d+/);

    const pulls = s.github.pullRequests('acme/shop');
    expect(pulls).toHaveLength(1);
    expect(pulls[0]).toMatchObject({ head: 'rig/issue-1', base: 'main', draft: true });
    expect(pulls[0]!.body).toContain('Closes #1');
    expect(pulls[0]!.body).toMatch(/\| 1 \| test_failed/);
    expect(pulls[0]!.body).toMatch(/\| 2 \| passed/);
    // Both attempts are commits on the one branch; the base branch on origin never moved.
    expect(s.repo.originGit('log', '--format=%s', 'main..rig/issue-1').trim().split('\n')).toHaveLength(2);
    expect(s.repo.originGit('rev-parse', 'main')).toBe(head);
    // The user's working tree and HEAD are untouched; the worktree is gone.
    expect(s.repo.git('status', '--porcelain')).toBe('');
    expect(s.repo.git('rev-parse', 'HEAD')).toBe(head);
    expect(s.repo.git('worktree', 'list').trim().split('\n')).toHaveLength(1);
    expect(s.github.comments('acme/shop', 1).at(-1)?.body).toContain('pull/');

    const [task] = await s.statusJson();
    expect(task).toMatchObject({ status: 'completed', attempts: 2, attempt_outcomes: ['test_failed', 'passed'] });
    expect(task!.id).toMatch(/^t\d{6}-1-[0-9a-f]{4}$/);
    expect(Date.parse(task!.created_at)).not.toBeNaN();
    expect(task!.usage.calls).toBe(5);
    expect(existsSync(path.join(s.repo.work, '.git', 'rig', 'worktrees', task!.id))).toBe(false);
  });

  it('shows a run killed with SIGKILL as interrupted, and carries it on without a second branch or PR', async () => {
    const s = (scenario = await startScenario({ files: DEMO_FILES, rigYaml: GATED_YAML, issues: [DEMO_ISSUE], script: demoScript, executable: ['scripts/deploy.sh'], env: { DEMO_DEPLOY_DIR: '/tmp/rig-test-deploy' } }));
    const first = s.spawnRig(['exec', s.issueUrl()]);
    // Another process watches the running task while it runs.
    const running = await waitFor(async () => (await s.statusJson()).find((t) => t.status === 'deploying'), 'the task to reach deploying');
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    writeFileSync(path.join(s.repo.dir, 'release'), '');

    const [dead] = await s.statusJson();
    expect(dead).toMatchObject({ id: running.id, status: 'interrupted' });
    expect(dead!.status_reason).toMatch(/ended during deploying/);

    const again = await s.rig(['exec', s.issueUrl()]);
    expect(again.code, again.stderr + again.stdout).toBe(0);
    const tasks = await s.statusJson();
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ id: running.id, status: 'completed' });
    expect(s.github.pullRequests('acme/shop')).toHaveLength(1);
    expect(s.repo.originGit('branch', '--list').trim().split('\n').map((b) => b.replace('*', '').trim()).sort()).toEqual(['main', 'rig/issue-1']);
    expect(s.repo.git('status', '--porcelain')).toBe('');
  });

  it('runs a second exec of a running issue not at all', async () => {
    const s = (scenario = await startScenario({ files: DEMO_FILES, rigYaml: GATED_YAML, issues: [DEMO_ISSUE], script: demoScript, executable: ['scripts/deploy.sh'], env: { DEMO_DEPLOY_DIR: '/tmp/rig-test-deploy' } }));
    const first = s.spawnRig(['exec', s.issueUrl()]);
    await waitFor(async () => (await s.statusJson()).find((t) => t.status === 'deploying'), 'the task to reach deploying');
    const second = await s.rig(['exec', s.issueUrl()]);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/already being run as task t\S+ \(deploying\)/);
    writeFileSync(path.join(s.repo.dir, 'release'), '');
    const code = await new Promise((r) => first.once('exit', r));
    expect(code).toBe(0);
    expect(await s.statusJson()).toHaveLength(1);
  });
});
