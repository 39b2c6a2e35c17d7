// The agent driving the real Claude Code CLI against the loopback fake of the Messages API: proves
// that the flags Rig passes exist and do what Rig relies on (which tools the model is offered,
// edits refused outside the worktree, the JSON result read). Runs only when RIG_TEST_CLAUDE_CLI
// names a Claude Code executable, since the CLI is not a dependency of the project.
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClaudeCodeAgent } from '../../src/adapters/ai/claude-code-agent';
import type { Issue } from '../../src/core/model';
import type { AiCallUsage, AiContext } from '../../src/core/ports';
import { type AnthropicFake, type FakeRequest, fakeText, fakeToolUse, startAnthropicFake } from '../../src/fakes/anthropic-fake-server';
import { createSampleRepo, type SampleRepo } from '../helpers/git-repo';

const CLI = process.env.RIG_TEST_CLAUDE_CLI;
const API_KEY = 'sk-ant-api03-REALCLITESTKEY0123456789abcdefghijklmnopq';
const APP_TS = 'export const add = (a: number, b: number) => a - b;\n';

const issue: Issue = {
  owner: 'acme',
  repo: 'calc',
  number: 7,
  title: 'add() subtracts',
  body: 'add(2, 2) returns 0.',
  labels: [],
  author: 'alice',
  url: 'https://github.com/acme/calc/issues/7',
  comments: [],
};
const plan = { summary: 'Make add() add.', steps: ['Change the operator'], files: ['app.ts'] };

/** The turns of the main conversation; side requests without tools (titles, checks) get a plain answer. */
type Turn = (file: string) => ReturnType<typeof fakeToolUse> | ReturnType<typeof fakeText>;

describe.skipIf(!CLI)('ClaudeCodeAgent with the real Claude Code CLI', () => {
  let repo: SampleRepo;
  let fake: AnthropicFake;
  let home: string;
  const savedHome = process.env.HOME;

  beforeEach(async () => {
    repo = createSampleRepo({ 'app.ts': APP_TS });
    // A home of its own: the user's Claude Code settings and login play no part.
    home = await fs.mkdtemp(path.join(os.tmpdir(), 'rig-claude-home-'));
    process.env.HOME = home;
  });

  afterEach(async () => {
    process.env.HOME = savedHome;
    await fake?.close();
    await fs.rm(repo.dir, { recursive: true, force: true });
    await fs.rm(home, { recursive: true, force: true });
  });

  async function serve(turns: Turn[]): Promise<void> {
    const file = path.join(await fs.realpath(repo.work), 'app.ts');
    fake = await startAnthropicFake(
      (req: FakeRequest) => {
        if (!(req.body.tools ?? []).length) return { kind: 'message', content: [fakeText('ok')] };
        const answered = (req.body.messages as Array<{ content: unknown }>)
          .flatMap((m) => (Array.isArray(m.content) ? m.content : []))
          .filter((b: { type?: string }) => b.type === 'tool_result').length;
        return { kind: 'message', content: [turns[Math.min(answered, turns.length - 1)]!(file)] };
      },
      { apiKey: API_KEY },
    );
  }

  function run(): { agent: ClaudeCodeAgent; ctx: AiContext; usage: AiCallUsage[]; logs: string[] } {
    const usage: AiCallUsage[] = [];
    const logs: string[] = [];
    const agent = new ClaudeCodeAgent({ executable: CLI, model: 'claude-sonnet-4-5', timeoutMs: 120_000, maxTurns: 6, apiKey: API_KEY, baseUrl: fake.url });
    const ctx: AiContext = { worktree: repo.work, signal: new AbortController().signal, onUsage: (u) => usage.push(u), log: (_l, m) => logs.push(m) };
    return { agent, ctx, usage, logs };
  }

  const toolsOffered = () => new Set(fake.requests.flatMap((r) => (r.body.tools ?? []).map((t: { name: string }) => t.name)));

  it('edits with the file tools only, and reports the change and its usage', async () => {
    await serve([(f) => fakeToolUse('Read', { file_path: f }), (f) => fakeToolUse('Edit', { file_path: f, old_string: 'a - b', new_string: 'a + b' }), () => fakeText('Fixed add().')]);
    const { agent, ctx, usage } = run();
    expect(await agent.code({ issue, plan }, ctx)).toEqual({ filesChanged: ['app.ts'], summary: 'Fixed add().' });
    expect(await fs.readFile(path.join(repo.work, 'app.ts'), 'utf8')).toContain('a + b');
    expect([...toolsOffered()].sort()).toEqual(['Edit', 'Glob', 'Grep', 'Read', 'Write']);
    expect(usage.length).toBeGreaterThan(0);
    expect(usage.every((u) => u.purpose === 'code' && u.outputTokens > 0)).toBe(true);
  }, 180_000);

  it('offers no editing tool to a planning run', async () => {
    await serve([() => fakeText(JSON.stringify(plan))]);
    const { agent, ctx } = run();
    expect(await agent.plan({ issue, repoMap: 'app.ts' }, ctx)).toEqual(plan);
    expect([...toolsOffered()].sort()).toEqual(['Glob', 'Grep', 'Read']);
  }, 180_000);

  it('is refused writes outside the worktree and into .git', async () => {
    const outside = path.join(repo.dir, 'outside.txt');
    await serve([
      () => fakeToolUse('Write', { file_path: outside, content: 'x' }),
      (f) => fakeToolUse('Write', { file_path: path.join(path.dirname(f), '.git', 'hooks', 'pre-commit'), content: '#!/bin/sh\n' }),
      () => fakeText('Could not do it.'),
    ]);
    const { agent, ctx, logs } = run();
    expect(await agent.code({ issue, plan }, ctx)).toEqual({ filesChanged: [], summary: 'Could not do it.' });
    await expect(fs.access(outside)).rejects.toThrow();
    await expect(fs.access(path.join(repo.work, '.git', 'hooks', 'pre-commit'))).rejects.toThrow();
    expect(logs.filter((l) => l.startsWith('Claude Code was refused Write'))).toHaveLength(2);
    expect(execFileSync('git', ['status', '--porcelain'], { cwd: repo.work, encoding: 'utf8' })).toBe('');
  }, 180_000);
});
