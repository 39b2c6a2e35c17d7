// What a provider has to offer for Rig to drive it: one call that sends a conversation with tools
// and comes back with a complete assistant turn. Everything else (the tool loop, structured
// answers, truncation, usage and cost, error discipline) is written once, in agent-core.ts.
import type { LogLevel } from '../../core/model';
import type { AiCallUsage } from '../../core/ports';
import type { Redactor } from '../../core/redact';
import type { TokenCounts } from './pricing';

export type Purpose = AiCallUsage['purpose'];

/** A JSON Schema object, as tool parameters are described on every provider's wire. */
export type JsonSchema = Record<string, unknown>;

export type ToolSpec =
  /** The four-command text editor (view, create, str_replace, insert). Anthropic has it built in; others get it as a function. */
  | { kind: 'editor' }
  | { kind: 'function'; name: string; description: string; parameters: JsonSchema };

export interface ToolCall {
  id: string;
  name: string;
  input: unknown;
  /** Why the arguments could not be read (not JSON, not an object); `input` is then undefined. */
  malformed?: string;
}

/**
 * Why a reply ended: `end` (the model is done), `tool_use` (it waits for tool results) or
 * `max_tokens` (cut off: never acted on). Other endings (refusal, context overflow) are errors.
 */
export type StopReason = 'end' | 'tool_use' | 'max_tokens';

export interface ModelReply {
  text: string;
  toolCalls: ToolCall[];
  stop: StopReason;
  /** The stop reason as the provider sent it, for the log. */
  providerStop: string;
  /** The assistant turn in the provider's own form, sent back unchanged if the conversation goes on. */
  native: unknown;
  /** Something worth putting in the log next to the call, such as the request id. */
  note?: string;
}

export interface ToolResult {
  callId: string;
  name: string;
  text: string;
  isError: boolean;
}

/** One assistant turn that asked for tools and the answers it got. */
export interface Exchange {
  reply: ModelReply;
  results: ToolResult[];
}

export interface ChatRequest {
  purpose: Purpose;
  system: string;
  /** The issue: identical on every call of a task, so providers that cache prompts can reuse it. */
  stablePrefix: string;
  instruction: string;
  history: Exchange[];
  tools: ToolSpec[];
  /** `auto` lets the model choose; `{ force }` makes it call that tool. Omitted: the provider's default. */
  toolChoice?: 'auto' | { force: string };
  /** More calls will extend this conversation (a tool loop), so all of it is worth caching. */
  expectFollowUps: boolean;
  signal: AbortSignal;
}

/** Where a model call reports what it consumed, failed calls included, and logs. */
export interface CallSink {
  usage(model: string, tokens: TokenCounts): void;
  log(level: LogLevel, message: string): void;
}

export interface ChatModel {
  /** Provider and model, e.g. "OpenAI gpt-4.1": what `AiAgent.description` shows. */
  readonly description: string;
  readonly model: string;
  /** Output limit of one reply, for the message when a reply reaches it. */
  readonly maxTokens: number;
  /** Known at the start not to accept a forced tool choice: structured answers go straight to auto. */
  readonly rejectsForcedToolChoice: boolean;
  /**
   * Sends one request and resolves only with a complete reply. Failures are AiErrors with a clear,
   * secret-free message, or the abort reason when the signal fired.
   */
  complete(request: ChatRequest, sink: CallSink): Promise<ModelReply>;
}

/** What the model adapters of the API-key providers (Anthropic, OpenAI) are built from. */
export interface ApiKeyModelOptions {
  apiKey: string;
  /** OpenAI's includes the version, like https://api.openai.com/v1. */
  baseURL?: string;
  model: string;
  maxTokens: number;
  maxRetries: number;
  timeoutMs: number;
  redact: Redactor;
}

/** The error to throw when the task's signal fired: its own reason, or a plain AbortError. */
export function abortReason(signal: AbortSignal): Error {
  if (signal.reason instanceof Error) return signal.reason;
  const err = new Error('the AI call was cancelled');
  err.name = 'AbortError';
  return err;
}

export function requestIdNote(id: string | null | undefined): string {
  return id ? ` (request-id ${id})` : '';
}

export function retriesNote(retries: number): string {
  return ` after ${retries} ${retries === 1 ? 'retry' : 'retries'}`;
}

/** Tool arguments arrive as JSON text on most wires; a model can get them wrong, and must hear why. */
export function parseToolArguments(raw: string): { input: unknown; malformed?: string } {
  if (raw.trim() === '') return { input: {} };
  try {
    const input: unknown = JSON.parse(raw);
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      return { input: undefined, malformed: 'the arguments must be one JSON object' };
    }
    return { input };
  } catch (err) {
    return { input: undefined, malformed: `the arguments are not valid JSON (${(err as Error).message})` };
  }
}
