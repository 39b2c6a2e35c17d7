// A local Ollama as a ChatModel, through its native /api/chat over fetch. Three things differ from
// the hosted APIs and are handled here: the context window is the client's to set (options.num_ctx,
// or Ollama silently drops the start of a long prompt), so it is sized from the model's own context
// length; a failure after streaming has begun arrives as an {"error": …} line behind HTTP 200; and
// there is no forced tool choice, so structured answers use `format`, which constrains decoding to
// the answer's JSON Schema.
import { AiError } from '../../core/ports';
import type { Redactor } from '../../core/redact';
import {
  abortReason,
  parseToolArguments,
  retriesNote,
  type CallSink,
  type ChatModel,
  type ChatRequest,
  type JsonSchema,
  type ModelReply,
  type StopReason,
  type ToolCall,
  type ToolSpec,
} from './chat-model';
import { EDITOR_AS_FUNCTION } from './edit-tools';

export const DEFAULT_OLLAMA_URL = 'http://127.0.0.1:11434';
/** What num_ctx is when the model does not say how long its context is: more than Ollama's default, less than any current model's. */
export const FALLBACK_CONTEXT_TOKENS = 8192;
/** Ollama reserves memory for all of num_ctx when it loads a model; past this, ask for more explicitly. */
export const DEFAULT_MAX_CONTEXT_TOKENS = 32_768;
/** Retry-after longer than this is not waited out: the call fails now and says so. */
const MAX_RETRY_WAIT_MS = 60_000;

export interface OllamaModelOptions {
  /** Base URL of the Ollama server, already resolved (see resolveOllamaBaseUrl). */
  baseUrl: string;
  model: string;
  maxTokens: number;
  maxRetries: number;
  timeoutMs: number;
  /** Upper bound for num_ctx, whatever the model could take. */
  maxContextTokens: number;
  /** Sent as a Bearer token, for an Ollama behind an authenticating proxy or a hosted one. */
  apiKey?: string;
  redact: Redactor;
}

interface ModelFacts {
  numCtx: number;
  capabilities: string[] | null;
}

interface WireToolCall {
  id?: string;
  function?: { index?: number; name?: string; arguments?: unknown };
}

interface WireMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  thinking?: string;
  tool_calls?: WireToolCall[];
  tool_name?: string;
  tool_call_id?: string;
}

/**
 * OLLAMA_HOST as Ollama reads it: a bare `host`, `host:port` or `:port` means http on port 11434 by
 * default; with a scheme the default port is the scheme's. 0.0.0.0 is where a server listens, not
 * an address to connect to, so it means this machine.
 */
export function resolveOllamaBaseUrl(value: string | undefined): string {
  const raw = (value ?? '').trim();
  if (raw === '') return DEFAULT_OLLAMA_URL;
  const bad = (why: string) => new Error(`Ollama host ${JSON.stringify(raw)} ${why}; use host, host:port or http(s)://host:port (OLLAMA_HOST or ai.base_url)`);
  let scheme = 'http';
  let defaultPort = '11434';
  let rest = raw;
  const withScheme = raw.match(/^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/(.*)$/);
  if (withScheme) {
    scheme = withScheme[1]!.toLowerCase();
    if (scheme !== 'http' && scheme !== 'https') throw bad(`has scheme ${scheme}, not http or https`);
    defaultPort = scheme === 'http' ? '80' : '443';
    rest = withScheme[2]!;
  }
  const slash = rest.indexOf('/');
  const hostPort = slash === -1 ? rest : rest.slice(0, slash);
  const path = slash === -1 ? '' : rest.slice(slash).replace(/\/+$/, '');
  if (hostPort.includes('@')) throw bad('carries credentials; set ai.api_key instead');
  let host: string;
  let port: string;
  const bracketed = hostPort.match(/^\[([^\]]*)\](?::(.*))?$/);
  if (bracketed) {
    host = `[${bracketed[1]}]`;
    port = bracketed[2] ?? defaultPort;
  } else if ((hostPort.match(/:/g) ?? []).length > 1) {
    host = `[${hostPort}]`;
    port = defaultPort;
  } else {
    const colon = hostPort.lastIndexOf(':');
    host = colon === -1 ? hostPort : hostPort.slice(0, colon);
    port = colon === -1 ? defaultPort : hostPort.slice(colon + 1);
  }
  if (host === '' || host === '0.0.0.0') host = '127.0.0.1';
  if (host === '[::]' || host === '[]') host = '[::1]';
  if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) throw bad(`has an invalid port "${port}"`);
  const url = `${scheme}://${host}:${port}${path}`;
  try {
    new URL(url);
  } catch {
    throw bad('is not a valid address');
  }
  return url;
}

export class OllamaChatModel implements ChatModel {
  readonly description: string;
  readonly model: string;
  readonly maxTokens: number;
  /** Forcing is done with `format`, which every Ollama model accepts. */
  readonly rejectsForcedToolChoice = false;
  private facts: Promise<ModelFacts> | undefined;

  constructor(private readonly options: OllamaModelOptions) {
    this.model = options.model;
    this.maxTokens = options.maxTokens;
    this.description = `Ollama ${options.model}`;
  }

  async complete(request: ChatRequest, sink: CallSink): Promise<ModelReply> {
    if (request.signal.aborted) throw abortReason(request.signal);
    const facts = await this.modelFacts(request.signal, sink);
    const forced = forcedFunction(request);
    const tools = forced ? [] : request.tools;
    if (tools.length && facts.capabilities && !facts.capabilities.includes('tools')) {
      throw new AiError(
        `${this.model} cannot call tools in Ollama (its capabilities: ${facts.capabilities.join(', ') || 'none'}); choose a model with tool support, such as qwen2.5-coder or llama3.1`,
        'bad_request',
      );
    }
    const body = {
      model: this.model,
      messages: this.messages(request, forced),
      stream: true,
      options: { num_ctx: facts.numCtx, num_predict: this.maxTokens },
      ...(tools.length ? { tools: tools.map(functionOf) } : {}),
      ...(forced ? { format: forced.parameters } : {}),
    };
    // Four characters a token is rough, but a prompt estimated past the whole window certainly does not fit.
    const estimated = Math.ceil(JSON.stringify(body.messages).length / 4) + Math.ceil(JSON.stringify(body.tools ?? body.format ?? '').length / 4);
    if (estimated >= facts.numCtx) {
      throw new AiError(
        `the prompt (about ${estimated} tokens) does not fit the context window of ${this.model} (num_ctx ${facts.numCtx}); nothing was sent. Use a model with a longer context or narrow the task`,
        'truncated',
      );
    }
    const { response, retries } = await this.post('/api/chat', body, request.signal);
    if (!response.ok) throw await this.httpFailure(response, retries);
    const reply = await this.readStream(response, request.signal, sink);
    if (forced) {
      // The answer is the message itself, constrained to the schema; it becomes the forced call.
      const { input, malformed } = parseToolArguments(reply.content);
      reply.toolCalls = [{ id: 'format_answer', name: forced.name, input, ...(malformed ? { malformed } : {}) }];
      reply.content = '';
    }
    const native: WireMessage = {
      role: 'assistant',
      content: reply.content,
      ...(reply.thinking ? { thinking: reply.thinking } : {}),
      ...(reply.wireCalls.length ? { tool_calls: reply.wireCalls } : {}),
    };
    return {
      text: reply.content.trim(),
      toolCalls: reply.toolCalls,
      stop: stopOf(reply.doneReason, reply.toolCalls.length > 0),
      providerStop: reply.doneReason ?? 'stop',
      native,
    };
  }

  private messages(request: ChatRequest, forced: ForcedFunction | undefined): WireMessage[] {
    const instruction = forced
      ? `${request.instruction}\n\nAnswer with only the JSON object of the ${forced.name} arguments, nothing before or after it.`
      : request.instruction;
    const messages: WireMessage[] = [
      { role: 'system', content: request.system },
      // Prefix first and unchanged: Ollama reuses the evaluated start of the previous prompt.
      { role: 'user', content: `${request.stablePrefix}\n\n${instruction}` },
    ];
    for (const exchange of request.history) {
      messages.push(exchange.reply.native as WireMessage);
      for (const r of exchange.results) {
        messages.push({ role: 'tool', tool_name: r.name, tool_call_id: r.callId, content: r.isError ? `Error: ${r.text}` : r.text });
      }
    }
    return messages;
  }

  // ---------------------------------------------------------------- the model

  /** Asked once per agent: a model does not change its context length between calls. */
  private modelFacts(signal: AbortSignal, sink: CallSink): Promise<ModelFacts> {
    if (!this.facts) {
      this.facts = this.fetchModelFacts(signal, sink);
      // A failure is not remembered: the next call asks again.
      this.facts.catch(() => (this.facts = undefined));
    }
    return this.facts;
  }

  private async fetchModelFacts(signal: AbortSignal, sink: CallSink): Promise<ModelFacts> {
    const { response, retries } = await this.post('/api/show', { model: this.model }, signal);
    if (response.status === 404 || response.status === 401 || response.status === 403) throw await this.httpFailure(response, retries);
    const fallback = (why: string): ModelFacts => {
      sink.log('warn', `${why}; num_ctx is set to ${FALLBACK_CONTEXT_TOKENS}`);
      return { numCtx: FALLBACK_CONTEXT_TOKENS, capabilities: null };
    };
    if (!response.ok) return fallback(`Ollama could not describe ${this.model} (${(await this.httpFailure(response, retries)).message})`);
    let show: { model_info?: Record<string, unknown>; capabilities?: unknown };
    try {
      show = (await response.json()) as typeof show;
    } catch {
      return fallback(`Ollama's description of ${this.model} is not JSON`);
    }
    const capabilities = Array.isArray(show.capabilities) ? show.capabilities.filter((c): c is string => typeof c === 'string') : null;
    const contextLength = contextLengthOf(show.model_info);
    if (contextLength === null) return { ...fallback(`Ollama does not say how long the context of ${this.model} is`), capabilities };
    const numCtx = Math.min(contextLength, this.options.maxContextTokens);
    sink.log('debug', `${this.model}: context length ${contextLength}, num_ctx ${numCtx}`);
    return { numCtx, capabilities };
  }

  // ---------------------------------------------------------------- transport

  /**
   * POSTs with the retry discipline of the hosted SDKs: 408, 409, 429, 5xx and refused connections
   * are retried after retry-after (or an exponential backoff); the last answer is returned as is.
   */
  private async post(path: string, body: unknown, signal: AbortSignal): Promise<{ response: Response; retries: number }> {
    const url = `${this.options.baseUrl}${path}`;
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/x-ndjson, application/json' };
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    const payload = JSON.stringify(body);
    for (let attempt = 0; ; attempt++) {
      if (signal.aborted) throw abortReason(signal);
      let response: Response;
      try {
        response = await this.fetchStarted(url, { method: 'POST', headers, body: payload }, signal);
      } catch (err) {
        if (signal.aborted) throw abortReason(signal);
        if (attempt >= this.options.maxRetries) throw this.connectionFailure(err, attempt);
        await sleep(backoffMs(attempt), signal);
        continue;
      }
      const retryable = response.status === 408 || response.status === 409 || response.status === 429 || response.status >= 500;
      if (!retryable || attempt >= this.options.maxRetries) return { response, retries: attempt };
      const wait = retryAfterMs(response.headers) ?? backoffMs(attempt);
      if (wait > MAX_RETRY_WAIT_MS) return { response, retries: attempt };
      await response.body?.cancel().catch(() => undefined);
      await sleep(wait, signal);
    }
  }

  /**
   * The timeout covers the wait for the answer to start; a long reply may then take its time. The
   * task's signal stays linked after that, so cancelling also stops reading the reply.
   */
  private async fetchStarted(url: string, init: RequestInit, signal: AbortSignal): Promise<Response> {
    const controller = new AbortController();
    const onAbort = () => controller.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => controller.abort(new Error(`no answer within ${this.options.timeoutMs} ms`)), this.options.timeoutMs);
    try {
      return await fetch(url, { ...init, signal: controller.signal });
    } catch (err) {
      signal.removeEventListener('abort', onAbort);
      throw controller.signal.aborted && !signal.aborted ? controller.signal.reason : err;
    } finally {
      clearTimeout(timer);
    }
  }

  private async readStream(response: Response, signal: AbortSignal, sink: CallSink) {
    const state = {
      content: '',
      thinking: '',
      wireCalls: [] as WireToolCall[],
      toolCalls: [] as ToolCall[],
      doneReason: undefined as string | undefined,
    };
    let done = false;
    let model = this.model;
    const handleLine = (line: string) => {
      if (line.trim() === '') return;
      let chunk: any;
      try {
        chunk = JSON.parse(line);
      } catch {
        throw new AiError(this.options.redact(`Ollama sent a line that is not JSON (${line.slice(0, 200)}); nothing from that reply was applied`), 'unavailable');
      }
      if (chunk?.error !== undefined) {
        throw new AiError(this.options.redact(`Ollama failed in the middle of the reply: ${errorText(chunk.error)}; nothing from that reply was applied`), 'unavailable');
      }
      if (done) return;
      if (typeof chunk.model === 'string' && chunk.model) model = chunk.model;
      const message = chunk.message ?? {};
      if (typeof message.content === 'string') state.content += message.content;
      if (typeof message.thinking === 'string') state.thinking += message.thinking;
      if (Array.isArray(message.tool_calls)) state.wireCalls.push(...(message.tool_calls as WireToolCall[]));
      if (chunk.done === true) {
        done = true;
        state.doneReason = typeof chunk.done_reason === 'string' && chunk.done_reason ? chunk.done_reason : undefined;
        sink.usage(model, { inputTokens: count(chunk.prompt_eval_count), outputTokens: count(chunk.eval_count), cacheReadTokens: 0, cacheWriteTokens: 0 });
      }
    };
    const decoder = new TextDecoder();
    let buffered = '';
    try {
      if (!response.body) throw new Error('the answer has no body');
      for await (const bytes of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffered += decoder.decode(bytes, { stream: true });
        let newline: number;
        while ((newline = buffered.indexOf('\n')) !== -1) {
          handleLine(buffered.slice(0, newline));
          buffered = buffered.slice(newline + 1);
        }
      }
      handleLine(buffered + decoder.decode());
    } catch (err) {
      if (signal.aborted) throw abortReason(signal);
      if (err instanceof AiError) throw err;
      throw new AiError(
        this.options.redact(`the reply stream ended before the message was complete (${err instanceof Error ? err.message : String(err)}); nothing from that reply was applied`),
        'unavailable',
      );
    }
    if (signal.aborted) throw abortReason(signal);
    if (!done) throw new AiError('the reply stream ended before the message was complete (no final "done" line); nothing from that reply was applied', 'unavailable');
    // Older releases send calls without ids; the ids made here go back with the turn and its answers.
    state.wireCalls = state.wireCalls.map((c, i) => ({ ...c, id: c.id || `call_${i}` }));
    state.toolCalls = state.wireCalls.map(toolCallOf);
    return state;
  }

  // ---------------------------------------------------------------- failures

  private async httpFailure(response: Response, retries: number): Promise<AiError> {
    const text = await response.text().catch(() => '');
    let detail = text.trim().slice(0, 500);
    try {
      const parsed = JSON.parse(text) as { error?: unknown };
      if (parsed && parsed.error !== undefined) detail = errorText(parsed.error);
    } catch {
      // Not JSON: a proxy's page, shown as text.
    }
    const what = `${response.status}${detail ? `: ${detail}` : ''}`;
    const r = this.options.redact;
    const s = response.status;
    if (s === 401 || s === 403) return new AiError(r(`Ollama at ${this.options.baseUrl} refused the request (${what}); check ai.api_key. Not retried`), 'auth');
    if (s === 404) {
      return new AiError(r(`Ollama has no model "${this.model}" (${what}); pull it with \`ollama pull ${this.model}\`, or check that the Ollama host is right`), 'bad_request');
    }
    if (s === 429) return new AiError(r(`Ollama kept rate-limiting the request (${what})${retriesNote(retries)}`), 'unavailable');
    if (s >= 500 || s === 408 || s === 409) return new AiError(r(`Ollama failed (${what})${retriesNote(retries)}`), 'unavailable');
    if (/does not support tools/i.test(detail)) {
      return new AiError(r(`${this.model} cannot call tools in Ollama (${what}); choose a model with tool support, such as qwen2.5-coder or llama3.1`), 'bad_request');
    }
    return new AiError(r(`Ollama rejected the request (${what})`), 'bad_request');
  }

  private connectionFailure(err: unknown, retries: number): AiError {
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : err instanceof Error ? err.message : String(err);
    return new AiError(
      this.options.redact(`could not reach Ollama at ${this.options.baseUrl} (${cause})${retriesNote(retries)}; is \`ollama serve\` running there?`),
      'unavailable',
    );
  }
}

// ---------------------------------------------------------------- helpers

type ForcedFunction = Extract<ToolSpec, { kind: 'function' }>;

/** The tool a structured answer must come through, when the request forces one. */
function forcedFunction(request: ChatRequest): ForcedFunction | undefined {
  const choice = request.toolChoice;
  if (typeof choice !== 'object') return undefined;
  const tool = request.tools.find((t): t is ForcedFunction => t.kind === 'function' && t.name === choice.force);
  if (!tool) throw new AiError(`the forced tool ${choice.force} is not among the tools of the request`, 'bad_request');
  return tool;
}

function functionOf(spec: ToolSpec): { type: 'function'; function: { name: string; description: string; parameters: JsonSchema } } {
  const fn = spec.kind === 'editor' ? EDITOR_AS_FUNCTION : spec;
  return { type: 'function', function: { name: fn.name, description: fn.description, parameters: fn.parameters } };
}

/** Ollama sends arguments as an object; a model that produced a string gets it read as JSON. */
function toolCallOf(call: WireToolCall, index: number): ToolCall {
  const args = call.function?.arguments;
  const parsed =
    typeof args === 'string'
      ? parseToolArguments(args)
      : args === undefined
        ? { input: {} }
        : typeof args === 'object' && args !== null && !Array.isArray(args)
          ? { input: args }
          : { input: undefined, malformed: 'the arguments must be one JSON object' };
  return { id: call.id || `call_${index}`, name: call.function?.name ?? '', input: parsed.input, ...(parsed.malformed ? { malformed: parsed.malformed } : {}) };
}

function stopOf(doneReason: string | undefined, hasToolCalls: boolean): StopReason {
  switch (doneReason ?? 'stop') {
    case 'length':
      return 'max_tokens';
    case 'stop':
      return hasToolCalls ? 'tool_use' : 'end';
    default:
      throw new AiError(`Ollama ended the reply with an unexpected done_reason "${doneReason}"; nothing from that reply was applied`, 'invalid_reply');
  }
}

/** `<architecture>.context_length` in model_info, e.g. "llama.context_length": 131072. */
function contextLengthOf(info: Record<string, unknown> | undefined): number | null {
  if (!info || typeof info !== 'object') return null;
  const arch = info['general.architecture'];
  const exact = typeof arch === 'string' ? info[`${arch}.context_length`] : undefined;
  const value = exact ?? Object.entries(info).find(([k]) => k.endsWith('.context_length'))?.[1];
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : null;
}

function errorText(error: unknown): string {
  if (typeof error === 'string') return error;
  if (error && typeof error === 'object' && typeof (error as { message?: unknown }).message === 'string') return (error as { message: string }).message;
  return JSON.stringify(error);
}

function count(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0;
}

function retryAfterMs(headers: Headers): number | null {
  const ms = Number.parseFloat(headers.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers.get('retry-after');
  if (!value) return null;
  const seconds = Number.parseFloat(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

/** 0.5 s doubling to 8 s, with jitter, as the hosted SDKs do. */
function backoffMs(attempt: number): number {
  return Math.min(500 * 2 ** attempt, 8000) * (1 - Math.random() * 0.25);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortReason(signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
