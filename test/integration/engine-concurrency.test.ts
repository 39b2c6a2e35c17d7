import { afterEach, describe, expect, it } from 'vitest';
import { TaskConflictError } from '../../src/core/engine';
import { engineHarness, scriptedAgent, writeIn, type EngineHarness } from '../helpers/engine-harness';

const YAML = `
ai: { provider: anthropic }
test:
  - { type: command, name: check, run: "test -f done.txt", timeout: 30s }
workflow: { steps: [code, test, report] }
`;

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('several tasks in one process', () => {
  it('starts one task when the same issue is triggered twice at once', async () => {
    const ai = scriptedAgent({ edit: (wt) => writeIn(wt, 'done.txt', 'ok\n') });
    h = await engineHarness({ files: { 'a.txt': 'a\n' }, rigYaml: YAML, issues: [{ number: 3, title: 'Add done.txt' }], ai });
    const ref = { owner: 'acme', repo: 'shop', number: 3 };
    const results = await Promise.allSettled([h.engine.start(ref), h.engine.start(ref), h.engine.start(ref)]);
    const started = results.filter((r) => r.status === 'fulfilled');
    expect(started).toHaveLength(1);
    for (const r of results.filter((x) => x.status === 'rejected')) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(TaskConflictError);
    const task = await (started[0] as PromiseFulfilledResult<{ done: Promise<{ status: string }> }>).value.done;
    expect(task.status).toBe('completed');
    expect(await h.engine.list()).toHaveLength(1);
  });

  it('runs different issues side by side, each in its own worktree and pull request', async () => {
    const ai = scriptedAgent({ edit: (wt) => writeIn(wt, 'done.txt', 'ok\n') });
    h = await engineHarness({ files: { 'a.txt': 'a\n' }, rigYaml: YAML, issues: [1, 2, 3, 4].map((n) => ({ number: n, title: `Issue ${n}` })), ai });
    const tasks = await Promise.all([1, 2, 3, 4].map((n) => h!.engine.exec({ owner: 'acme', repo: 'shop', number: n })));
    expect(tasks.map((t) => t.status)).toEqual(['completed', 'completed', 'completed', 'completed']);
    expect(new Set(tasks.map((t) => t.branch)).size).toBe(4);
    expect(h.github.pullRequests('acme/shop').map((p) => p.head).sort()).toEqual(['rig/issue-1', 'rig/issue-2', 'rig/issue-3', 'rig/issue-4']);
    expect(h.repo.git('worktree', 'list').trim().split('\n')).toHaveLength(1);
  });
});
