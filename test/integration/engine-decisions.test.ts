import { afterEach, describe, expect, it } from 'vitest';
import { engineHarness, scriptedAgent, writeIn, type EngineHarness } from '../helpers/engine-harness';

const YAML = `
ai: { provider: anthropic }
deploy:
  method: custom
  config:
    commands:
      - { name: deploy, run: "true" }
test:
  - { type: command, name: check, run: "test -f done.txt", timeout: 30s }
workflow:
  steps: [code, deploy, test, report]
  approval: { before_deploy: true }
`;
const ref = { owner: 'acme', repo: 'shop', number: 4 };

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function until<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('decisions', () => {
  it('ignores a decision about another proposal, and applies the one about the pending proposal', async () => {
    const ai = scriptedAgent({ edit: (wt) => writeIn(wt, 'done.txt', 'ok\n') });
    h = await engineHarness({ files: { 'a.txt': 'a\n' }, rigYaml: YAML, issues: [{ number: 4, title: 'Gate me' }], ai });
    const engine = h.engine;
    const { task, done } = await engine.start(ref);
    const waiting = await until(async () => {
      const t = await engine.get(task.id);
      return t.status === 'awaiting_approval' ? t : undefined;
    }, 'the deploy gate');
    const pending = waiting.proposals.find((p) => p.status === 'pending')!;
    // A decision left over from an earlier proposal must never approve this one.
    await engine.store.writeDecision(task.id, { proposalId: 'p0', approved: true, by: 'stale', at: new Date().toISOString() });
    await until(async () => ((await engine.store.readLogs(task.id)).some((e) => e.message.includes('ignored a decision on proposal p0')) ? true : undefined), 'the stale decision to be ignored');
    expect((await engine.get(task.id)).status).toBe('awaiting_approval');

    const { handedTo } = await engine.decide(task.id, true, 'alice');
    expect(handedTo).toBe('owner');
    const final = await done;
    expect(final.status).toBe('completed');
    expect(final.proposals.find((p) => p.id === pending.id)).toMatchObject({ status: 'approved', decidedBy: 'alice' });
  });
});
