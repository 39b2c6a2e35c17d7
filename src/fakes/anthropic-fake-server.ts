// A loopback stand-in for POST /v1/messages that behaves like the Messages API on the wire: the
// same headers, error bodies, status codes and SSE event sequence, so the real SDK can be driven
// through success and every failure without the network. Replies come from a script.
import { createHash } from 'node:crypto';
import type http from 'node:http';
import { endBody, header, maskedHeaders, parseJsonBody, scriptedSequence, startLoopbackServer, split, write, writeFrames } from './loopback';

export type FakeBlock =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; name: string; input: unknown; id?: string }
  | { type: 'thinking'; thinking: string; signature?: string };

export interface FakeUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

export type FakeStopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'refusal' | 'pause_turn' | 'model_context_window_exceeded';

export type FakeReply =
  | {
      kind: 'message';
      content: FakeBlock[];
      /** Defaults to tool_use when a tool_use block is present, end_turn otherwise. */
      stop_reason?: FakeStopReason;
      usage?: Partial<FakeUsage>;
      model?: string;
      /** Pause before each SSE event, to let a test act while a reply is in flight. */
      delayMs?: number;
    }
  | {
      kind: 'http_error';
      status: number;
      /** Defaults to the type the API uses for the status (429 rate_limit_error, 529 overloaded_error, …). */
      errorType?: string;
      message?: string;
      /** Seconds, as the API sends it. */
      retryAfter?: string;
      retryAfterMs?: number;
    }
  | {
      /** The connection is destroyed after `afterEvents` SSE events: a reply that never finishes. */
      kind: 'cut_stream';
      content: FakeBlock[];
      afterEvents: number;
    }
  | {
      /** An `event: error` after `afterEvents` SSE events, as the API sends when it gives up mid-reply. */
      kind: 'stream_error';
      content: FakeBlock[];
      afterEvents: number;
      errorType?: string;
      message?: string;
    };

export interface FakeRequest {
  /** The parsed JSON body as the client sent it. */
  body: any;
  /** Request headers, with credentials replaced by "[present]". */
  headers: Record<string, string>;
  receivedAt: number;
}

export type FakeScript = (request: FakeRequest, callIndex: number) => FakeReply | Promise<FakeReply>;

export interface AnthropicFakeOptions {
  /** When set, requests must carry this key (x-api-key or Authorization: Bearer). */
  apiKey?: string;
}

export interface AnthropicFake {
  /** Base URL for the SDK (`baseURL`); requests go to `${url}/v1/messages`. */
  readonly url: string;
  /** Every request that reached the server, retries included, in arrival order. */
  readonly requests: FakeRequest[];
  close(): Promise<void>;
}

// ---------------------------------------------------------------- script helpers

export const fakeText = (text: string): FakeBlock => ({ type: 'text', text });
export const fakeToolUse = (name: string, input: unknown): FakeBlock => ({ type: 'tool_use', name, input });
export const fakeThinking = (thinking: string, signature = `sig-${createHash('sha256').update(thinking).digest('hex').slice(0, 24)}`): FakeBlock => ({
  type: 'thinking',
  thinking,
  signature,
});

/** Replies in order; a request past the end is answered with a 400 that names the problem. */
export function inSequence(...replies: Array<FakeReply | ((request: FakeRequest) => FakeReply)>): FakeScript {
  return scriptedSequence(replies);
}

// ---------------------------------------------------------------- server

const DEFAULT_ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

const DEFAULT_ERROR_MESSAGES: Record<string, string> = {
  rate_limit_error: 'Number of request tokens has exceeded your per-minute rate limit',
  overloaded_error: 'Overloaded',
  api_error: 'Internal server error',
  authentication_error: 'invalid x-api-key',
  permission_error: 'Your API key does not have permission to use the specified resource.',
  not_found_error: 'Not found',
};

export async function startAnthropicFake(script: FakeScript, options: AnthropicFakeOptions = {}): Promise<AnthropicFake> {
  const requests: FakeRequest[] = [];
  const cachedPrefixes = new Set<string>();
  let counter = 0;
  const nextId = () => (++counter).toString(36).padStart(8, '0');

  async function handle(req: http.IncomingMessage, raw: string, res: http.ServerResponse): Promise<void> {
    const requestId = `req_fake_${nextId()}`;
    if (req.method !== 'POST' || req.url?.split('?')[0] !== '/v1/messages') {
      return sendError(res, 404, 'not_found_error', 'Not Found', requestId);
    }
    const body = parseJsonBody(raw);
    const recorded: FakeRequest = { body, headers: maskedHeaders(req.headers, ['x-api-key', 'authorization']), receivedAt: Date.now() };
    requests.push(recorded);
    const callIndex = requests.length - 1;

    const authProblem = checkAuth(req.headers, options.apiKey);
    if (authProblem) return sendError(res, 401, 'authentication_error', authProblem, requestId);
    const version = header(req.headers, 'anthropic-version');
    if (!version) return sendError(res, 400, 'invalid_request_error', 'anthropic-version: header is required', requestId);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(version)) return sendError(res, 400, 'invalid_request_error', `anthropic-version: invalid version "${version}"`, requestId);
    if (body === undefined) return sendError(res, 400, 'invalid_request_error', 'There was an error parsing the body of your request: invalid JSON', requestId);
    const invalid = validateBody(body);
    if (invalid) return sendError(res, 400, 'invalid_request_error', invalid, requestId);

    let reply: FakeReply;
    try {
      reply = await script(recorded, callIndex);
    } catch (err) {
      // Not retried by the client, so a broken script surfaces at once with its reason.
      return sendError(res, 400, 'invalid_request_error', `fake script error: ${(err as Error).message}`, requestId);
    }

    if (reply.kind === 'http_error') {
      const type = reply.errorType ?? DEFAULT_ERROR_TYPES[reply.status] ?? 'api_error';
      const extra: Record<string, string> = {};
      if (reply.retryAfter !== undefined) extra['retry-after'] = reply.retryAfter;
      if (reply.retryAfterMs !== undefined) extra['retry-after-ms'] = String(reply.retryAfterMs);
      return sendError(res, reply.status, type, reply.message ?? DEFAULT_ERROR_MESSAGES[type] ?? type, requestId, extra);
    }

    const message = buildMessage(reply, body, nextId, cachedPrefixes);
    if (body.stream === true) return streamMessage(res, requestId, message, reply);
    if (reply.kind === 'stream_error') {
      return sendError(res, 529, reply.errorType ?? 'overloaded_error', reply.message ?? 'Overloaded', requestId);
    }
    res.writeHead(200, { 'content-type': 'application/json', 'request-id': requestId });
    endBody(res, JSON.stringify(message), reply.kind === 'cut_stream');
  }

  const server = await startLoopbackServer(handle, (res, message) => sendError(res, 500, 'api_error', message, nextId()));
  return { url: `http://127.0.0.1:${server.port}`, requests, close: server.close };
}

// ---------------------------------------------------------------- requests

/** The SDK sends the key as a Bearer token; other clients use x-api-key. Both are accepted. */
function checkAuth(headers: http.IncomingHttpHeaders, expected: string | undefined): string | null {
  if (expected === undefined) return null;
  const apiKey = header(headers, 'x-api-key');
  const bearer = header(headers, 'authorization')?.match(/^Bearer (.+)$/)?.[1];
  if (apiKey === undefined && bearer === undefined) return 'x-api-key header is required';
  if (apiKey !== undefined) return apiKey === expected ? null : 'invalid x-api-key';
  return bearer === expected ? null : 'invalid bearer token';
}

/** The checks of the real API that catch client mistakes worth catching in tests. */
function validateBody(body: any): string | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'body: Input should be an object';
  if (typeof body.model !== 'string' || !body.model) return 'model: Field required';
  if (!Number.isInteger(body.max_tokens) || body.max_tokens < 1) return 'max_tokens: Field required (a positive integer)';
  if (!Array.isArray(body.messages) || body.messages.length === 0) return 'messages: Field required (at least one message)';
  const messages: any[] = body.messages;
  if (messages[0]?.role !== 'user') return 'messages: first message must use the "user" role';
  let cacheControls = countCacheControl(body.system) + countCacheControl(body.tools);
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    if (m?.role !== 'user' && m?.role !== 'assistant') return `messages.${i}.role: Input should be 'user' or 'assistant'`;
    if (typeof m.content !== 'string' && !Array.isArray(m.content)) return `messages.${i}.content: Field required`;
    cacheControls += countCacheControl(m.content);
    const blocks: any[] = Array.isArray(m.content) ? m.content : [];
    const resultIds = blocks.filter((b) => b?.type === 'tool_result').map((b) => b.tool_use_id);
    const previous: any[] = Array.isArray(messages[i - 1]?.content) ? messages[i - 1].content : [];
    const previousUseIds = new Set(previous.filter((b) => b?.type === 'tool_use').map((b) => b.id));
    const unexpected = resultIds.filter((id) => !previousUseIds.has(id));
    if (m.role === 'user' && unexpected.length) {
      return `messages.${i}.content: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${unexpected.join(', ')}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
    }
    if (m.role === 'assistant') {
      const useIds = blocks.filter((b) => b?.type === 'tool_use').map((b) => b.id);
      const next: any[] = Array.isArray(messages[i + 1]?.content) ? messages[i + 1].content : [];
      const answered = new Set(next.filter((b) => b?.type === 'tool_result').map((b) => b.tool_use_id));
      const missing = useIds.filter((id) => !answered.has(id));
      if (missing.length && i + 1 < messages.length) {
        return `messages.${i + 1}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`;
      }
    }
  }
  if (cacheControls > 4) return `A maximum of 4 blocks with cache_control may be provided. Found ${cacheControls}.`;
  return null;
}

function countCacheControl(value: unknown): number {
  if (!Array.isArray(value)) return 0;
  return value.filter((b) => b && typeof b === 'object' && 'cache_control' in b && b.cache_control).length;
}

// ---------------------------------------------------------------- replies

type WireBlock =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: unknown }
  | { type: 'thinking'; thinking: string; signature: string };

interface WireMessage {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: WireBlock[];
  stop_reason: FakeStopReason;
  stop_sequence: null;
  usage: FakeUsage;
}

function buildMessage(
  reply: Exclude<FakeReply, { kind: 'http_error' }>,
  body: any,
  nextId: () => string,
  cachedPrefixes: Set<string>,
): WireMessage {
  const content: WireBlock[] = reply.content.map((b) => {
    if (b.type === 'tool_use') return { type: 'tool_use', id: b.id ?? `toolu_fake_${nextId()}`, name: b.name, input: b.input };
    if (b.type === 'thinking') return { type: 'thinking', thinking: b.thinking, signature: b.signature ?? `sig-${nextId()}` };
    return { type: 'text', text: b.text };
  });
  const hasToolUse = content.some((b) => b.type === 'tool_use');
  const outputChars = content.reduce((n, b) => n + JSON.stringify(b).length, 0);
  const usage: FakeUsage = {
    ...promptUsage(body, cachedPrefixes),
    output_tokens: Math.max(1, Math.ceil(outputChars / 4)),
    ...(reply.kind === 'message' ? reply.usage : {}),
  };
  return {
    id: `msg_fake_${nextId()}`,
    type: 'message',
    role: 'assistant',
    model: (reply.kind === 'message' && reply.model) || body.model,
    content,
    stop_reason: (reply.kind === 'message' && reply.stop_reason) || (hasToolUse ? 'tool_use' : 'end_turn'),
    stop_sequence: null,
    usage,
  };
}

/**
 * Token counts the way prompt caching reports them: the prompt up to the last cache_control
 * breakpoint is written to the cache, and the longest already-cached prefix ending at a block
 * boundary before it is read from the cache instead; the rest is plain input. There is no minimum
 * cacheable length here, and four characters make a token.
 */
function promptUsage(body: any, cachedPrefixes: Set<string>): Omit<FakeUsage, 'output_tokens'> {
  const tokens = (value: unknown) => Math.ceil(JSON.stringify(stripCacheControl(value) ?? '').length / 4);
  const head = { tools: body.tools ?? [], system: body.system ?? '' };
  const total = tokens({ ...head, messages: body.messages });
  const headMarked = countCacheControl(body.system) + countCacheControl(body.tools) > 0;
  const boundaries: Array<{ key: string; tokens: number; marked: boolean }> = [{ ...prefixOf(head, [], tokens), marked: headMarked }];
  const messages: any[] = body.messages;
  messages.forEach((m, i) => {
    const blocks: any[] = Array.isArray(m.content) ? m.content : [m.content];
    blocks.forEach((b, j) => {
      const partial = [...messages.slice(0, i), { ...m, content: Array.isArray(m.content) ? blocks.slice(0, j + 1) : m.content }];
      boundaries.push({ ...prefixOf(head, partial, tokens), marked: Boolean(b?.cache_control) });
    });
  });
  const lastMarked = boundaries.map((b) => b.marked).lastIndexOf(true);
  if (lastMarked === -1) return { input_tokens: total, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
  const read = boundaries
    .slice(0, lastMarked + 1)
    .filter((b) => cachedPrefixes.has(b.key))
    .reduce((max, b) => Math.max(max, b.tokens), 0);
  for (const b of boundaries) if (b.marked) cachedPrefixes.add(b.key);
  const written = Math.max(0, boundaries[lastMarked]!.tokens - read);
  return { input_tokens: Math.max(0, total - read - written), cache_creation_input_tokens: written, cache_read_input_tokens: read };
}

function prefixOf(head: object, messages: unknown[], tokens: (v: unknown) => number): { key: string; tokens: number } {
  const prefix = { ...head, messages };
  return { key: createHash('sha256').update(JSON.stringify(stripCacheControl(prefix))).digest('hex'), tokens: tokens(prefix) };
}

/** Breakpoints move between calls; what is cached is the content, not where the marker sat. */
function stripCacheControl(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripCacheControl);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (k !== 'cache_control') out[k] = stripCacheControl(v);
    return out;
  }
  return value;
}

type SseEvent = [name: string, data: unknown];

/** The event sequence of the streaming Messages API, with deltas split into several chunks. */
function sseEvents(message: WireMessage): SseEvent[] {
  const events: SseEvent[] = [
    ['message_start', { type: 'message_start', message: { ...message, content: [], stop_reason: null, usage: { ...message.usage, output_tokens: 1 } } }],
  ];
  message.content.forEach((block, index) => {
    if (block.type === 'text') {
      events.push(['content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } }]);
      if (index === 0) events.push(['ping', { type: 'ping' }]);
      for (const text of split(block.text, 3)) events.push(delta(index, { type: 'text_delta', text }));
    } else if (block.type === 'thinking') {
      events.push(['content_block_start', { type: 'content_block_start', index, content_block: { type: 'thinking', thinking: '', signature: '' } }]);
      if (index === 0) events.push(['ping', { type: 'ping' }]);
      for (const thinking of split(block.thinking, 2)) events.push(delta(index, { type: 'thinking_delta', thinking }));
      events.push(delta(index, { type: 'signature_delta', signature: block.signature }));
    } else {
      events.push(['content_block_start', { type: 'content_block_start', index, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} } }]);
      if (index === 0) events.push(['ping', { type: 'ping' }]);
      // The API opens with an empty partial_json, then sends the input in arbitrary slices.
      events.push(delta(index, { type: 'input_json_delta', partial_json: '' }));
      for (const partial_json of split(JSON.stringify(block.input), 4)) events.push(delta(index, { type: 'input_json_delta', partial_json }));
    }
    events.push(['content_block_stop', { type: 'content_block_stop', index }]);
  });
  events.push(['message_delta', { type: 'message_delta', delta: { stop_reason: message.stop_reason, stop_sequence: null }, usage: { output_tokens: message.usage.output_tokens } }]);
  events.push(['message_stop', { type: 'message_stop' }]);
  return events;
}

function delta(index: number, d: object): SseEvent {
  return ['content_block_delta', { type: 'content_block_delta', index, delta: d }];
}

async function streamMessage(
  res: http.ServerResponse,
  requestId: string,
  message: WireMessage,
  reply: Exclude<FakeReply, { kind: 'http_error' }>,
): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'request-id': requestId });
  res.flushHeaders();
  const frames = sseEvents(message).map(([name, data]) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
  if (!(await writeFrames(res, frames, reply.kind === 'message' ? { delayMs: reply.delayMs } : { stopAfter: reply.afterEvents }))) return;
  if (reply.kind === 'cut_stream') {
    res.socket?.destroy();
    return;
  }
  if (reply.kind === 'stream_error') {
    const error = { type: 'error', error: { type: reply.errorType ?? 'overloaded_error', message: reply.message ?? 'Overloaded' }, request_id: requestId };
    await write(res, `event: error\ndata: ${JSON.stringify(error)}\n\n`);
  }
  res.end();
}

function sendError(res: http.ServerResponse, status: number, type: string, message: string, requestId: string, headers: Record<string, string> = {}): void {
  const body = JSON.stringify({ type: 'error', error: { type, message }, request_id: requestId });
  res.writeHead(status, { 'content-type': 'application/json', 'request-id': requestId, ...headers });
  res.end(body);
}
