// OpenAI's Chat Completions API as a ChatModel, through the official SDK (so OPENAI_BASE_URL-style
// endpoints speaking the same API work too). Replies stream and are accumulated here; a reply
// counts only once its finish_reason has arrived, and `length` means it was cut off. The system
// prompt and the issue open every request unchanged, which is what OpenAI's automatic prompt
// cache reuses. The SDK retries 408, 409, 429 and 5xx, honouring retry-after.
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type {
  ChatCompletionAssistantMessageParam,
  ChatCompletionChunk,
  ChatCompletionCreateParamsStreaming,
  ChatCompletionFunctionTool,
  ChatCompletionMessageParam,
  ChatCompletionToolChoiceOption,
} from 'openai/resources/chat/completions';
import type { CompletionUsage } from 'openai/resources/completions';
import { AiError } from '../../core/ports';
import {
  abortReason,
  parseToolArguments,
  requestIdNote,
  retriesNote,
  type ApiKeyModelOptions,
  type CallSink,
  type ChatModel,
  type ChatRequest,
  type ModelReply,
  type StopReason,
  type ToolCall,
  type ToolSpec,
} from './chat-model';
import { EDITOR_AS_FUNCTION } from './edit-tools';
import type { TokenCounts } from './pricing';

interface PartialToolCall {
  id: string;
  name: string;
  args: string;
}

export class OpenAiChatModel implements ChatModel {
  readonly description: string;
  readonly model: string;
  readonly maxTokens: number;
  /** Known refusers answer 400 naming tool_choice; the agent core then falls back to auto. */
  readonly rejectsForcedToolChoice = false;
  private readonly client: OpenAI;

  constructor(private readonly options: ApiKeyModelOptions) {
    this.model = options.model;
    this.maxTokens = options.maxTokens;
    this.description = `OpenAI ${options.model}`;
    this.client = new OpenAI({
      apiKey: options.apiKey,
      baseURL: options.baseURL,
      maxRetries: options.maxRetries,
      timeout: options.timeoutMs,
      // Rig logs through the task's log, redacted; the SDK must not print to the console on its own.
      logLevel: 'off',
    });
  }

  async complete(request: ChatRequest, sink: CallSink): Promise<ModelReply> {
    if (request.signal.aborted) throw abortReason(request.signal);
    const body = this.body(request);
    let text = '';
    let refusal = '';
    let finish: string | null = null;
    let usage: CompletionUsage | undefined;
    let model = body.model;
    let requestId: string | null | undefined;
    const calls = new Map<number, PartialToolCall>();
    let streaming = false;
    try {
      const { data: stream, request_id } = await this.client.chat.completions.create(body, { signal: request.signal }).withResponse();
      requestId = request_id;
      streaming = true;
      for await (const chunk of stream) {
        if (chunk.model) model = chunk.model;
        if (chunk.usage) usage = chunk.usage;
        const choice = chunk.choices?.find((c) => c.index === 0);
        if (!choice) continue;
        text += choice.delta?.content ?? '';
        refusal += choice.delta?.refusal ?? '';
        for (const delta of choice.delta?.tool_calls ?? []) accumulateToolCall(calls, delta);
        if (choice.finish_reason) finish = choice.finish_reason;
      }
    } catch (err) {
      if (usage) sink.usage(model, tokensOf(usage));
      throw this.translate(err, request.signal, streaming);
    }
    if (request.signal.aborted) throw abortReason(request.signal);
    if (usage) sink.usage(model, tokensOf(usage));
    else sink.log('warn', `${this.description} did not report token usage for this call; its cost is not counted`);
    if (finish === null) {
      throw new AiError(`the reply stream ended before the message was complete (no finish_reason); nothing from that reply was applied${requestIdNote(requestId)}`, 'unavailable');
    }
    if (refusal) throw new AiError(this.options.redact(`the model declined to answer (${refusal.slice(0, 500)}); nothing from that reply was applied`), 'invalid_reply');
    const ordered = [...calls.entries()].sort(([a], [b]) => a - b).map(([index, c]) => ({ ...c, id: c.id || `call_${index}` }));
    const toolCalls = ordered.map(toolCallOf);
    // The turn goes back as the model wrote it, arguments included even when they were not JSON.
    const native: ChatCompletionAssistantMessageParam = {
      role: 'assistant',
      content: text || null,
      ...(ordered.length ? { tool_calls: ordered.map((c) => ({ id: c.id, type: 'function' as const, function: { name: c.name, arguments: c.args } })) } : {}),
    };
    return { text: text.trim(), toolCalls, stop: stopOf(finish, toolCalls.length > 0), providerStop: finish, native, note: requestIdNote(requestId) };
  }

  private body(request: ChatRequest): ChatCompletionCreateParamsStreaming {
    const messages: ChatCompletionMessageParam[] = [
      { role: 'system', content: request.system },
      // One string, prefix first: the cache matches on the longest identical start of the prompt.
      { role: 'user', content: `${request.stablePrefix}\n\n${request.instruction}` },
    ];
    for (const exchange of request.history) {
      messages.push(exchange.reply.native as ChatCompletionAssistantMessageParam);
      for (const r of exchange.results) {
        messages.push({ role: 'tool', tool_call_id: r.callId, content: r.isError ? `Error: ${r.text}` : r.text });
      }
    }
    const toolChoice: ChatCompletionToolChoiceOption | undefined =
      request.toolChoice === undefined
        ? undefined
        : request.toolChoice === 'auto'
          ? 'auto'
          : { type: 'function', function: { name: request.toolChoice.force } };
    return {
      model: this.model,
      messages,
      // max_tokens is refused by reasoning models; max_completion_tokens counts their reasoning too.
      max_completion_tokens: this.maxTokens,
      stream: true,
      stream_options: { include_usage: true },
      ...(request.tools.length ? { tools: request.tools.map(functionOf) } : {}),
      ...(toolChoice ? { tool_choice: toolChoice } : {}),
    };
  }

  /** SDK failures become AiErrors that say what happened and what to do, without the key. */
  private translate(err: unknown, signal: AbortSignal, streaming: boolean): Error {
    if (signal.aborted || err instanceof APIUserAbortError) return abortReason(signal);
    if (err instanceof AiError) return err;
    const r = this.options.redact;
    const retries = this.options.maxRetries;
    if (err instanceof APIError && err.status !== undefined) {
      const api = err.error as { message?: unknown } | undefined;
      const apiMessage = typeof api?.message === 'string' ? api.message : '';
      const label = err.code ?? err.type ?? 'error';
      const what = `${err.status} ${label}${apiMessage ? `: ${apiMessage}` : ''}${err.param ? ` [param ${err.param}]` : ''}`;
      const id = requestIdNote(err.requestID);
      const fail = (kind: AiError['kind'], text: string) => new AiError(r(text + id), kind);
      // The API echoes part of a wrong key in its message, so the message is left out here.
      if (err.status === 401) return fail('auth', `OpenAI rejected the API key (401 ${label}); check the configured key. Not retried`);
      if (err.status === 403) return fail('auth', `OpenAI refused the request (${what}); the key may not have access to ${this.model}`);
      if (err.status === 429 && err.code === 'insufficient_quota') {
        return fail('auth', `OpenAI says the account has no quota left (${what}); check the plan and billing details`);
      }
      if (err.status === 429) return fail('unavailable', `OpenAI kept rate-limiting the request (${what})${retriesNote(retries)}`);
      if (err.status >= 500 || err.status === 408 || err.status === 409) return fail('unavailable', `OpenAI is unavailable (${what})${retriesNote(retries)}`);
      if (err.code === 'context_length_exceeded') {
        return fail('truncated', `the conversation does not fit the context window of ${this.model} (${what}); nothing was applied`);
      }
      if (err.status === 404) return fail('bad_request', `OpenAI does not know the model or endpoint (${what}); check ai.model and ai.base_url`);
      return fail('bad_request', `OpenAI rejected the request (${what})`);
    }
    if (err instanceof APIConnectionTimeoutError) {
      return new AiError(`no answer from the OpenAI API within ${this.options.timeoutMs} ms,${retriesNote(retries)}`, 'unavailable');
    }
    if (err instanceof APIConnectionError) {
      const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
      return new AiError(r(`could not reach the OpenAI API at ${this.client.baseURL}${cause}`), 'unavailable');
    }
    if (err instanceof APIError) {
      // An error object in the middle of the stream: the API gave up on this reply.
      const api = err.error as { message?: unknown; type?: unknown } | undefined;
      const detail = [api?.type, api?.message].filter((v) => typeof v === 'string' && v).join(': ');
      return new AiError(r(`the reply stream failed with ${detail || 'an error'}; nothing from that reply was applied`), 'unavailable');
    }
    const detail = err instanceof Error ? err.message : String(err);
    if (streaming) {
      return new AiError(r(`the reply stream ended before the message was complete (${detail}); nothing from that reply was applied`), 'unavailable');
    }
    return new AiError(r(`the call to the OpenAI API failed: ${detail}`), 'unavailable');
  }
}

// ---------------------------------------------------------------- helpers

function functionOf(spec: ToolSpec): ChatCompletionFunctionTool {
  const fn = spec.kind === 'editor' ? EDITOR_AS_FUNCTION : spec;
  return { type: 'function', function: { name: fn.name, description: fn.description, parameters: fn.parameters } };
}

/** The id and name come in a call's first delta; its arguments follow in slices of JSON text. */
function accumulateToolCall(calls: Map<number, PartialToolCall>, delta: ChatCompletionChunk.Choice.Delta.ToolCall): void {
  const call = calls.get(delta.index) ?? { id: '', name: '', args: '' };
  if (delta.id) call.id = delta.id;
  if (delta.function?.name) call.name = delta.function.name;
  call.args += delta.function?.arguments ?? '';
  calls.set(delta.index, call);
}

function toolCallOf(call: PartialToolCall): ToolCall {
  const { input, malformed } = parseToolArguments(call.args);
  return { id: call.id, name: call.name, input, ...(malformed ? { malformed } : {}) };
}

/** A forced function call ends with `stop`, not `tool_calls`; what counts is whether calls came. */
function stopOf(finish: string, hasToolCalls: boolean): StopReason {
  switch (finish) {
    case 'length':
      return 'max_tokens';
    case 'content_filter':
      throw new AiError("the reply was withheld by OpenAI's content filter (finish_reason content_filter); nothing from that reply was applied", 'invalid_reply');
    case 'tool_calls':
    case 'stop':
      return hasToolCalls ? 'tool_use' : 'end';
    default:
      throw new AiError(`the model stopped with an unexpected finish_reason "${finish}"; nothing from that reply was applied`, 'invalid_reply');
  }
}

/** prompt_tokens includes the cached ones, which are billed at their own rate. */
function tokensOf(usage: CompletionUsage): TokenCounts {
  const cached = usage.prompt_tokens_details?.cached_tokens ?? 0;
  return {
    inputTokens: Math.max(0, (usage.prompt_tokens ?? 0) - cached),
    outputTokens: usage.completion_tokens ?? 0,
    cacheReadTokens: cached,
    cacheWriteTokens: 0,
  };
}
