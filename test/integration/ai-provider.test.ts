// rig.yaml's ai: section and the environment, through resolveEndpoints and createAiAgent, to an
// agent that talks to the right (loopback) server.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AnthropicAgent } from '../../src/adapters/ai/anthropic-agent';
import { ClaudeCodeAgent } from '../../src/adapters/ai/claude-code-agent';
import { OllamaAgent } from '../../src/adapters/ai/ollama-agent';
import { OpenAiAgent } from '../../src/adapters/ai/openai-agent';
import { rigConfigSchema } from '../../src/core/config/schema';
import { resolveEndpoints } from '../../src/core/credentials';
import type { Issue } from '../../src/core/model';
import type { AiCallUsage, AiContext } from '../../src/core/ports';
import { createAiAgent } from '../../src/runtime/ai-provider';
import { inSequence, startAnthropicFake, fakeToolUse } from '../../src/fakes/anthropic-fake-server';
import { ollamaSequence, startOllamaFake } from '../../src/fakes/ollama-fake-server';
import { openAiSequence, startOpenAiFake } from '../../src/fakes/openai-fake-server';

const issue: Issue = { owner: 'acme', repo: 'calc', number: 7, title: 't', body: 'b', labels: [], author: 'a', url: 'https://github.com/acme/calc/issues/7', comments: [] };
const plan = { summary: 'Make add() add.', steps: ['Change the operator'], files: ['src/app.ts'] };
const closers: Array<() => Promise<void>> = [];

afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

function configured(ai: Record<string, unknown>, env: Record<string, string | undefined> = {}) {
  const config = rigConfigSchema.parse({ ai });
  return { endpoints: resolveEndpoints(config, env).ai, ai: config.ai! };
}

async function planWith(agent: ReturnType<typeof createAiAgent>): Promise<{ usage: AiCallUsage[] }> {
  const usage: AiCallUsage[] = [];
  const worktree = await fs.mkdtemp(path.join(os.tmpdir(), 'rig-provider-'));
  closers.push(() => fs.rm(worktree, { recursive: true, force: true }));
  const ctx: AiContext = { worktree, signal: new AbortController().signal, onUsage: (u) => usage.push(u), log: () => {} };
  expect(await agent.plan({ issue, repoMap: '' }, ctx)).toEqual(plan);
  return { usage };
}

describe('createAiAgent', () => {
  it('builds an Anthropic agent from ANTHROPIC_API_KEY and ANTHROPIC_BASE_URL', async () => {
    const fake = await startAnthropicFake(inSequence({ kind: 'message', content: [fakeToolUse('submit_plan', plan)] }), { apiKey: 'sk-ant-env-key-0123456789abcdef' });
    closers.push(() => fake.close());
    const { endpoints, ai } = configured({ provider: 'anthropic' }, { ANTHROPIC_API_KEY: 'sk-ant-env-key-0123456789abcdef', ANTHROPIC_BASE_URL: fake.url });
    const agent = createAiAgent(endpoints, ai);
    expect(agent).toBeInstanceOf(AnthropicAgent);
    expect(agent.description).toBe('Anthropic claude-opus-4-6');
    await planWith(agent);
    expect(fake.requests[0]!.body.model).toBe('claude-opus-4-6');
  });

  it('builds an OpenAI agent from OPENAI_API_KEY and OPENAI_BASE_URL, with rig.yaml prices', async () => {
    const fake = await startOpenAiFake(openAiSequence({ kind: 'message', toolCalls: [{ name: 'submit_plan', arguments: plan }], usage: { prompt_tokens: 1_000_000, completion_tokens: 0, cached_tokens: 0 } }), {
      apiKey: 'sk-proj-env-key-0123456789abcdefghij',
    });
    closers.push(() => fake.close());
    const { endpoints, ai } = configured(
      { provider: 'openai', model: 'gpt-4o-mini', max_tokens: 2048, prices: { 'gpt-4o-mini': { input: 3, output: 4 } } },
      { OPENAI_API_KEY: 'sk-proj-env-key-0123456789abcdefghij', OPENAI_BASE_URL: fake.url },
    );
    const agent = createAiAgent(endpoints, ai);
    expect(agent).toBeInstanceOf(OpenAiAgent);
    const { usage } = await planWith(agent);
    expect(fake.requests[0]!.body).toMatchObject({ model: 'gpt-4o-mini', max_completion_tokens: 2048 });
    expect(usage[0]!.costUsd).toBeCloseTo(3, 10);
  });

  it('builds an Ollama agent from OLLAMA_HOST written as host:port, editing whole files by default', async () => {
    const fake = await startOllamaFake(ollamaSequence({ kind: 'message', content: JSON.stringify(plan) }), { models: { 'llama3.1:8b': { contextLength: 131_072 } } });
    closers.push(() => fake.close());
    const { endpoints, ai } = configured({ provider: 'ollama', model: 'llama3.1:8b' }, { OLLAMA_HOST: fake.hostPort });
    const agent = createAiAgent(endpoints, ai);
    expect(agent).toBeInstanceOf(OllamaAgent);
    const { usage } = await planWith(agent);
    expect(usage[0]!.costUsd).toBe(0);
    expect(fake.chats[0]!.body.messages[0].content).toMatch(/list_files, read_file and write_file/);
  });

  it('honours ai.edit_format over the provider default', () => {
    const { endpoints, ai } = configured({ provider: 'ollama', model: 'llama3.1:8b', edit_format: 'editor' });
    expect(createAiAgent(endpoints, ai)).toBeInstanceOf(OllamaAgent);
    const cc = configured({ provider: 'claude-code', edit_format: 'whole_file' });
    expect(() => createAiAgent(cc.endpoints, cc.ai)).toThrow(/ai.edit_format does not apply to provider claude-code/);
  });

  it('builds the Claude Code agent', () => {
    const { endpoints, ai } = configured({ provider: 'claude-code' });
    expect(createAiAgent(endpoints, ai)).toBeInstanceOf(ClaudeCodeAgent);
  });

  it('names the variable to set when a key is missing, and never shows a key', () => {
    const anthropic = configured({ provider: 'anthropic' });
    expect(() => createAiAgent(anthropic.endpoints, anthropic.ai)).toThrow('no Anthropic API key: set ANTHROPIC_API_KEY or ai.api_key in rig.yaml');
    const openai = configured({ provider: 'openai', base_url: 'http://127.0.0.1:8000/v1' });
    expect(() => createAiAgent(openai.endpoints, openai.ai)).toThrow(/^no OpenAI API key: set OPENAI_API_KEY or ai.api_key in rig.yaml \(a compatible server/);
    // The key of one provider is never handed to another.
    const mixed = configured({ provider: 'openai' }, { OPENAI_API_KEY: 'sk-proj-secret-value-0123456789' });
    const err = (() => {
      try {
        createAiAgent({ ...mixed.endpoints, provider: 'anthropic' }, mixed.ai);
      } catch (e) {
        return e as Error;
      }
      throw new Error('expected an error');
    })();
    expect(err.message).toMatch(/resolved for provider anthropic but ai.provider is openai/);
    expect(err.message).not.toContain('sk-proj-secret');
  });

  it('rejects an unusable Ollama host with the value and the forms it accepts', () => {
    const { endpoints, ai } = configured({ provider: 'ollama', model: 'llama3.1:8b' }, { OLLAMA_HOST: 'gpu-box:eleven' });
    expect(() => createAiAgent(endpoints, ai)).toThrow('Ollama host "gpu-box:eleven" has an invalid port "eleven"; use host, host:port or http(s)://host:port (OLLAMA_HOST or ai.base_url)');
  });
});
