// Anthropic's Messages API as a ChatModel. Every call streams (a long reply must not hit the SDK's
// non-streaming limits) and resolves only once the whole message has arrived. The system prompt
// and the issue carry a cache breakpoint, so every call of a task reads them from the cache; in a
// tool loop the end of the conversation carries a second, moving one.
import Anthropic, {
  AnthropicError,
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
} from '@anthropic-ai/sdk';
import type {
  ContentBlock,
  Message,
  MessageCreateParamsNonStreaming,
  MessageParam,
  Tool,
  ToolChoice,
  ToolResultBlockParam,
  ToolTextEditor20250728,
  ToolUnion,
  ToolUseBlock,
  Usage as ApiUsage,
} from '@anthropic-ai/sdk/resources/messages';
import { AiError } from '../../core/ports';
import {
  abortReason,
  requestIdNote,
  retriesNote,
  type ApiKeyModelOptions,
  type CallSink,
  type ChatModel,
  type ChatRequest,
  type ModelReply,
  type StopReason,
  type ToolSpec,
} from './chat-model';
import { EDITOR_TOOL_NAME } from './prompts';
import { MAX_VIEW_CHARS } from './worktree-files';

type RequestBody = Omit<MessageCreateParamsNonStreaming, 'stream'>;

const EDITOR_TOOL: ToolTextEditor20250728 = {
  type: 'text_editor_20250728',
  name: EDITOR_TOOL_NAME,
  max_characters: MAX_VIEW_CHARS,
};

/**
 * Models that answer a forced tool_choice with 400 (documented for these releases). For them, and
 * for any other model that turns out to do the same, structured answers are asked for with
 * tool_choice auto and a reply that does not call the tool is rejected as invalid.
 */
const REJECTS_FORCED_TOOL_CHOICE = ['claude-opus-5-5', 'claude-sonnet-5-5', 'claude-fable-5-1'];

export class AnthropicChatModel implements ChatModel {
  readonly description: string;
  readonly model: string;
  readonly maxTokens: number;
  readonly rejectsForcedToolChoice: boolean;
  private readonly client: Anthropic;

  constructor(private readonly options: ApiKeyModelOptions) {
    this.model = options.model;
    this.maxTokens = options.maxTokens;
    this.description = `Anthropic ${options.model}`;
    this.rejectsForcedToolChoice = REJECTS_FORCED_TOOL_CHOICE.some((p) => options.model.startsWith(p));
    this.client = new Anthropic({
      apiKey: options.apiKey,
      authToken: null,
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
    const stream = this.client.messages.stream(body, { signal: request.signal });
    let message: Message;
    try {
      message = await stream.finalMessage();
    } catch (err) {
      // A broken stream was still billed for what it consumed; count what is known.
      const partial = stream.currentMessage;
      if (partial) sink.usage(partial.model || body.model, tokensOf(partial.usage));
      throw this.translate(err, request.signal);
    }
    sink.usage(message.model || body.model, tokensOf(message.usage));
    return {
      text: textOf(message.content),
      toolCalls: message.content.filter((b): b is ToolUseBlock => b.type === 'tool_use').map((b) => ({ id: b.id, name: b.name, input: b.input })),
      stop: stopOf(message),
      providerStop: String(message.stop_reason),
      // Thinking blocks included: newer models require their own turn back unmodified.
      native: message.content,
      note: requestIdNote(stream.request_id),
    };
  }

  private body(request: ChatRequest): RequestBody {
    const messages: MessageParam[] = [
      {
        role: 'user',
        content: [
          { type: 'text', text: request.stablePrefix, cache_control: { type: 'ephemeral' } },
          { type: 'text', text: request.instruction },
        ],
      },
    ];
    for (const exchange of request.history) {
      messages.push({ role: 'assistant', content: exchange.reply.native as ContentBlock[] });
      messages.push({
        role: 'user',
        content: exchange.results.map(
          (r): ToolResultBlockParam => ({ type: 'tool_result', tool_use_id: r.callId, content: r.text, ...(r.isError ? { is_error: true } : {}) }),
        ),
      });
    }
    const toolChoice: ToolChoice | undefined =
      request.toolChoice === undefined ? undefined : request.toolChoice === 'auto' ? { type: 'auto' } : { type: 'tool', name: request.toolChoice.force };
    return {
      model: this.model,
      max_tokens: this.maxTokens,
      system: [{ type: 'text', text: request.system }],
      messages: request.expectFollowUps ? withMovingCacheBreakpoint(messages) : messages,
      ...(request.tools.length ? { tools: request.tools.map(toolOf) } : {}),
      ...(toolChoice ? { tool_choice: toolChoice } : {}),
    };
  }

  /** SDK failures become AiErrors that say what happened and what to do, without the key. */
  private translate(err: unknown, signal: AbortSignal): Error {
    if (signal.aborted || err instanceof APIUserAbortError) return abortReason(signal);
    if (err instanceof AiError) return err;
    const r = this.options.redact;
    const retries = this.options.maxRetries;
    if (err instanceof APIError && err.status !== undefined) {
      const what = `${err.status} ${err.type ?? 'error'}${err.apiMessage ? `: ${err.apiMessage}` : ''}`;
      const id = requestIdNote(err.requestID);
      const fail = (kind: AiError['kind'], text: string) => new AiError(r(text + id), kind);
      if (err.status === 401) return fail('auth', `Anthropic rejected the API key (401 ${err.type ?? 'authentication_error'}); check the configured key. Not retried`);
      if (err.status === 403) return fail('auth', `Anthropic refused the request (${what}); the API key may not have access to ${this.model}`);
      if (err.status === 402) return fail('auth', `Anthropic refused the request for billing reasons (${what})`);
      if (err.status === 429) return fail('unavailable', `Anthropic kept rate-limiting the request (${what})${retriesNote(retries)}`);
      if (err.status >= 500 || err.status === 408 || err.status === 409) return fail('unavailable', `Anthropic is unavailable (${what})${retriesNote(retries)}`);
      return fail('bad_request', `Anthropic rejected the request (${what})`);
    }
    if (err instanceof APIConnectionTimeoutError) {
      return new AiError(`no answer from the Anthropic API within ${this.options.timeoutMs} ms,${retriesNote(retries)}`, 'unavailable');
    }
    if (err instanceof APIConnectionError) {
      const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
      return new AiError(r(`could not reach the Anthropic API at ${this.client.baseURL}${cause}`), 'unavailable');
    }
    if (err instanceof APIError) {
      // An `error` event in the middle of a stream: the API gave up on this reply.
      return new AiError(
        r(`the reply stream failed with ${err.type ?? 'an error'}${err.apiMessage ? `: ${err.apiMessage}` : ''}; nothing from that reply was applied`),
        'unavailable',
      );
    }
    const detail = err instanceof Error ? err.message : String(err);
    if (err instanceof AnthropicError) {
      return new AiError(r(`the reply stream ended before the message was complete (${detail}); nothing from that reply was applied`), 'unavailable');
    }
    return new AiError(r(`the call to the Anthropic API failed: ${detail}`), 'unavailable');
  }
}

// ---------------------------------------------------------------- helpers

function toolOf(spec: ToolSpec): ToolUnion {
  if (spec.kind === 'editor') return EDITOR_TOOL;
  return { name: spec.name, description: spec.description, input_schema: spec.parameters as Tool.InputSchema };
}

/** Refusals and context overflow are not replies to act on; they end the call here, with their reason. */
function stopOf(message: Message): StopReason {
  switch (message.stop_reason) {
    case 'max_tokens':
      return 'max_tokens';
    case 'model_context_window_exceeded':
      throw new AiError("the conversation outgrew the model's context window; nothing from the last reply was applied", 'truncated');
    case 'refusal':
      throw new AiError('the model declined to answer (stop_reason refusal); nothing from that reply was applied', 'invalid_reply');
    case 'tool_use':
      return 'tool_use';
    case 'end_turn':
    case 'stop_sequence':
      return 'end';
    default:
      throw new AiError(`the model stopped with an unexpected stop_reason "${message.stop_reason}"; nothing from that reply was applied`, 'invalid_reply');
  }
}

function tokensOf(usage: ApiUsage) {
  return {
    inputTokens: usage.input_tokens ?? 0,
    outputTokens: usage.output_tokens ?? 0,
    cacheReadTokens: usage.cache_read_input_tokens ?? 0,
    cacheWriteTokens: usage.cache_creation_input_tokens ?? 0,
  };
}

/**
 * Marks the end of the conversation so far as a cache breakpoint, so each turn of a loop reads the
 * previous turns from the cache. The stored messages stay unmarked: a copy is sent.
 */
function withMovingCacheBreakpoint(messages: MessageParam[]): MessageParam[] {
  const last = messages.at(-1);
  if (!last || last.role !== 'user' || typeof last.content === 'string' || last.content.length === 0) return messages;
  const content = [...last.content];
  const tail = content.at(-1)!;
  if (tail.type !== 'text' && tail.type !== 'tool_result') return messages;
  content[content.length - 1] = { ...tail, cache_control: { type: 'ephemeral' } };
  return [...messages.slice(0, -1), { ...last, content }];
}

function textOf(content: ContentBlock[]): string {
  return content
    .filter((b) => b.type === 'text')
    .map((b) => (b as { text: string }).text)
    .join('\n')
    .trim();
}
