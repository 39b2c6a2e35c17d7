// The AiAgent on Anthropic's Messages API. Every call streams (a long reply must not hit the SDK's
// non-streaming limits) and is accepted only once the whole message has arrived: a reply that was
// cut off, by max_tokens or by a broken stream, is never acted on.
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
  TextBlockParam,
  Tool,
  ToolResultBlockParam,
  ToolTextEditor20250728,
  ToolUseBlock,
  Usage as ApiUsage,
} from '@anthropic-ai/sdk/resources/messages';
import { z } from 'zod';
import type { Issue, Plan } from '../../core/model';
import {
  AiError,
  type AiAgent,
  type AiCallUsage,
  type AiContext,
  type CodeInput,
  type CodeResult,
  type ExplainInput,
  type FixInput,
  type PlanInput,
  type ProposalDraft,
  type ProposalInput,
} from '../../core/ports';
import { createRedactor, type Redactor } from '../../core/redact';
import { PriceBook, type ModelPrice } from './pricing';
import {
  EDITOR_TOOL_NAME,
  PLAN_TOOL_NAME,
  PROPOSAL_TOOL_NAME,
  SYSTEM_PROMPT,
  codeRequest,
  explainRequest,
  fixRequest,
  issueText,
  planRequest,
  proposalRequest,
} from './prompts';
import { MAX_VIEW_CHARS, WorktreeFiles } from './worktree-files';

export interface AnthropicAgentOptions {
  apiKey: string;
  /** Another endpoint speaking the Messages API (a proxy, or the loopback fake in tests and the demo). */
  baseURL?: string;
  model: string;
  /** Output limit of one reply. A reply that reaches it is discarded, never half-applied. */
  maxTokens: number;
  /** Most model calls one code or fix run may make. */
  maxTurns: number;
  /** Retries of 429, 529 and 5xx answers (the SDK honours retry-after). Default 2. */
  maxRetries?: number;
  /** Per-request timeout until the answer starts. Default 10 minutes. */
  timeoutMs?: number;
  /** Per-model price overrides, USD per million tokens, keyed by model id prefix. */
  prices?: Record<string, ModelPrice>;
}

type Purpose = AiCallUsage['purpose'];
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

const planSchema = z.object({
  summary: z.string().trim().min(1).max(4000).describe('One paragraph: what will change and why it resolves the issue.'),
  steps: z.array(z.string().trim().min(1).max(1000)).min(1).max(30).describe('Ordered implementation steps.'),
  files: z.array(z.string().trim().min(1).max(500)).max(200).describe('Repository-relative paths expected to be created or changed.'),
});

const proposalSchema = z.object({
  summary: z.string().trim().min(1).max(2000).describe('One line: what the change does.'),
  reason: z.string().trim().min(1).max(4000).describe('What in the deploy log shows that this is the cause.'),
  files: z
    .array(
      z.object({
        path: z.string().min(1).describe('Path exactly as listed among the editable files.'),
        after: z.string().describe('The complete new content of the file.'),
      }),
    )
    .min(1)
    .max(50),
});

export class AnthropicAgent implements AiAgent {
  readonly description: string;
  private readonly client: Anthropic;
  private readonly prices: PriceBook;
  private readonly redact: Redactor;
  private readonly maxRetries: number;
  private readonly timeoutMs: number;
  private forcedToolChoiceRejected: boolean;
  private readonly warnedUnpricedModels = new Set<string>();

  constructor(private readonly options: AnthropicAgentOptions) {
    validateOptions(options);
    this.maxRetries = options.maxRetries ?? 2;
    this.timeoutMs = options.timeoutMs ?? 10 * 60_000;
    this.description = `Anthropic ${options.model}`;
    this.prices = new PriceBook(options.prices);
    this.redact = createRedactor([options.apiKey]);
    this.forcedToolChoiceRejected = REJECTS_FORCED_TOOL_CHOICE.some((p) => options.model.startsWith(p));
    this.client = new Anthropic({
      apiKey: options.apiKey,
      authToken: null,
      baseURL: options.baseURL,
      maxRetries: this.maxRetries,
      timeout: this.timeoutMs,
      // Rig logs through the task's log, redacted; the SDK must not print to the console on its own.
      logLevel: 'off',
    });
  }

  async plan(input: PlanInput, ctx: AiContext): Promise<Plan> {
    return this.structured('plan', input.issue, planRequest(input), ctx, {
      name: PLAN_TOOL_NAME,
      description: 'Submit the implementation plan for the issue.',
      schema: planSchema,
    });
  }

  async code(input: CodeInput, ctx: AiContext): Promise<CodeResult> {
    return this.editLoop('code', input.issue, codeRequest(input.plan), ctx);
  }

  async fix(input: FixInput, ctx: AiContext): Promise<CodeResult> {
    return this.editLoop('fix', input.issue, fixRequest(input, this.redact), ctx);
  }

  async proposeInfraFix(input: ProposalInput, ctx: AiContext): Promise<ProposalDraft> {
    if (input.editable.length === 0) {
      throw new AiError('no infrastructure files are editable (deploy.infra_files matched nothing), so there is nothing to propose', 'bad_request');
    }
    const draft = await this.structured('proposal', input.issue, proposalRequest(input, this.redact), ctx, {
      name: PROPOSAL_TOOL_NAME,
      description: 'Submit a proposed change to the editable infrastructure files.',
      schema: proposalSchema,
    });
    return confineProposal(draft, input);
  }

  async explain(input: ExplainInput, ctx: AiContext): Promise<string> {
    const message = await this.call('explain', this.request(input.task.issue, explainRequest(input, this.redact)), ctx);
    const text = textOf(message.content);
    if (!text) throw new AiError('the model returned no explanation text', 'invalid_reply');
    return text;
  }

  // ---------------------------------------------------------------- editing

  /**
   * Coding and fixing: the model edits the worktree through the text editor tool until it stops
   * asking for tools or the turn budget runs out. Each reply is complete before any of its tool
   * calls run, and each call is answered, refusals included, so the model can correct itself.
   */
  private async editLoop(purpose: 'code' | 'fix', issue: Issue, request: string, ctx: AiContext): Promise<CodeResult> {
    const files = await WorktreeFiles.open(ctx.worktree);
    const body = this.request(issue, request, { tools: [EDITOR_TOOL] });
    const messages = body.messages;
    for (let turn = 1; turn <= this.options.maxTurns; turn++) {
      const message = await this.call(purpose, { ...body, messages: withMovingCacheBreakpoint(messages) }, ctx);
      const toolUses = message.content.filter((b): b is ToolUseBlock => b.type === 'tool_use');
      if (message.stop_reason !== 'tool_use' || toolUses.length === 0) {
        return { filesChanged: files.changedFiles(), summary: textOf(message.content) || '(the model gave no summary)' };
      }
      if (turn === this.options.maxTurns) break;
      // Thinking blocks included: newer models require their own turn back unmodified.
      messages.push({ role: 'assistant', content: message.content });
      const results: ToolResultBlockParam[] = [];
      for (const use of toolUses) {
        if (ctx.signal.aborted) throw abortReason(ctx.signal);
        results.push(await this.runTool(use, files, ctx));
      }
      messages.push({ role: 'user', content: results });
    }
    throw new AiError(
      `the model was still editing after ${this.options.maxTurns} turns (max_turns); the task stops here with its edits unfinished`,
      'budget',
    );
  }

  private async runTool(use: ToolUseBlock, files: WorktreeFiles, ctx: AiContext): Promise<ToolResultBlockParam> {
    if (use.name !== EDITOR_TOOL_NAME) {
      return { type: 'tool_result', tool_use_id: use.id, is_error: true, content: `There is no tool named "${use.name}". Use ${EDITOR_TOOL_NAME}.` };
    }
    const input = use.input as { command?: unknown; path?: unknown };
    const what = `${String(input?.command)} ${String(input?.path)}`;
    const outcome = await files.execute(use.input);
    if (outcome.isError) ctx.log('warn', this.redact(`editor refused ${what}: ${outcome.text}`));
    else ctx.log(input?.command === 'view' ? 'debug' : 'info', this.redact(`editor ${what}`));
    return { type: 'tool_result', tool_use_id: use.id, content: outcome.text, ...(outcome.isError ? { is_error: true } : {}) };
  }

  // ---------------------------------------------------------------- structured answers

  /**
   * Plan and proposal come back as the input of a tool call, checked against the zod schema the
   * tool's input_schema was made from. The tool is forced where the model allows it.
   */
  private async structured<T>(
    purpose: Purpose,
    issue: Issue,
    request: string,
    ctx: AiContext,
    spec: { name: string; description: string; schema: z.ZodType<T> },
  ): Promise<T> {
    const tool: Tool = { name: spec.name, description: spec.description, input_schema: inputSchemaOf(spec.schema) };
    const body = (forced: boolean) =>
      this.request(issue, request, { tools: [tool], tool_choice: forced ? { type: 'tool', name: spec.name } : { type: 'auto' } });
    let message: Message | undefined;
    if (!this.forcedToolChoiceRejected) {
      try {
        message = await this.call(purpose, body(true), ctx);
      } catch (err) {
        if (!(err instanceof AiError && err.kind === 'bad_request' && /tool_choice|forced tool/i.test(err.message))) throw err;
        this.forcedToolChoiceRejected = true;
        ctx.log('info', `${this.options.model} does not accept a forced tool_choice; asking for ${spec.name} with tool_choice auto`);
      }
    }
    message ??= await this.call(purpose, body(false), ctx);
    const use = message.content.find((b): b is ToolUseBlock => b.type === 'tool_use' && b.name === spec.name);
    if (!use) throw new AiError(`the model answered without calling ${spec.name}; no ${purpose} was produced`, 'invalid_reply');
    const parsed = spec.schema.safeParse(use.input);
    if (!parsed.success) {
      throw new AiError(`the model's ${spec.name} answer does not have the expected shape:\n${z.prettifyError(parsed.error)}`, 'invalid_reply');
    }
    return parsed.data;
  }

  // ---------------------------------------------------------------- one call

  /** System prompt and issue first and identical on every call of a task: the cached prefix. */
  private request(issue: Issue, text: string, extra: Partial<RequestBody> = {}): RequestBody {
    const prefix: TextBlockParam = { type: 'text', text: this.redact(issueText(issue)), cache_control: { type: 'ephemeral' } };
    return {
      model: this.options.model,
      max_tokens: this.options.maxTokens,
      system: [{ type: 'text', text: SYSTEM_PROMPT }],
      messages: [{ role: 'user', content: [prefix, { type: 'text', text }] }],
      ...extra,
    };
  }

  /** Streams one reply to the end, reports its usage, and refuses a reply that is not whole. */
  private async call(purpose: Purpose, body: RequestBody, ctx: AiContext): Promise<Message> {
    if (ctx.signal.aborted) throw abortReason(ctx.signal);
    const stream = this.client.messages.stream(body, { signal: ctx.signal });
    let message: Message;
    try {
      message = await stream.finalMessage();
    } catch (err) {
      // A broken stream was still billed for what it consumed; count what is known.
      const partial = stream.currentMessage;
      if (partial) this.reportUsage(purpose, partial.model || body.model, partial.usage, ctx);
      throw this.translate(err, ctx.signal);
    }
    this.reportUsage(purpose, message.model || body.model, message.usage, ctx);
    ctx.log(
      'debug',
      `${purpose}: stop_reason ${message.stop_reason}, ${message.usage.input_tokens} in / ${message.usage.output_tokens} out tokens` +
        ` (cache read ${message.usage.cache_read_input_tokens ?? 0}, cache write ${message.usage.cache_creation_input_tokens ?? 0})${requestIdNote(stream.request_id)}`,
    );
    switch (message.stop_reason) {
      case 'max_tokens':
        throw new AiError(
          `the model's reply was cut off at max_tokens (${this.options.maxTokens}); nothing from that reply was applied. Raise max_tokens or narrow the task`,
          'truncated',
        );
      case 'model_context_window_exceeded':
        throw new AiError("the conversation outgrew the model's context window; nothing from the last reply was applied", 'truncated');
      case 'refusal':
        throw new AiError('the model declined to answer (stop_reason refusal); nothing from that reply was applied', 'invalid_reply');
      case 'end_turn':
      case 'stop_sequence':
      case 'tool_use':
        return message;
      default:
        throw new AiError(`the model stopped with an unexpected stop_reason "${message.stop_reason}"; nothing from that reply was applied`, 'invalid_reply');
    }
  }

  private reportUsage(purpose: Purpose, model: string, usage: ApiUsage, ctx: AiContext): void {
    const tokens = {
      inputTokens: usage.input_tokens ?? 0,
      outputTokens: usage.output_tokens ?? 0,
      cacheReadTokens: usage.cache_read_input_tokens ?? 0,
      cacheWriteTokens: usage.cache_creation_input_tokens ?? 0,
    };
    const price = this.prices.lookup(model);
    if (!price.exact && !this.warnedUnpricedModels.has(model)) {
      this.warnedUnpricedModels.add(model);
      ctx.log('warn', `no price is known for model ${model}; its cost is estimated at ${price.key} rates (set prices to correct it)`);
    }
    ctx.onUsage({ model, purpose, ...tokens, costUsd: this.prices.cost(model, tokens) });
  }

  /** SDK failures become AiErrors that say what happened and what to do, without the key. */
  private translate(err: unknown, signal: AbortSignal): Error {
    if (signal.aborted || err instanceof APIUserAbortError) return abortReason(signal);
    if (err instanceof AiError) return err;
    const r = this.redact;
    if (err instanceof APIError && err.status !== undefined) {
      const what = `${err.status} ${err.type ?? 'error'}${err.apiMessage ? `: ${err.apiMessage}` : ''}`;
      const retried = ` after ${this.maxRetries} ${this.maxRetries === 1 ? 'retry' : 'retries'}`;
      const id = requestIdNote(err.requestID);
      const fail = (kind: AiError['kind'], text: string) => new AiError(r(text + id), kind);
      if (err.status === 401) return fail('auth', `Anthropic rejected the API key (401 ${err.type ?? 'authentication_error'}); check the configured key. Not retried`);
      if (err.status === 403) return fail('auth', `Anthropic refused the request (${what}); the API key may not have access to ${this.options.model}`);
      if (err.status === 402) return fail('auth', `Anthropic refused the request for billing reasons (${what})`);
      if (err.status === 429) return fail('unavailable', `Anthropic kept rate-limiting the request (${what})${retried}`);
      if (err.status >= 500 || err.status === 408 || err.status === 409) return fail('unavailable', `Anthropic is unavailable (${what})${retried}`);
      return fail('bad_request', `Anthropic rejected the request (${what})`);
    }
    if (err instanceof APIConnectionTimeoutError) {
      return new AiError(`no answer from the Anthropic API within ${this.timeoutMs} ms, after ${this.maxRetries} retries`, 'unavailable');
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

function validateOptions(o: AnthropicAgentOptions): void {
  if (typeof o.apiKey !== 'string' || o.apiKey.trim() === '') throw new Error('Anthropic agent: apiKey is empty; set the Anthropic API key');
  if (typeof o.model !== 'string' || o.model.trim() === '') throw new Error('Anthropic agent: model is empty; name a Claude model such as claude-sonnet-4-5');
  const positive = (name: string, v: unknown) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new Error(`Anthropic agent: ${name} must be a positive integer, got ${JSON.stringify(v)}`);
  };
  positive('maxTokens', o.maxTokens);
  positive('maxTurns', o.maxTurns);
  if (o.maxRetries !== undefined && (!Number.isInteger(o.maxRetries) || o.maxRetries < 0)) {
    throw new Error(`Anthropic agent: maxRetries must be a non-negative integer, got ${JSON.stringify(o.maxRetries)}`);
  }
  if (o.timeoutMs !== undefined) positive('timeoutMs', o.timeoutMs);
  if (o.baseURL !== undefined && !/^https?:\/\//.test(o.baseURL)) {
    throw new Error(`Anthropic agent: baseURL must be an http(s) URL, got ${JSON.stringify(o.baseURL)}`);
  }
}

/** The API wants a plain JSON Schema object; the $schema marker adds nothing to it. */
function inputSchemaOf(schema: z.ZodType): Tool.InputSchema {
  const { $schema: _ignored, ...json } = z.toJSONSchema(schema) as Record<string, unknown>;
  return json as Tool.InputSchema;
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

function requestIdNote(id: string | null | undefined): string {
  return id ? ` (request-id ${id})` : '';
}

function abortReason(signal: AbortSignal): Error {
  if (signal.reason instanceof Error) return signal.reason;
  const err = new Error('the AI call was cancelled');
  err.name = 'AbortError';
  return err;
}

/** A proposal may only change the editable files it was shown, and must change something. */
function confineProposal(draft: z.infer<typeof proposalSchema>, input: ProposalInput): ProposalDraft {
  const editable = new Map(input.editable.map((f) => [f.path, f]));
  const readonly = new Set(input.readonly.map((f) => f.path));
  const seen = new Set<string>();
  for (const file of draft.files) {
    if (readonly.has(file.path)) {
      throw new AiError(`the proposal changes ${file.path}, which is read-only infrastructure; the proposal was refused`, 'invalid_reply');
    }
    if (!editable.has(file.path)) {
      throw new AiError(
        `the proposal changes ${file.path}, which is not one of the editable infrastructure files (${[...editable.keys()].join(', ')}); the proposal was refused`,
        'invalid_reply',
      );
    }
    if (seen.has(file.path)) throw new AiError(`the proposal lists ${file.path} twice; the proposal was refused`, 'invalid_reply');
    seen.add(file.path);
  }
  const files = draft.files.filter((f) => f.after !== editable.get(f.path)!.before);
  if (files.length === 0) throw new AiError('the proposal leaves every file as it was; there is nothing to approve', 'invalid_reply');
  return { summary: draft.summary, reason: draft.reason, files };
}
