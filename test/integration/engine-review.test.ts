import { afterEach, describe, expect, it } from 'vitest';
import { engineHarness, scriptedAgent, writeIn, type EngineHarness } from '../helpers/engine-harness';

const YAML = `
ai: { provider: anthropic, review: true }
test:
  - { type: command, name: check, run: "grep -q reviewed value.txt", timeout: 30s }
workflow: { steps: [code, test, report] }
`;
const ref = { owner: 'acme', repo: 'shop', number: 9 };

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('ai.review', () => {
  it('sends the reviewer’s requested changes back to the coder before anything is committed', async () => {
    const diffsSeen: string[] = [];
    const ai = scriptedAgent({
      edit: (wt, n) => writeIn(wt, 'value.txt', n === 1 ? 'draft\n' : 'reviewed\n'),
      review: (round, input) => {
        diffsSeen.push(input.diff);
        return round === 1
          ? { verdict: 'request_changes', summary: 'not yet', comments: [{ path: 'value.txt', message: 'say reviewed' }] }
          : { verdict: 'approve', summary: 'good', comments: [] };
      },
    });
    h = await engineHarness({ files: { 'value.txt': 'old\n' }, rigYaml: YAML, issues: [{ number: 9, title: 'Review me' }], ai });
    const task = await h.engine.exec(ref);
    expect(task.status, task.statusReason).toBe('completed');
    expect(task.attempts).toHaveLength(1);
    expect(diffsSeen[0]).toContain('+draft');
    expect(diffsSeen[1]).toContain('+reviewed');
    // Only the reviewed version was ever committed.
    expect(h.repo.originGit('log', '-p', '--format=%s', 'main..rig/issue-9')).not.toContain('+draft');
    expect(task.aiCalls?.map((c) => c.purpose)).toEqual(['plan', 'code', 'review', 'fix', 'review']);
  });

  it('blocks a change to CI files even when the AI reviewer approves it', async () => {
    const ai = scriptedAgent({ edit: (wt) => writeIn(wt, '.github/workflows/ci.yml', 'on: push\njobs: {}\n') });
    h = await engineHarness({ files: { 'value.txt': 'old\n' }, rigYaml: YAML, issues: [{ number: 9, title: 'Touch CI' }], ai });
    const task = await h.engine.exec(ref);
    expect(task.status).toBe('failed');
    expect(task.statusReason).toMatch(/blocked by review checks: .*\.github\/workflows\/ci\.yml/);
    expect(task.statusReason).toMatch(/the AI reviewer approved, but the checks above block the change/);
    expect(h.repo.originGit('branch', '--list').replace('*', '').trim()).toBe('main');
  });
});
