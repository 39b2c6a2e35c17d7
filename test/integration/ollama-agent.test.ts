// The agent against a loopback fake of Ollama's native API, over real HTTP with fetch.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OllamaAgent, type OllamaAgentOptions } from '../../src/adapters/ai/ollama-agent';
import { DEFAULT_OLLAMA_URL, resolveOllamaBaseUrl } from '../../src/adapters/ai/ollama-model';
import type { Issue, LogLevel } from '../../src/core/model';
import { AiError, type AiCallUsage, type AiContext } from '../../src/core/ports';
import {
  ollamaSequence,
  startOllamaFake,
  type OllamaFake,
  type OllamaFakeOptions,
  type OllamaFakeReply,
  type OllamaFakeScript,
} from '../../src/fakes/ollama-fake-server';

const MODEL = 'qwen2.5-coder:14b';
const APP_TS = 'export function add(a: number, b: number) {\n  return a - b;\n}\n';
const FIXED_TS = APP_TS.replace('a - b', 'a + b');

const issue: Issue = {
  owner: 'acme',
  repo: 'calc',
  number: 7,
  title: 'add() subtracts',
  body: 'add(2, 2) returns 0.',
  labels: ['bug'],
  author: 'alice',
  url: 'https://github.com/acme/calc/issues/7',
  comments: [],
};
const plan = { summary: 'Make add() add.', steps: ['Change the operator in src/app.ts'], files: ['src/app.ts'] };
const writeFixed = { name: 'write_file', arguments: { path: 'src/app.ts', content: FIXED_TS } };

let base: string;
let worktree: string;
let fake: OllamaFake | undefined;

interface Recorder {
  ctx: AiContext;
  usage: AiCallUsage[];
  logs: Array<{ level: LogLevel; message: string }>;
  abort: AbortController;
}

function recorder(): Recorder {
  const usage: AiCallUsage[] = [];
  const logs: Array<{ level: LogLevel; message: string }> = [];
  const abort = new AbortController();
  return { usage, logs, abort, ctx: { worktree, signal: abort.signal, onUsage: (u) => usage.push(u), log: (level, message) => logs.push({ level, message }) } };
}

const defaultModels: OllamaFakeOptions['models'] = { [MODEL]: { contextLength: 131_072, architecture: 'qwen2' } };

async function serve(script: OllamaFakeScript | OllamaFakeReply[], options: Partial<OllamaFakeOptions> = {}): Promise<OllamaFake> {
  fake = await startOllamaFake(Array.isArray(script) ? ollamaSequence(...script) : script, { models: defaultModels, ...options });
  return fake;
}

function agent(overrides: Partial<OllamaAgentOptions> = {}): OllamaAgent {
  return new OllamaAgent({ host: fake!.hostPort, model: MODEL, maxTokens: 4096, maxTurns: 6, maxRetries: 2, ...overrides });
}

async function caught(promise: Promise<unknown>): Promise<AiError> {
  const err = await promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AiError);
  return err as AiError;
}

/** The role:tool messages that answer the last assistant turn of chat request `i`. */
function toolMessages(i: number): any[] {
  const messages = fake!.chats[i]!.body.messages as any[];
  return messages.slice(messages.map((m) => m.role).lastIndexOf('assistant') + 1);
}

beforeEach(async () => {
  base = await fs.mkdtemp(path.join(os.tmpdir(), 'rig-ollama-'));
  worktree = path.join(base, 'repo');
  await fs.mkdir(path.join(worktree, 'src'), { recursive: true });
  await fs.writeFile(path.join(worktree, 'src', 'app.ts'), APP_TS);
});

afterEach(async () => {
  await fake?.close();
  fake = undefined;
  await fs.rm(base, { recursive: true, force: true });
});

const readApp = () => fs.readFile(path.join(worktree, 'src', 'app.ts'), 'utf8');

describe('code loop in whole-file mode (the default for Ollama)', () => {
  it('lists, reads and rewrites files over NDJSON, with num_ctx sized from the model and asked for once', async () => {
    await serve([
      { kind: 'message', thinking: 'Find the file.', toolCalls: [{ name: 'list_files', arguments: {} }] },
      { kind: 'message', content: 'Reading it.', toolCalls: [{ name: 'read_file', arguments: { path: 'src/app.ts' } }] },
      { kind: 'message', toolCalls: [writeFixed], withoutToolCallIds: true },
      { kind: 'message', content: 'Changed the operator in add().', prompt_eval_count: 900, eval_count: 12 },
      { kind: 'message', content: JSON.stringify({ verdict: 'approve', summary: 'The operator is fixed.', comments: [] }) },
    ]);
    const rec = recorder();
    const a = agent();
    expect(a.description).toBe(`Ollama ${MODEL}`);
    const result = await a.code({ issue, plan }, rec.ctx);
    expect(result).toEqual({ filesChanged: ['src/app.ts'], summary: 'Changed the operator in add().' });
    expect(await readApp()).toBe(FIXED_TS);

    const first = fake!.chats[0]!.body;
    expect(first.stream).toBe(true);
    // The model takes 131072 tokens; num_ctx is capped so loading it does not exhaust memory.
    expect(first.options).toEqual({ num_ctx: 32_768, num_predict: 4096 });
    expect(first.format).toBeUndefined();
    expect(first.tools.map((t: any) => [t.type, t.function.name])).toEqual([
      ['function', 'list_files'],
      ['function', 'read_file'],
      ['function', 'write_file'],
    ]);
    expect(first.messages[0]).toEqual({ role: 'system', content: expect.stringMatching(/write_file replaces a whole file/) });
    expect(first.messages[1].content).toMatch(/^The task is GitHub issue acme\/calc#7[\s\S]*send each changed or new file with write_file/);

    expect(toolMessages(1)).toEqual([{ role: 'tool', tool_name: 'list_files', tool_call_id: expect.stringMatching(/^call_/), content: expect.stringContaining('src/app.ts') }]);
    // The assistant turn goes back with its thinking and tool calls.
    expect(fake!.chats[1]!.body.messages[2]).toMatchObject({ role: 'assistant', thinking: 'Find the file.', tool_calls: [{ function: { name: 'list_files' } }] });
    expect(toolMessages(2)[0]).toMatchObject({ tool_name: 'read_file', content: APP_TS });
    // A reply without tool-call ids gets ids of its own, and each answer names its call.
    const third = fake!.chats[3]!.body.messages as any[];
    expect(third.at(-2).tool_calls[0].id).toBe('call_0');
    expect(third.at(-1)).toMatchObject({ role: 'tool', tool_name: 'write_file', tool_call_id: 'call_0', content: 'Wrote src/app.ts (3 lines).' });

    expect(rec.usage.map((u) => u.purpose)).toEqual(['code', 'code', 'code', 'code']);
    expect(rec.usage[3]).toEqual({ model: MODEL, purpose: 'code', inputTokens: 900, outputTokens: 12, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0 });
    expect(rec.logs.some((l) => l.level === 'info' && l.message === 'write_file src/app.ts')).toBe(true);
    expect(rec.logs.some((l) => /no price is known/.test(l.message))).toBe(false);

    expect((await a.review({ issue, plan, diff: '+x', changedFiles: ['src/app.ts'] }, rec.ctx)).verdict).toBe('approve');
    expect(fake!.shows).toHaveLength(1);
    expect(fake!.shows[0]!.body).toEqual({ model: MODEL });
  });

  it('refuses writes that would lose code or leave the worktree, and tells the model why', async () => {
    await serve([
      {
        kind: 'message',
        toolCalls: [
          { name: 'write_file', arguments: { path: 'src/app.ts', content: 'export function add(a: number, b: number) {\n  // ... existing code ...\n}\n' } },
          { name: 'write_file', arguments: { path: 'src/app.ts', content: '' } },
          { name: 'write_file', arguments: { path: '../outside.ts', content: 'x' } },
          { name: 'write_file', arguments: '{"path": "src/app.ts", "content": ' },
          { name: 'str_replace_based_edit_tool', arguments: { command: 'view', path: 'src/app.ts' } },
        ],
      },
      { kind: 'message', toolCalls: [writeFixed] },
      { kind: 'message', content: 'Done.' },
    ]);
    const rec = recorder();
    const result = await agent().code({ issue, plan }, rec.ctx);
    const answers = toolMessages(1).map((m) => m.content);
    expect(answers[0]).toMatch(/^Error: write_file was refused: line 2 .*"\/\/ \.\.\. existing code \.\.\."\) looks like a placeholder/);
    expect(answers[1]).toMatch(/^Error: write_file was refused: the content is empty and would erase src\/app.ts/);
    expect(answers[2]).toMatch(/^Error: .*leaves the repository/);
    expect(answers[3]).toMatch(/^Error: The arguments of write_file could not be read: the arguments are not valid JSON/);
    expect(answers[4]).toMatch(/^Error: There is no tool named "str_replace_based_edit_tool"\. Use list_files, read_file, write_file\./);
    await expect(fs.stat(path.join(base, 'outside.ts'))).rejects.toThrow(/ENOENT/);
    expect(await readApp()).toBe(FIXED_TS);
    expect(result.filesChanged).toEqual(['src/app.ts']);
  });

  it('can use the text editor instead, as a function tool', async () => {
    await serve([
      { kind: 'message', toolCalls: [{ name: 'str_replace_based_edit_tool', arguments: { command: 'str_replace', path: 'src/app.ts', old_str: 'a - b', new_str: 'a + b' } }] },
      { kind: 'message', content: 'Done.' },
    ]);
    await agent({ editFormat: 'editor' }).code({ issue, plan }, recorder().ctx);
    expect(fake!.chats[0]!.body.tools.map((t: any) => t.function.name)).toEqual(['str_replace_based_edit_tool']);
    expect(await readApp()).toBe(FIXED_TS);
  });
});

describe('replies that must not be applied', () => {
  it('never applies a reply stopped by the token limit (done_reason length)', async () => {
    await serve([{ kind: 'message', done_reason: 'length', toolCalls: [writeFixed] }]);
    const rec = recorder();
    const err = await caught(agent({ maxTokens: 64 }).code({ issue, plan }, rec.ctx));
    expect(err.kind).toBe('truncated');
    expect(err.message).toMatch(/cut off at max_tokens \(64\); nothing from that reply was applied/);
    expect(fake!.chats[0]!.body.options.num_predict).toBe(64);
    expect(await readApp()).toBe(APP_TS);
    expect(rec.usage).toHaveLength(1);
  });

  it('treats an error line behind HTTP 200 as a failed reply, even after the tool call arrived', async () => {
    // Lines: two of content, the tool call, then the error instead of the done line.
    await serve([{ kind: 'stream_error', afterLines: 3, content: 'I will fix it.', toolCalls: [writeFixed], error: 'an error was encountered while running the model: CUDA error: out of memory' }]);
    const err = await caught(agent().code({ issue, plan }, recorder().ctx));
    expect(err.kind).toBe('unavailable');
    expect(err.message).toBe('Ollama failed in the middle of the reply: an error was encountered while running the model: CUDA error: out of memory; nothing from that reply was applied');
    expect(await readApp()).toBe(APP_TS);
    expect(fake!.chats).toHaveLength(1);
  });

  for (const [when, afterLines] of [
    ['before the tool call', 1],
    ['after the tool call, before the done line', 2],
  ] as const) {
    it(`applies nothing when the stream is cut ${when}`, async () => {
      await serve([{ kind: 'cut_stream', afterLines, content: 'Fixing.', toolCalls: [writeFixed] }]);
      const err = await caught(agent().code({ issue, plan }, recorder().ctx));
      expect(err.kind).toBe('unavailable');
      expect(err.message).toMatch(/reply stream ended before the message was complete .*nothing from that reply was applied/);
      expect(await readApp()).toBe(APP_TS);
    });
  }

  it('applies nothing when the stream ends cleanly without its done line', async () => {
    await serve([{ kind: 'cut_stream', afterLines: 2, graceful: true, content: 'Fixing.', toolCalls: [writeFixed] }]);
    const err = await caught(agent().code({ issue, plan }, recorder().ctx));
    expect(err.kind).toBe('unavailable');
    expect(err.message).toBe('the reply stream ended before the message was complete (no final "done" line); nothing from that reply was applied');
    expect(await readApp()).toBe(APP_TS);
  });

  it('stops when the task is cancelled mid-reply, without applying it and without an AiError', async () => {
    await serve([{ kind: 'message', delayMs: 60, content: 'Working on it slowly.', toolCalls: [writeFixed] }]);
    const rec = recorder();
    setTimeout(() => rec.abort.abort(), 100);
    const err = await agent().code({ issue, plan }, rec.ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(AiError);
    expect((err as Error).name).toBe('AbortError');
    expect(await readApp()).toBe(APP_TS);
  });
});

describe('structured answers through format', () => {
  it('plans with the answer schema as format, no tools, and validates the JSON it returns', async () => {
    await serve([
      { kind: 'message', content: JSON.stringify(plan) },
      { kind: 'message', content: '{"summary": "Make add() add.", "steps": [' },
      { kind: 'message', content: JSON.stringify({ ...plan, steps: [] }) },
    ]);
    const a = agent();
    expect(await a.plan({ issue, repoMap: 'src/app.ts' }, recorder().ctx)).toEqual(plan);
    const body = fake!.chats[0]!.body;
    expect(body.tools).toBeUndefined();
    expect(body.format).toMatchObject({ type: 'object', required: ['summary', 'steps', 'files'] });
    expect(body.messages[1].content).toMatch(/Answer with only the JSON object of the submit_plan arguments/);

    const notJson = await caught(a.plan({ issue, repoMap: '' }, recorder().ctx));
    expect(notJson.kind).toBe('invalid_reply');
    expect(notJson.message).toMatch(/submit_plan answer could not be read: the arguments are not valid JSON/);
    const wrong = await caught(a.plan({ issue, repoMap: '' }, recorder().ctx));
    expect(wrong.message).toMatch(/does not have the expected shape[\s\S]*→ at steps/);
  });

  it('reviews a diff the same way', async () => {
    await serve([{ kind: 'message', content: JSON.stringify({ verdict: 'approve', summary: 'The operator is fixed.', comments: [] }) }]);
    const rec = recorder();
    const verdict = await agent().review({ issue, plan, diff: '-  return a - b;\n+  return a + b;\n', changedFiles: ['src/app.ts'] }, rec.ctx);
    expect(verdict).toEqual({ verdict: 'approve', summary: 'The operator is fixed.', comments: [] });
    expect(fake!.chats[0]!.body.format.properties.verdict.enum).toEqual(['approve', 'request_changes']);
    expect(rec.usage[0]!.purpose).toBe('review');
  });
});

describe('the model and the server', () => {
  it('falls back to a sensible num_ctx when the model does not say, and uses a short context as is', async () => {
    await serve(() => ({ kind: 'message', content: JSON.stringify(plan) }), {
      models: { 'mystery:7b': {}, 'small:1b': { contextLength: 8192 } },
    });
    const rec = recorder();
    await agent({ model: 'mystery:7b' }).plan({ issue, repoMap: '' }, rec.ctx);
    expect(fake!.chats[0]!.body.options.num_ctx).toBe(8192);
    expect(rec.logs.some((l) => l.level === 'warn' && /does not say how long the context of mystery:7b is; num_ctx is set to 8192/.test(l.message))).toBe(true);
    await agent({ model: 'small:1b', maxContextTokens: 65_536 }).plan({ issue, repoMap: '' }, recorder().ctx);
    expect(fake!.chats[1]!.body.options.num_ctx).toBe(8192);
  });

  it('falls back when /api/show fails, and asks again on the next agent', async () => {
    await serve(() => ({ kind: 'message', content: JSON.stringify(plan) }), { showFailures: [400] });
    const rec = recorder();
    await agent().plan({ issue, repoMap: '' }, rec.ctx);
    expect(fake!.chats[0]!.body.options.num_ctx).toBe(8192);
    expect(rec.logs.some((l) => l.level === 'warn' && /Ollama could not describe/.test(l.message))).toBe(true);
    await agent().plan({ issue, repoMap: '' }, recorder().ctx);
    expect(fake!.chats[1]!.body.options.num_ctx).toBe(32_768);
  });

  it('refuses a prompt that cannot fit the context window before sending it', async () => {
    await serve([], { models: { 'tiny:1b': { contextLength: 1024 } } });
    const longIssue = { ...issue, body: 'The numbers do not add up. '.repeat(400) };
    const err = await caught(agent({ model: 'tiny:1b' }).plan({ issue: longIssue, repoMap: '' }, recorder().ctx));
    expect(err.kind).toBe('truncated');
    expect(err.message).toMatch(/^the prompt \(about \d+ tokens\) does not fit the context window of tiny:1b \(num_ctx 1024\); nothing was sent/);
    expect(fake!.chats).toHaveLength(0);
  });

  it('says which model is missing and how to get it', async () => {
    await serve([]);
    const err = await caught(agent({ model: 'llama9:70b' }).plan({ issue, repoMap: '' }, recorder().ctx));
    expect(err.kind).toBe('bad_request');
    expect(err.message).toMatch(/^Ollama has no model "llama9:70b" \(404: model 'llama9:70b' not found\); pull it with `ollama pull llama9:70b`/);
    expect(fake!.chats).toHaveLength(0);
  });

  it('says when a model cannot call tools instead of sending them', async () => {
    await serve([], { models: { 'gemma:2b': { contextLength: 8192, capabilities: ['completion'] } } });
    const err = await caught(agent({ model: 'gemma:2b' }).code({ issue, plan }, recorder().ctx));
    expect(err.kind).toBe('bad_request');
    expect(err.message).toMatch(/^gemma:2b cannot call tools in Ollama \(its capabilities: completion\)/);
    expect(fake!.chats).toHaveLength(0);
  });

  it('retries 503 and 429, honouring retry-after, then succeeds', async () => {
    await serve([
      { kind: 'http_error', status: 503, error: 'server busy, please try again.  maximum pending requests exceeded', retryAfter: '1' },
      { kind: 'http_error', status: 429, error: 'too many requests', retryAfter: '0' },
      { kind: 'message', content: JSON.stringify(plan) },
    ]);
    expect(await agent().plan({ issue, repoMap: '' }, recorder().ctx)).toEqual(plan);
    expect(fake!.chats).toHaveLength(3);
    expect(fake!.chats[1]!.receivedAt - fake!.chats[0]!.receivedAt).toBeGreaterThanOrEqual(950);
  });

  it('gives up on a lasting 500 after maxRetries, and does not retry a 400', async () => {
    await serve((req) =>
      req.body.format ? { kind: 'http_error', status: 500, error: 'llama runner process has terminated: exit status 2' } : { kind: 'http_error', status: 400, error: 'invalid message format' },
    );
    const lasting = await caught(agent({ maxRetries: 1 }).plan({ issue, repoMap: '' }, recorder().ctx));
    expect(lasting.kind).toBe('unavailable');
    expect(lasting.message).toBe('Ollama failed (500: llama runner process has terminated: exit status 2) after 1 retry');
    expect(fake!.chats).toHaveLength(2);
    const bad = await caught(agent({ maxRetries: 3 }).code({ issue, plan }, recorder().ctx));
    expect(bad.kind).toBe('bad_request');
    expect(bad.message).toBe('Ollama rejected the request (400: invalid message format)');
    expect(fake!.chats).toHaveLength(3);
  });

  it('sends a configured key as a Bearer token and never shows it', async () => {
    const key = 'sk-proxy-0123456789abcdefghijklmnop';
    await serve([{ kind: 'message', content: JSON.stringify(plan) }], { apiKey: key });
    const rec = recorder();
    expect(await agent({ apiKey: key }).plan({ issue, repoMap: '' }, rec.ctx)).toEqual(plan);
    expect(fake!.chats[0]!.headers.authorization).toBe('[present]');
    const err = await caught(agent({ apiKey: 'sk-proxy-wrong-wrong-wrong-wrong-wrong' }).plan({ issue, repoMap: '' }, rec.ctx));
    expect(err.kind).toBe('auth');
    expect(err.message).toMatch(/refused the request \(401: unauthorized\); check ai.api_key\. Not retried$/);
    expect(JSON.stringify([err.message, rec.logs, fake!.chats.map((c) => c.body)])).not.toMatch(/sk-proxy/);
  });

  it('says where it could not connect when nothing listens', async () => {
    await serve([]);
    const hostPort = fake!.hostPort;
    await fake!.close();
    fake = undefined;
    const a = new OllamaAgent({ host: hostPort, model: MODEL, maxTokens: 100, maxTurns: 2, maxRetries: 0 });
    const err = await caught(a.plan({ issue, repoMap: '' }, recorder().ctx));
    expect(err.kind).toBe('unavailable');
    expect(err.message).toMatch(new RegExp(`^could not reach Ollama at http://${hostPort.replace(/\./g, '\\.')} \\(.*ECONNREFUSED.*\\) after 0 retries; is \`ollama serve\` running there\\?$`));
  });

  it('reads OLLAMA_HOST the way Ollama does, and rejects what it cannot use', () => {
    expect(resolveOllamaBaseUrl(undefined)).toBe(DEFAULT_OLLAMA_URL);
    expect(resolveOllamaBaseUrl('  ')).toBe('http://127.0.0.1:11434');
    expect(resolveOllamaBaseUrl('gpu-box')).toBe('http://gpu-box:11434');
    expect(resolveOllamaBaseUrl('gpu-box:8080')).toBe('http://gpu-box:8080');
    expect(resolveOllamaBaseUrl(':9999')).toBe('http://127.0.0.1:9999');
    expect(resolveOllamaBaseUrl('0.0.0.0')).toBe('http://127.0.0.1:11434');
    expect(resolveOllamaBaseUrl('http://gpu-box')).toBe('http://gpu-box:80');
    expect(resolveOllamaBaseUrl('https://ollama.example.com/proxy/')).toBe('https://ollama.example.com:443/proxy');
    expect(resolveOllamaBaseUrl('[::1]:8080')).toBe('http://[::1]:8080');
    expect(resolveOllamaBaseUrl('::1')).toBe('http://[::1]:11434');
    expect(() => resolveOllamaBaseUrl('ftp://gpu-box')).toThrow(/scheme ftp, not http or https/);
    expect(() => resolveOllamaBaseUrl('gpu-box:99999')).toThrow(/invalid port "99999"/);
    expect(() => resolveOllamaBaseUrl('http://user:secret@gpu-box')).toThrow(/carries credentials; set ai.api_key instead/);
    expect(() => new OllamaAgent({ model: MODEL, maxTokens: 10, maxTurns: 1, host: 'gpu-box:port' })).toThrow(/invalid port/);
    expect(() => new OllamaAgent({ model: '', maxTokens: 10, maxTurns: 1 })).toThrow(/model is empty/);
    expect(() => new OllamaAgent({ model: MODEL, maxTokens: 10, maxTurns: 1, maxContextTokens: 100 })).toThrow(/maxContextTokens/);
  });
});

describe('the fake speaks Ollama on the wire', () => {
  it('streams NDJSON lines ending in a done line with counts, answers stream:false whole, and sends errors behind 200', async () => {
    await serve([
      { kind: 'message', content: 'Hello there, friend', toolCalls: [{ name: 'lookup', arguments: { q: 'ünïcode 🙂' } }] },
      { kind: 'stream_error', afterLines: 1, content: 'partial answer', error: 'an error was encountered while running the model' },
    ]);
    const post = (body: unknown) => fetch(`${fake!.url}/api/chat`, { method: 'POST', body: JSON.stringify(body) });
    const res = await post({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }] });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-ndjson');
    const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.slice(0, -1).every((l) => l.done === false && l.message.role === 'assistant')).toBe(true);
    expect(lines.map((l) => l.message.content).join('')).toBe('Hello there, friend');
    expect(lines.find((l) => l.message.tool_calls)!.message.tool_calls).toEqual([{ id: expect.any(String), function: { index: 0, name: 'lookup', arguments: { q: 'ünïcode 🙂' } } }]);
    expect(lines.at(-1)).toMatchObject({ done: true, done_reason: 'stop', prompt_eval_count: expect.any(Number), eval_count: expect.any(Number) });

    const broken = await post({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] });
    expect(broken.status).toBe(200);
    const brokenLines = (await broken.text()).trim().split('\n').map((l) => JSON.parse(l));
    expect(brokenLines.at(-1)).toEqual({ error: 'an error was encountered while running the model' });

    await fake!.close();
    await serve([{ kind: 'message', content: 'Whole answer', toolCalls: [{ name: 'lookup', arguments: { q: 1 } }] }]);
    const plain = await fetch(`${fake!.url}/api/chat`, { method: 'POST', body: JSON.stringify({ model: MODEL, stream: false, messages: [{ role: 'user', content: 'hi' }] }) });
    expect(plain.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await plain.json()).toMatchObject({
      done: true,
      done_reason: 'stop',
      message: { role: 'assistant', content: 'Whole answer', tool_calls: [{ function: { name: 'lookup', arguments: { q: 1 } } }] },
    });

    const missing = await post({ model: 'nope', messages: [] });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'model "nope" not found, try pulling it first' });
  });

  it('describes installed models like /api/show', async () => {
    await serve([]);
    const res = await fetch(`${fake!.url}/api/show`, { method: 'POST', body: JSON.stringify({ model: MODEL }) });
    const show = (await res.json()) as any;
    expect(show.model_info['general.architecture']).toBe('qwen2');
    expect(show.model_info['qwen2.context_length']).toBe(131_072);
    expect(show.capabilities).toEqual(['completion', 'tools']);
  });
});
