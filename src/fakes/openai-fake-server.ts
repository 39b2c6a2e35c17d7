// A loopback stand-in for POST /v1/chat/completions that behaves like OpenAI's Chat Completions API
// on the wire: Bearer auth, `{"error": {message, type, param, code}}` bodies, x-request-id and
// retry-after headers, and SSE `data:` chunks in which text and tool-call arguments arrive split
// across deltas, then a usage chunk and `[DONE]`. Replies come from a script.
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import { endBody, header, maskedHeaders, parseJsonBody, scriptedSequence, startLoopbackServer, split, write, writeFrames } from './loopback';

export interface OpenAiFakeToolCall {
  name: string;
  /** An object is sent as its JSON; a string is sent as is, so a test can send arguments that are not JSON. */
  arguments: unknown;
  id?: string;
}

export type OpenAiFinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

interface ReplyContent {
  content?: string;
  toolCalls?: OpenAiFakeToolCall[];
}

export type OpenAiFakeReply =
  | (ReplyContent & {
      kind: 'message';
      /** Defaults to tool_calls when there are tool calls (stop when a tool was forced, as the API does), stop otherwise. */
      finish_reason?: OpenAiFinishReason;
      refusal?: string;
      usage?: { prompt_tokens?: number; completion_tokens?: number; cached_tokens?: number };
      /** The model id the API answers with; OpenAI names the dated snapshot it used. */
      model?: string;
      delayMs?: number;
    })
  | {
      kind: 'http_error';
      status: number;
      type?: string;
      code?: string | null;
      param?: string | null;
      message?: string;
      /** Seconds, as the API sends it. */
      retryAfter?: string;
      retryAfterMs?: number;
    }
  | (ReplyContent & {
      /** The connection is destroyed after `afterChunks` SSE chunks: a reply that never finishes. */
      kind: 'cut_stream';
      afterChunks: number;
      /** End the response normally instead, as a proxy that gave up quietly would. */
      graceful?: boolean;
    })
  | (ReplyContent & {
      /** A `data: {"error": …}` chunk after `afterChunks` chunks, as the API sends when it fails mid-reply. */
      kind: 'stream_error';
      afterChunks: number;
      message?: string;
      type?: string;
    });

export interface OpenAiFakeRequest {
  body: any;
  /** Request headers, with the key replaced by "[present]". */
  headers: Record<string, string>;
  receivedAt: number;
}

export type OpenAiFakeScript = (request: OpenAiFakeRequest, callIndex: number) => OpenAiFakeReply | Promise<OpenAiFakeReply>;

export interface OpenAiFakeOptions {
  /** When set, requests must carry `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Smallest prompt prefix, in tokens, that the automatic prompt cache reuses. Default 1024, as documented. */
  cacheMinTokens?: number;
}

export interface OpenAiFake {
  /** Base URL for the SDK (`baseURL`), ending in /v1 like https://api.openai.com/v1. */
  readonly url: string;
  /** Every request that reached the server, retries included, in arrival order. */
  readonly requests: OpenAiFakeRequest[];
  close(): Promise<void>;
}

export function openAiSequence(...replies: Array<OpenAiFakeReply | ((request: OpenAiFakeRequest) => OpenAiFakeReply)>): OpenAiFakeScript {
  return scriptedSequence(replies);
}

// ---------------------------------------------------------------- server

const DEFAULT_ERRORS: Record<number, { type: string; code: string | null; message: string }> = {
  400: { type: 'invalid_request_error', code: null, message: 'Bad request' },
  403: { type: 'invalid_request_error', code: 'unsupported_country_region_territory', message: 'Country, region, or territory not supported' },
  404: { type: 'invalid_request_error', code: 'model_not_found', message: 'The model does not exist or you do not have access to it.' },
  429: { type: 'requests', code: 'rate_limit_exceeded', message: 'Rate limit reached for requests per min (RPM): Limit 3, Used 3, Requested 1.' },
  500: { type: 'server_error', code: null, message: 'The server had an error while processing your request. Sorry about that!' },
  502: { type: 'server_error', code: null, message: 'Bad gateway.' },
  503: { type: 'server_error', code: null, message: 'The engine is currently overloaded, please try again later' },
};

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

export async function startOpenAiFake(script: OpenAiFakeScript, options: OpenAiFakeOptions = {}): Promise<OpenAiFake> {
  const requests: OpenAiFakeRequest[] = [];
  const seenPrompts: string[] = [];
  const cacheMinTokens = options.cacheMinTokens ?? 1024;
  const nextId = () => randomBytes(9).toString('base64url');

  async function handle(req: http.IncomingMessage, raw: string, res: http.ServerResponse): Promise<void> {
    const requestId = `req_${nextId()}`;
    const path = req.url?.split('?')[0];
    if (req.method !== 'POST' || path !== '/v1/chat/completions') {
      return sendError(res, 404, { type: 'invalid_request_error', code: null, message: `Invalid URL (${req.method} ${path})` }, requestId);
    }
    const body = parseJsonBody(raw);
    const recorded: OpenAiFakeRequest = { body, headers: maskedHeaders(req.headers, ['authorization']), receivedAt: Date.now() };
    requests.push(recorded);
    const callIndex = requests.length - 1;

    const authProblem = checkAuth(req.headers, options.apiKey);
    if (authProblem) return sendError(res, 401, authProblem, requestId);
    if (body === undefined) {
      return sendError(res, 400, { type: 'invalid_request_error', code: null, message: 'We could not parse the JSON body of your request.' }, requestId);
    }
    const invalid = validateBody(body);
    if (invalid) return sendError(res, 400, { type: 'invalid_request_error', code: invalid.code ?? null, param: invalid.param, message: invalid.message }, requestId);

    let reply: OpenAiFakeReply;
    try {
      reply = await script(recorded, callIndex);
    } catch (err) {
      return sendError(res, 400, { type: 'invalid_request_error', code: null, message: `fake script error: ${(err as Error).message}` }, requestId);
    }

    if (reply.kind === 'http_error') {
      const d = DEFAULT_ERRORS[reply.status] ?? { type: 'server_error', code: null, message: 'Error' };
      const headers: Record<string, string> = {};
      if (reply.retryAfter !== undefined) headers['retry-after'] = reply.retryAfter;
      if (reply.retryAfterMs !== undefined) headers['retry-after-ms'] = String(reply.retryAfterMs);
      const error = { type: reply.type ?? d.type, code: reply.code === undefined ? d.code : reply.code, param: reply.param ?? null, message: reply.message ?? d.message };
      return sendError(res, reply.status, error, requestId, headers);
    }

    const completion = buildCompletion(reply, body, nextId, promptUsage(body, seenPrompts, cacheMinTokens));
    if (body.stream === true) return streamCompletion(res, requestId, completion, reply, body.stream_options?.include_usage === true);
    if (reply.kind === 'stream_error') {
      return sendError(res, 500, { type: reply.type ?? 'server_error', code: null, message: reply.message ?? DEFAULT_ERRORS[500]!.message }, requestId);
    }
    res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': requestId, 'openai-processing-ms': '12' });
    endBody(res, JSON.stringify(completionJson(completion)), reply.kind === 'cut_stream');
  }

  const server = await startLoopbackServer(handle, (res, message) => sendError(res, 500, { type: 'server_error', code: null, message }, nextId()));
  return { url: `http://127.0.0.1:${server.port}/v1`, requests, close: server.close };
}

// ---------------------------------------------------------------- requests

interface WireError {
  type: string;
  code: string | null;
  param?: string | null;
  message: string;
}

/** The API echoes a wrong key back masked, its last four characters visible. */
function checkAuth(headers: http.IncomingHttpHeaders, expected: string | undefined): WireError | null {
  if (expected === undefined) return null;
  const bearer = header(headers, 'authorization')?.match(/^Bearer (.*)$/)?.[1];
  if (!bearer) {
    return {
      type: 'invalid_request_error',
      code: null,
      message:
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
    };
  }
  if (bearer === expected) return null;
  const masked = `${bearer.slice(0, 3)}${'*'.repeat(Math.max(0, bearer.length - 7))}${bearer.slice(-4)}`;
  return {
    type: 'invalid_request_error',
    code: 'invalid_api_key',
    message: `Incorrect API key provided: ${masked}. You can find your API key at https://platform.openai.com/account/api-keys.`,
  };
}

/** The request checks of the real API that catch client mistakes worth catching in tests. */
function validateBody(body: any): { message: string; param: string | null; code?: string } | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { message: 'The request body must be a JSON object.', param: null };
  if (typeof body.model !== 'string' || !body.model) return { message: 'you must provide a model parameter', param: null };
  if (!Array.isArray(body.messages) || body.messages.length === 0) return { message: "[] is too short - 'messages'", param: 'messages', code: 'empty_array' };
  if (/^o\d/.test(body.model) && body.max_tokens !== undefined) {
    return {
      message: "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
      param: 'max_tokens',
      code: 'unsupported_parameter',
    };
  }
  if (body.stream_options != null && body.stream !== true) {
    return { message: "The 'stream_options' parameter is only allowed when 'stream' is enabled.", param: 'stream_options', code: 'invalid_value' };
  }
  const tools: any[] = body.tools ?? [];
  for (let i = 0; i < tools.length; i++) {
    const t = tools[i];
    if (t?.type !== 'function' || typeof t.function?.name !== 'string') return { message: `Missing required parameter: 'tools[${i}].function'.`, param: `tools[${i}].function`, code: 'missing_required_parameter' };
    if (!TOOL_NAME.test(t.function.name)) {
      return {
        message: `Invalid 'tools[${i}].function.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.`,
        param: `tools[${i}].function.name`,
        code: 'invalid_value',
      };
    }
    if (t.function.parameters !== undefined && t.function.parameters?.type !== 'object') {
      return { message: `Invalid schema for function '${t.function.name}': schema must be a JSON Schema of 'type: "object"'.`, param: `tools[${i}].function.parameters`, code: 'invalid_function_parameters' };
    }
  }
  if (body.tool_choice !== undefined) {
    if (tools.length === 0) return { message: "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.", param: 'tool_choice' };
    const forced = body.tool_choice?.function?.name;
    if (forced !== undefined && !tools.some((t) => t.function.name === forced)) {
      return { message: `Invalid value for 'tool_choice': function '${forced}' is not among the tools.`, param: 'tool_choice' };
    }
  }
  const messages: any[] = body.messages;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    if (!['system', 'developer', 'user', 'assistant', 'tool'].includes(m?.role)) {
      return { message: `Invalid value: '${m?.role}'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.`, param: `messages[${i}].role`, code: 'invalid_value' };
    }
    if (m.role === 'tool') {
      const owner = [...messages.slice(0, i)].reverse().find((p) => p.role !== 'tool');
      if (!owner?.tool_calls?.some((c: any) => c.id === m.tool_call_id)) {
        return { message: "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.", param: `messages.[${i}].role` };
      }
    }
    if (m.role === 'assistant' && Array.isArray(m.tool_calls) && m.tool_calls.length) {
      const answered = new Set<string>();
      for (let j = i + 1; j < messages.length && messages[j].role === 'tool'; j++) answered.add(messages[j].tool_call_id);
      const missing = m.tool_calls.map((c: any) => c.id).filter((id: string) => !answered.has(id));
      if (missing.length) {
        return {
          message: `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${missing.join(', ')}`,
          param: `messages.[${i}].role`,
        };
      }
    }
  }
  return null;
}

// ---------------------------------------------------------------- replies

interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number; audio_tokens: number };
  completion_tokens_details: { reasoning_tokens: number; audio_tokens: number; accepted_prediction_tokens: number; rejected_prediction_tokens: number };
}

interface Completion {
  id: string;
  created: number;
  model: string;
  content: string | null;
  refusal: string | null;
  toolCalls: Array<{ id: string; name: string; arguments: string }>;
  finish_reason: OpenAiFinishReason;
  usage: Usage;
}

/**
 * Automatic prompt caching as documented: the longest prefix already seen, in 128-token steps,
 * once it reaches the minimum. Four characters make a token, tools count before messages.
 */
function promptUsage(body: any, seen: string[], minTokens: number): { prompt: number; cached: number } {
  const text = JSON.stringify({ tools: body.tools ?? [], messages: body.messages });
  let common = 0;
  for (const earlier of seen) {
    let n = 0;
    const max = Math.min(earlier.length, text.length);
    while (n < max && earlier.charCodeAt(n) === text.charCodeAt(n)) n++;
    common = Math.max(common, n);
  }
  seen.push(text);
  const prompt = Math.ceil(text.length / 4);
  const commonTokens = Math.floor(common / 4);
  return { prompt, cached: commonTokens >= minTokens ? Math.floor(commonTokens / 128) * 128 : 0 };
}

function buildCompletion(
  reply: Exclude<OpenAiFakeReply, { kind: 'http_error' }>,
  body: any,
  nextId: () => string,
  prompt: { prompt: number; cached: number },
): Completion {
  const toolCalls = (reply.toolCalls ?? []).map((c) => ({
    id: c.id ?? `call_${nextId()}`,
    name: c.name,
    arguments: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments),
  }));
  const outputChars = (reply.content ?? '').length + toolCalls.reduce((n, c) => n + c.name.length + c.arguments.length, 0);
  const forced = body.tool_choice?.type === 'function';
  const override = reply.kind === 'message' ? reply.usage : undefined;
  const promptTokens = override?.prompt_tokens ?? prompt.prompt;
  const completionTokens = override?.completion_tokens ?? Math.max(1, Math.ceil(outputChars / 4));
  return {
    id: `chatcmpl-${nextId()}`,
    created: Math.floor(Date.now() / 1000),
    model: (reply.kind === 'message' && reply.model) || body.model,
    content: reply.content ?? null,
    refusal: (reply.kind === 'message' && reply.refusal) || null,
    toolCalls,
    finish_reason: (reply.kind === 'message' && reply.finish_reason) || (toolCalls.length && !forced ? 'tool_calls' : 'stop'),
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
      prompt_tokens_details: { cached_tokens: override?.cached_tokens ?? prompt.cached, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    },
  };
}

function wireMessage(c: Completion) {
  return {
    role: 'assistant',
    content: c.content,
    refusal: c.refusal,
    annotations: [],
    ...(c.toolCalls.length ? { tool_calls: c.toolCalls.map((t) => ({ id: t.id, type: 'function', function: { name: t.name, arguments: t.arguments } })) } : {}),
  };
}

function completionJson(c: Completion) {
  return {
    id: c.id,
    object: 'chat.completion',
    created: c.created,
    model: c.model,
    choices: [{ index: 0, message: wireMessage(c), logprobs: null, finish_reason: c.finish_reason }],
    usage: c.usage,
    service_tier: 'default',
    system_fingerprint: 'fp_fake0001',
  };
}

/** The chunk sequence of a streamed completion: role, text slices, each tool call opened then its arguments in slices, finish, usage. */
function chunksOf(c: Completion, includeUsage: boolean): object[] {
  const chunk = (delta: object, finish: string | null = null) => ({
    id: c.id,
    object: 'chat.completion.chunk',
    created: c.created,
    model: c.model,
    service_tier: 'default',
    system_fingerprint: 'fp_fake0001',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...(includeUsage ? { usage: null } : {}),
  });
  const out: object[] = [chunk({ role: 'assistant', content: c.toolCalls.length && !c.content ? null : '', refusal: null })];
  for (const text of split(c.content ?? '', 3)) out.push(chunk({ content: text }));
  for (const text of split(c.refusal ?? '', 2)) out.push(chunk({ refusal: text }));
  c.toolCalls.forEach((t, index) => {
    out.push(chunk({ tool_calls: [{ index, id: t.id, type: 'function', function: { name: t.name, arguments: '' } }] }));
    for (const part of split(t.arguments, 4)) out.push(chunk({ tool_calls: [{ index, function: { arguments: part } }] }));
  });
  out.push(chunk({}, c.finish_reason));
  if (includeUsage) {
    out.push({ id: c.id, object: 'chat.completion.chunk', created: c.created, model: c.model, service_tier: 'default', system_fingerprint: 'fp_fake0001', choices: [], usage: c.usage });
  }
  return out;
}

async function streamCompletion(
  res: http.ServerResponse,
  requestId: string,
  c: Completion,
  reply: Exclude<OpenAiFakeReply, { kind: 'http_error' }>,
  includeUsage: boolean,
): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-request-id': requestId, 'openai-processing-ms': '12' });
  res.flushHeaders();
  const frames = chunksOf(c, includeUsage).map((data) => `data: ${JSON.stringify(data)}\n\n`);
  if (!(await writeFrames(res, frames, reply.kind === 'message' ? { delayMs: reply.delayMs } : { stopAfter: reply.afterChunks }))) return;
  if (reply.kind === 'cut_stream') {
    if (reply.graceful) res.end();
    else res.socket?.destroy();
    return;
  }
  if (reply.kind === 'stream_error') {
    const error = { message: reply.message ?? DEFAULT_ERRORS[500]!.message, type: reply.type ?? 'server_error', param: null, code: null };
    await write(res, `data: ${JSON.stringify({ error })}\n\n`);
    res.end();
    return;
  }
  await write(res, 'data: [DONE]\n\n');
  res.end();
}

function sendError(res: http.ServerResponse, status: number, error: WireError, requestId: string, headers: Record<string, string> = {}): void {
  const body = JSON.stringify({ error: { message: error.message, type: error.type, param: error.param ?? null, code: error.code } });
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-request-id': requestId, ...headers });
  res.end(body);
}
