import { afterEach, describe, expect, it } from 'vitest';
import { fakeText, type FakeReply, type FakeRequest } from '../../src/fakes/anthropic-fake-server';
import { DEMO_FILES, DEMO_ISSUE, DEMO_RIG_YAML, demoScript } from '../../src/fakes/demo-script';
import { startScenario, type Scenario } from '../helpers/cli-harness';

// Tests that never pass: the demo's first (buggy) attempt is all the AI ever writes.
const RIG_YAML = DEMO_RIG_YAML.replace('repo: demo/shop', 'repo: acme/shop').replace('max_retry: 3', 'max_retry: 0');

const EXPLANATION = '## Cause\n\n`clamp` swaps `min` and `max`.\n\n## Suggested fix\n\nUse `Math.max(min, Math.min(max, value))`.';

let scenario: Scenario | undefined;
afterEach(async () => {
  await scenario?.close();
  scenario = undefined;
});

describe('rig explain', () => {
  it('reports a failed task, and with --ai gives the AI’s cause and fix as Markdown from the task’s own record', async () => {
    const script = (request: FakeRequest, i: number): FakeReply | Promise<FakeReply> => {
      const system = JSON.stringify(request.body.system ?? '') + JSON.stringify(request.body.messages ?? []);
      if (/explain|why the task failed|diagnos/i.test(system) && !request.body.tools?.length) return { kind: 'message', content: [fakeText(EXPLANATION)] };
      return demoScript(request, i);
    };
    const s = (scenario = await startScenario({ files: DEMO_FILES, rigYaml: RIG_YAML, issues: [DEMO_ISSUE], script, executable: ['scripts/deploy.sh'], env: { DEMO_DEPLOY_DIR: '/tmp/rig-test-explain' } }));
    const run = await s.rig(['exec', s.issueUrl()]);
    expect(run.code).toBe(1);
    const [task] = await s.statusJson();

    const report = await s.rig(['explain', task!.id]);
    expect(report.code).toBe(0);
    expect(report.stdout).toContain(`# Task ${task!.id}: failed`);
    expect(report.stdout).toMatch(/test unit failed/);
    expect(report.stdout).toMatch(/clamp keeps a value inside/);

    const before = s.anthropic.requests.length;
    const ai = await s.rig(['explain', task!.id.slice(0, 12), '--ai']);
    expect(ai.code, ai.stderr).toBe(0);
    expect(ai.stdout.startsWith(EXPLANATION)).toBe(true);
    expect(ai.stdout).toContain(`# Task ${task!.id}: failed`);
    const asked = JSON.stringify(s.anthropic.requests.slice(before).at(-1)?.body);
    // The AI read the failure, the log and the diff of the task.
    expect(asked).toContain('clamp keeps a value inside');
    expect(asked).toContain('Math.min(min, Math.max(max, value))');
  });
});
