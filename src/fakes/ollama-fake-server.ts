// A loopback stand-in for a local Ollama that behaves like it on the wire: POST /api/chat streaming
// NDJSON (one JSON object a line, the last with done: true and the token counts), tool calls with
// arguments as objects, `{"error": "…"}` bodies, and errors in the middle of a stream sent as an
// {"error": …} line behind HTTP 200. POST /api/show describes the installed models. Replies come
// from a script.
import type http from 'node:http';
import { maskedHeaders, parseJsonBody, scriptedSequence, startLoopbackServer, split, write, writeFrames } from './loopback';

export interface OllamaFakeModel {
  /** Written to model_info as `<architecture>.context_length`; omitted when undefined. */
  contextLength?: number;
  architecture?: string;
  /** As /api/show lists them; a model without "tools" refuses requests that carry tools. */
  capabilities?: string[];
}

export interface OllamaFakeToolCall {
  name: string;
  /** Sent as is: an object normally, a string to imitate a model that wrote its arguments as text. */
  arguments: unknown;
}

interface ReplyContent {
  content?: string;
  thinking?: string;
  toolCalls?: OllamaFakeToolCall[];
}

export type OllamaFakeReply =
  | (ReplyContent & {
      kind: 'message';
      done_reason?: 'stop' | 'length' | 'load' | 'unload';
      prompt_eval_count?: number;
      eval_count?: number;
      /** Older Ollama releases send tool calls without ids. */
      withoutToolCallIds?: boolean;
      delayMs?: number;
    })
  | { kind: 'http_error'; status: number; error?: string; retryAfter?: string }
  | (ReplyContent & {
      /** The connection is destroyed after `afterLines` lines: a reply that never finishes. */
      kind: 'cut_stream';
      afterLines: number;
      /** End the response normally instead, as a proxy that gave up quietly would. */
      graceful?: boolean;
    })
  | (ReplyContent & {
      /** An `{"error": …}` line after `afterLines` lines, the status already sent as 200. */
      kind: 'stream_error';
      afterLines: number;
      error?: string;
    });

export interface OllamaFakeRequest {
  path: string;
  body: any;
  headers: Record<string, string>;
  receivedAt: number;
}

export type OllamaFakeScript = (request: OllamaFakeRequest, callIndex: number) => OllamaFakeReply | Promise<OllamaFakeReply>;

export interface OllamaFakeOptions {
  /** Installed models by name; a name without a tag also matches `<name>:latest`. */
  models: Record<string, OllamaFakeModel>;
  /** When set, requests must carry `Authorization: Bearer <apiKey>` (an authenticating proxy). */
  apiKey?: string;
  /** Answers to /api/show before the real description, e.g. a 500. */
  showFailures?: number[];
}

export interface OllamaFake {
  /** Base URL of the server, like http://127.0.0.1:11434. */
  readonly url: string;
  /** host:port, as OLLAMA_HOST is often written. */
  readonly hostPort: string;
  /** Every /api/chat request, retries included, in arrival order. */
  readonly chats: OllamaFakeRequest[];
  /** Every /api/show request. */
  readonly shows: OllamaFakeRequest[];
  close(): Promise<void>;
}

export function ollamaSequence(...replies: Array<OllamaFakeReply | ((request: OllamaFakeRequest) => OllamaFakeReply)>): OllamaFakeScript {
  return scriptedSequence(replies);
}

export async function startOllamaFake(script: OllamaFakeScript, options: OllamaFakeOptions): Promise<OllamaFake> {
  const chats: OllamaFakeRequest[] = [];
  const shows: OllamaFakeRequest[] = [];
  const showFailures = [...(options.showFailures ?? [])];
  let callCounter = 0;

  const findModel = (name: unknown): OllamaFakeModel | undefined => {
    if (typeof name !== 'string' || !name) return undefined;
    return options.models[name] ?? options.models[name.replace(/:latest$/, '')] ?? options.models[`${name}:latest`];
  };

  async function handle(req: http.IncomingMessage, raw: string, res: http.ServerResponse): Promise<void> {
    const path = req.url?.split('?')[0] ?? '';
    if (req.method === 'GET' && (path === '/' || path === '')) {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      return void res.end('Ollama is running');
    }
    if (req.method === 'GET' && path === '/api/version') return sendJson(res, 200, { version: '0.12.6' });
    if (req.method !== 'POST' || (path !== '/api/chat' && path !== '/api/show')) return sendError(res, 404, '404 page not found', 'text/plain');

    const body = parseJsonBody(raw);
    const recorded: OllamaFakeRequest = { path, body, headers: maskedHeaders(req.headers, ['authorization']), receivedAt: Date.now() };
    (path === '/api/chat' ? chats : shows).push(recorded);

    if (options.apiKey !== undefined && req.headers.authorization !== `Bearer ${options.apiKey}`) return sendError(res, 401, 'unauthorized');
    if (body === undefined || typeof body !== 'object' || body === null) return sendError(res, 400, 'invalid character in request body');
    if (typeof body.model !== 'string' || !body.model) return sendError(res, 400, 'model is required');
    const model = findModel(body.model);

    if (path === '/api/show') {
      const failure = showFailures.shift();
      if (failure !== undefined) return sendError(res, failure, 'show failed');
      if (!model) return sendError(res, 404, `model '${body.model}' not found`);
      return sendJson(res, 200, showResponse(body.model, model));
    }

    if (!model) return sendError(res, 404, `model "${body.model}" not found, try pulling it first`);
    if (!Array.isArray(body.messages)) return sendError(res, 400, 'messages is required');
    if (Array.isArray(body.tools) && body.tools.length && !(model.capabilities ?? ['completion', 'tools']).includes('tools')) {
      return sendError(res, 400, `registry.ollama.ai/library/${body.model} does not support tools`);
    }
    const numCtx = body.options?.num_ctx;
    if (numCtx !== undefined && !Number.isInteger(numCtx)) return sendError(res, 400, 'option "num_ctx" must be of type integer');

    let reply: OllamaFakeReply;
    try {
      reply = await script(recorded, chats.length - 1);
    } catch (err) {
      return sendError(res, 400, `fake script error: ${(err as Error).message}`);
    }
    if (reply.kind === 'http_error') {
      return sendError(res, reply.status, reply.error ?? 'the model failed to generate a response', 'application/json', reply.retryAfter ? { 'retry-after': reply.retryAfter } : {});
    }

    const lines = replyLines(reply, body, () => `call_${(++callCounter).toString(36).padStart(8, '0')}`);
    if (body.stream === false) {
      if (reply.kind !== 'message') return sendError(res, 500, reply.kind === 'stream_error' ? (reply.error ?? 'an error was encountered while running the model') : 'connection reset');
      const whole = { ...lines.at(-1)!, message: mergedMessage(lines) };
      return sendJson(res, 200, whole);
    }
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    res.flushHeaders();
    const frames = lines.map((line) => `${JSON.stringify(line)}\n`);
    if (!(await writeFrames(res, frames, reply.kind === 'message' ? { delayMs: reply.delayMs } : { stopAfter: reply.afterLines }))) return;
    if (reply.kind === 'cut_stream') {
      if (reply.graceful) res.end();
      else res.socket?.destroy();
      return;
    }
    if (reply.kind === 'stream_error') await write(res, `${JSON.stringify({ error: reply.error ?? 'an error was encountered while running the model' })}\n`);
    res.end();
  }

  const server = await startLoopbackServer(handle, (res, message) => sendError(res, 500, message));
  return { url: `http://127.0.0.1:${server.port}`, hostPort: `127.0.0.1:${server.port}`, chats, shows, close: server.close };
}

function showResponse(name: string, model: OllamaFakeModel) {
  const arch = model.architecture ?? 'llama';
  return {
    license: 'fake',
    modelfile: `# Modelfile generated by "ollama show"\nFROM ${name}\n`,
    parameters: 'stop "<|eot_id|>"',
    template: '{{ .Prompt }}',
    details: { parent_model: '', format: 'gguf', family: arch, families: [arch], parameter_size: '8.0B', quantization_level: 'Q4_K_M' },
    model_info: {
      'general.architecture': arch,
      'general.parameter_count': 8030261248,
      [`${arch}.attention.head_count`]: 32,
      [`${arch}.block_count`]: 32,
      ...(model.contextLength !== undefined ? { [`${arch}.context_length`]: model.contextLength } : {}),
      [`${arch}.embedding_length`]: 4096,
    },
    capabilities: model.capabilities ?? ['completion', 'tools'],
    modified_at: '2026-01-01T00:00:00.000000000Z',
  };
}

/** Content and thinking in several lines, tool calls together in one, then the final counted line. */
function replyLines(reply: Exclude<OllamaFakeReply, { kind: 'http_error' }>, body: any, nextId: () => string): any[] {
  const createdAt = () => new Date().toISOString();
  const line = (message: object) => ({ model: body.model, created_at: createdAt(), message: { role: 'assistant', content: '', ...message }, done: false });
  const out: any[] = [];
  for (const thinking of split(reply.thinking ?? '', 2)) out.push(line({ thinking }));
  for (const content of split(reply.content ?? '', 3)) out.push(line({ content }));
  if (reply.toolCalls?.length) {
    const withoutIds = reply.kind === 'message' && reply.withoutToolCallIds;
    out.push(
      line({
        tool_calls: reply.toolCalls.map((c, index) => ({ ...(withoutIds ? {} : { id: nextId() }), function: { index, name: c.name, arguments: c.arguments } })),
      }),
    );
  }
  const promptChars = JSON.stringify(body.messages ?? []).length + JSON.stringify(body.tools ?? []).length;
  const outputChars = (reply.content ?? '').length + JSON.stringify(reply.toolCalls ?? []).length;
  out.push({
    model: body.model,
    created_at: createdAt(),
    message: { role: 'assistant', content: '' },
    done: true,
    done_reason: (reply.kind === 'message' && reply.done_reason) || 'stop',
    total_duration: 4_883_583_458,
    load_duration: 1_334_875,
    prompt_eval_count: (reply.kind === 'message' && reply.prompt_eval_count) || Math.ceil(promptChars / 4),
    prompt_eval_duration: 342_546_000,
    eval_count: (reply.kind === 'message' && reply.eval_count) || Math.max(1, Math.ceil(outputChars / 4)),
    eval_duration: 4_535_599_000,
  });
  return out;
}

function mergedMessage(lines: any[]) {
  const message: any = { role: 'assistant', content: '' };
  for (const l of lines) {
    message.content += l.message.content ?? '';
    if (l.message.thinking) message.thinking = (message.thinking ?? '') + l.message.thinking;
    if (l.message.tool_calls) message.tool_calls = [...(message.tool_calls ?? []), ...l.message.tool_calls];
  }
  return message;
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

function sendError(res: http.ServerResponse, status: number, error: string, type = 'application/json', headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type === 'text/plain' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8', ...headers });
  res.end(type === 'text/plain' ? error : JSON.stringify({ error }));
}
