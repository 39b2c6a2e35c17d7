import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { engineHarness, scriptedAgent, writeIn, type EngineHarness } from '../helpers/engine-harness';

const ISSUE = { number: 5, title: 'Make check.sh pass', body: 'it fails', labels: ['rig'] };
const FILES = { 'check.sh': 'exit 1\n', 'value.txt': 'old\n' };
const ref = { owner: 'acme', repo: 'shop', number: 5 };

function yaml(extra: { ai?: string; test?: string } = {}): string {
  return `
ai:
  provider: anthropic
  max_retry: 3
${extra.ai ?? ''}
test:
  - type: command
    name: check
    run: ${extra.test ?? 'bash check.sh'}
    timeout: 30s
workflow:
  steps: [code, test, report]
`;
}

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('per-task limits', () => {
  it('stops a task whose AI cost passes ai.budget.max_cost_usd, and says so', async () => {
    const ai = scriptedAgent({ edit: (wt, n) => writeIn(wt, 'value.txt', `try ${n}\n`), usage: { costUsd: 3 } });
    h = await engineHarness({ files: FILES, rigYaml: yaml({ ai: '  budget:\n    max_cost_usd: 7' }), issues: [ISSUE], ai });
    const task = await h.engine.exec(ref);
    expect(task.status).toBe('failed');
    expect(task.statusReason).toMatch(/budget exceeded: ai\.budget\.max_cost_usd \$7 reached \(\$9\.0000 spent\)/);
    expect(task.usage.costUsd).toBe(9);
    expect(task.aiCalls?.map((c) => c.purpose)).toEqual(['plan', 'code', 'fix']);
    expect(h.github.pullRequests('acme/shop')).toHaveLength(0);
  });

  it('times a task out at ai.budget.max_wall_time and kills what it was running', async () => {
    const ai = scriptedAgent({ edit: (wt) => writeIn(wt, 'value.txt', 'new\n') });
    const test = `'echo $$ > "$PIDFILE"; sleep 30'`;
    h = await engineHarness({ files: FILES, rigYaml: yaml({ ai: '  budget:\n    max_wall_time: 2s', test }), issues: [ISSUE], ai });
    const pidFile = path.join(h.repo.dir, 'pid');
    process.env.PIDFILE = pidFile;
    try {
      const task = await h.engine.exec(ref);
      expect(task.status).toBe('timed_out');
      expect(task.statusReason).toMatch(/max_wall_time of 2s reached/);
      const pid = Number(readFileSync(pidFile, 'utf8'));
      expect(() => process.kill(pid, 0)).toThrow();
    } finally {
      delete process.env.PIDFILE;
    }
  });
});

describe('loop detection', () => {
  it('stops retrying when a fix fails exactly like the attempt before', async () => {
    const ai = scriptedAgent({ edit: (wt, n) => writeIn(wt, 'value.txt', `try ${n}\n`) });
    h = await engineHarness({ files: FILES, rigYaml: yaml({ test: `'echo "assertion failed after $RANDOM ms at $(date -u +%Y-%m-%dT%H:%M:%S.%NZ)"; exit 1'` }), issues: [ISSUE], ai });
    const task = await h.engine.exec(ref);
    expect(task.status).toBe('failed');
    expect(task.attempts).toHaveLength(2);
    expect(task.attempts[1]!.reason).toMatch(/loop detected \(same failure as attempt 1\)/);
  });

  it('stops when a fix leaves the code exactly as it was', async () => {
    const ai = scriptedAgent({ edit: (wt) => writeIn(wt, 'value.txt', 'same every time\n') });
    h = await engineHarness({ files: FILES, rigYaml: yaml({ test: `'echo "run $RANDOM"; exit 1'` }), issues: [ISSUE], ai });
    const task = await h.engine.exec(ref);
    expect(task.status).toBe('failed');
    expect(task.attempts).toHaveLength(2);
    expect(task.attempts[1]!.reason).toMatch(/loop detected: attempt 2 left the code exactly as attempt 1/);
    expect(existsSync(path.join(h.repo.work, 'value.txt'))).toBe(true);
  });

  it('keeps fixing while the failures change, up to ai.max_retry', async () => {
    const ai = scriptedAgent({ edit: (wt, n) => writeIn(wt, 'value.txt', `try ${n}\n`) });
    h = await engineHarness({ files: FILES, rigYaml: yaml({ test: `'cat value.txt; exit 1'` }), issues: [ISSUE], ai });
    const task = await h.engine.exec(ref);
    expect(task.status).toBe('failed');
    expect(task.attempts).toHaveLength(4);
    expect(task.attempts.map((a) => a.outcome)).toEqual(['test_failed', 'test_failed', 'test_failed', 'test_failed']);
  });
});
