// The AiAgent on top of any ChatModel. The rules that must not differ between providers live here
// and only here: a reply is acted on only once it is whole and was not cut off; every tool call is
// answered, refusals included; structured answers are validated against their schema; every call's
// usage is priced and reported, failed calls included; failures reach the engine as AiErrors whose
// messages carry no secret.
import { z } from 'zod';
import type { Issue, Plan } from '../../core/model';
import {
  AiError,
  type AiAgent,
  type AiContext,
  type CodeInput,
  type CodeResult,
  type ExplainInput,
  type FixInput,
  type PlanInput,
  type ProposalDraft,
  type ProposalInput,
  type ReviewInput,
  type ReviewVerdict,
} from '../../core/ports';
import { createRedactor, type Redactor } from '../../core/redact';
import { abortReason, type ApiKeyModelOptions, type ChatModel, type ChatRequest, type Exchange, type ModelReply, type Purpose, type ToolCall, type ToolResult } from './chat-model';
import { editToolset, type EditToolset } from './edit-tools';
import { PriceBook, type ModelPrice, type PricedProvider, type TokenCounts } from './pricing';
import {
  codeRequest,
  explainRequest,
  fixRequest,
  issueText,
  planRequest,
  proposalRequest,
  reviewRequest,
  systemPrompt,
  type EditFormat,
} from './prompts';
import { confineProposal, jsonSchemaOf, normaliseReview, planAnswer, proposalAnswer, reviewAnswer, type AnswerSpec } from './structured-answers';
import { WorktreeFiles } from './worktree-files';

export interface ChatAgentOptions {
  model: ChatModel;
  /** Most model calls one code or fix run may make. */
  maxTurns: number;
  editFormat: EditFormat;
  prices: PriceBook;
  /** Masks the provider's key, and anything token-shaped, in what is sent, logged or thrown. */
  redact: Redactor;
}

export class ChatAgent implements AiAgent {
  readonly description: string;
  private readonly model: ChatModel;
  private readonly tools: EditToolset;
  private readonly system: string;
  private forcedToolChoiceRejected: boolean;
  private readonly warnedUnpricedModels = new Set<string>();

  constructor(private readonly options: ChatAgentOptions) {
    this.model = options.model;
    this.description = options.model.description;
    this.tools = editToolset(options.editFormat);
    this.system = systemPrompt(options.editFormat);
    this.forcedToolChoiceRejected = options.model.rejectsForcedToolChoice;
  }

  async plan(input: PlanInput, ctx: AiContext): Promise<Plan> {
    return this.structured('plan', input.issue, planRequest(input), ctx, planAnswer);
  }

  async code(input: CodeInput, ctx: AiContext): Promise<CodeResult> {
    return this.editLoop('code', input.issue, codeRequest(input.plan, this.options.editFormat), ctx);
  }

  async fix(input: FixInput, ctx: AiContext): Promise<CodeResult> {
    return this.editLoop('fix', input.issue, fixRequest(input, this.options.redact, this.options.editFormat), ctx);
  }

  async proposeInfraFix(input: ProposalInput, ctx: AiContext): Promise<ProposalDraft> {
    if (input.editable.length === 0) {
      throw new AiError('no infrastructure files are editable (deploy.infra_files matched nothing), so there is nothing to propose', 'bad_request');
    }
    const draft = await this.structured('proposal', input.issue, proposalRequest(input, this.options.redact), ctx, proposalAnswer);
    return confineProposal(draft, input);
  }

  async explain(input: ExplainInput, ctx: AiContext): Promise<string> {
    const reply = await this.call(this.request('explain', input.task.issue, explainRequest(input, this.options.redact), ctx), ctx);
    const text = reply.text.trim();
    if (!text) throw new AiError('the model returned no explanation text', 'invalid_reply');
    return text;
  }

  async review(input: ReviewInput, ctx: AiContext): Promise<ReviewVerdict> {
    return normaliseReview(await this.structured('review', input.issue, reviewRequest(input), ctx, reviewAnswer));
  }

  // ---------------------------------------------------------------- editing

  /**
   * Coding and fixing: the model edits the worktree through its tools until it stops asking for
   * them or the turn budget runs out. Each reply is complete before any of its tool calls run, and
   * each call is answered, refusals included, so the model can correct itself.
   */
  private async editLoop(purpose: 'code' | 'fix', issue: Issue, instruction: string, ctx: AiContext): Promise<CodeResult> {
    const files = await WorktreeFiles.open(ctx.worktree);
    const history: Exchange[] = [];
    const { maxTurns } = this.options;
    for (let turn = 1; turn <= maxTurns; turn++) {
      const request = this.request(purpose, issue, instruction, ctx, { tools: this.tools.specs, history: [...history], expectFollowUps: true });
      const reply = await this.call(request, ctx);
      if (reply.stop !== 'tool_use' || reply.toolCalls.length === 0) {
        return { filesChanged: files.changedFiles(), summary: reply.text.trim() || '(the model gave no summary)' };
      }
      if (turn === maxTurns) break;
      const results: ToolResult[] = [];
      for (const call of reply.toolCalls) {
        if (ctx.signal.aborted) throw abortReason(ctx.signal);
        results.push(await this.runTool(call, files, ctx));
      }
      history.push({ reply, results });
    }
    throw new AiError(`the model was still editing after ${maxTurns} turns (max_turns); the task stops here with its edits unfinished`, 'budget');
  }

  private async runTool(call: ToolCall, files: WorktreeFiles, ctx: AiContext): Promise<ToolResult> {
    const outcome = await this.tools.run(call, files);
    const what = this.tools.describe(call);
    if (outcome.isError) ctx.log('warn', this.options.redact(`${what.text} refused: ${outcome.text}`));
    else ctx.log(what.level, this.options.redact(what.text));
    return { callId: call.id, name: call.name, text: outcome.text, isError: outcome.isError };
  }

  // ---------------------------------------------------------------- structured answers

  /**
   * Plan, proposal and review come back as the arguments of a tool call, checked against the zod
   * schema the tool's parameters were made from. The tool is forced where the model allows it;
   * a model that refuses a forced choice is asked with auto from then on.
   */
  private async structured<T>(purpose: Purpose, issue: Issue, instruction: string, ctx: AiContext, spec: AnswerSpec<T>): Promise<T> {
    const tools = [{ kind: 'function' as const, name: spec.name, description: spec.description, parameters: jsonSchemaOf(spec.schema) }];
    const ask = (forced: boolean) =>
      this.call(this.request(purpose, issue, instruction, ctx, { tools, toolChoice: forced ? { force: spec.name } : 'auto' }), ctx);
    let reply: ModelReply | undefined;
    if (!this.forcedToolChoiceRejected) {
      try {
        reply = await ask(true);
      } catch (err) {
        if (!(err instanceof AiError && err.kind === 'bad_request' && /tool_choice|forced tool/i.test(err.message))) throw err;
        this.forcedToolChoiceRejected = true;
        ctx.log('info', `${this.model.model} does not accept a forced tool choice; asking for ${spec.name} with tool choice auto`);
      }
    }
    reply ??= await ask(false);
    const call = reply.toolCalls.find((c) => c.name === spec.name);
    if (!call) throw new AiError(`the model answered without calling ${spec.name}; no ${purpose} was produced`, 'invalid_reply');
    if (call.malformed) throw new AiError(`the model's ${spec.name} answer could not be read: ${call.malformed}`, 'invalid_reply');
    const parsed = spec.schema.safeParse(call.input);
    if (!parsed.success) {
      throw new AiError(`the model's ${spec.name} answer does not have the expected shape:\n${z.prettifyError(parsed.error)}`, 'invalid_reply');
    }
    return parsed.data;
  }

  // ---------------------------------------------------------------- one call

  /** System prompt and issue first and identical on every call of a task: the cacheable prefix. */
  private request(purpose: Purpose, issue: Issue, instruction: string, ctx: AiContext, extra: Partial<ChatRequest> = {}): ChatRequest {
    return {
      purpose,
      system: this.system,
      stablePrefix: this.options.redact(issueText(issue)),
      instruction,
      history: [],
      tools: [],
      expectFollowUps: false,
      signal: ctx.signal,
      ...extra,
    };
  }

  /** One model call: reports its usage, and refuses a reply that was cut off. */
  private async call(request: ChatRequest, ctx: AiContext): Promise<ModelReply> {
    if (ctx.signal.aborted) throw abortReason(ctx.signal);
    const redact = this.options.redact;
    let used: TokenCounts | undefined;
    let reply: ModelReply;
    try {
      reply = await this.model.complete(request, {
        usage: (model, tokens) => {
          used = tokens;
          this.reportUsage(request.purpose, model, tokens, ctx);
        },
        log: (level, message) => ctx.log(level, redact(message)),
      });
    } catch (err) {
      // Some SDKs end a stream quietly when it is aborted; the abort is what happened, not the break.
      if (ctx.signal.aborted) throw abortReason(ctx.signal);
      if (err instanceof AiError) throw redact(err.message) === err.message ? err : new AiError(redact(err.message), err.kind);
      throw new AiError(redact(`the call to ${this.description} failed: ${err instanceof Error ? err.message : String(err)}`), 'unavailable');
    }
    if (ctx.signal.aborted) throw abortReason(ctx.signal);
    const tokens = used
      ? `, ${used.inputTokens} in / ${used.outputTokens} out tokens (cache read ${used.cacheReadTokens}, cache write ${used.cacheWriteTokens})`
      : ', usage not reported';
    ctx.log('debug', redact(`${request.purpose}: stop_reason ${reply.providerStop}${tokens}${reply.note ?? ''}`));
    if (reply.stop === 'max_tokens') {
      throw new AiError(
        `the model's reply was cut off at max_tokens (${this.model.maxTokens}); nothing from that reply was applied. Raise max_tokens or narrow the task`,
        'truncated',
      );
    }
    return reply;
  }

  private reportUsage(purpose: Purpose, model: string, tokens: TokenCounts, ctx: AiContext): void {
    const prices = this.options.prices;
    const price = prices.lookup(model);
    if (!price.exact && !this.warnedUnpricedModels.has(model)) {
      this.warnedUnpricedModels.add(model);
      ctx.log('warn', `no price is known for model ${model}; its cost is estimated at ${price.key} rates (set ai.prices to correct it)`);
    }
    ctx.onUsage({ model, purpose, ...tokens, costUsd: prices.cost(model, tokens) });
  }
}

// ---------------------------------------------------------------- options

export interface CommonAgentOptions {
  model: string;
  maxTokens: number;
  maxTurns: number;
  maxRetries?: number;
  timeoutMs?: number;
  baseURL?: string;
}

/** The checks every provider's options share; `label` names the agent in the message. */
export function validateCommonOptions(label: string, o: CommonAgentOptions, modelHint: string): void {
  if (typeof o.model !== 'string' || o.model.trim() === '') throw new Error(`${label}: model is empty; name a model such as ${modelHint}`);
  const positive = (name: string, v: unknown) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new Error(`${label}: ${name} must be a positive integer, got ${JSON.stringify(v)}`);
  };
  positive('maxTokens', o.maxTokens);
  positive('maxTurns', o.maxTurns);
  if (o.maxRetries !== undefined && (!Number.isInteger(o.maxRetries) || o.maxRetries < 0)) {
    throw new Error(`${label}: maxRetries must be a non-negative integer, got ${JSON.stringify(o.maxRetries)}`);
  }
  if (o.timeoutMs !== undefined) positive('timeoutMs', o.timeoutMs);
  if (o.baseURL !== undefined && !/^https?:\/\/[^/\s]/.test(o.baseURL)) {
    throw new Error(`${label}: baseURL must be an http(s) URL, got ${JSON.stringify(o.baseURL)}`);
  }
}

/** Options of an agent on a hosted API that authenticates with an API key (Anthropic, OpenAI). */
export interface ApiKeyAgentOptions {
  apiKey: string;
  /** Another endpoint speaking the provider's API (a proxy, or the loopback fake in tests and the demo). OpenAI's includes the version path (https://…/v1). */
  baseURL?: string;
  model: string;
  /** Output limit of one reply (max_tokens, or max_completion_tokens on OpenAI). A reply that reaches it is discarded, never half-applied. */
  maxTokens: number;
  /** Most model calls one code or fix run may make. */
  maxTurns: number;
  /** Retries of 429 and 5xx answers, plus Anthropic's 529 and OpenAI's 408 and 409 (the SDK honours retry-after). Default 2. */
  maxRetries?: number;
  /** Per-request timeout until the answer starts. Default 10 minutes. */
  timeoutMs?: number;
  /** Per-model price overrides, USD per million tokens, keyed by model id prefix. */
  prices?: Record<string, ModelPrice>;
  /** How files are changed: the text editor (built in on Anthropic, a function on OpenAI; the default) or whole files. */
  editFormat?: EditFormat;
}

export interface ApiKeyProvider {
  /** As the provider is named in messages: "Anthropic", "OpenAI". */
  name: string;
  /** The environment variable the key usually comes from, named in the empty-key message. */
  keyVariable: string;
  modelHint: string;
  pricing: PricedProvider;
}

/**
 * The checked ChatAgent options of an API-key provider. One place for the checks, the masking of
 * the key and the defaults, so that switching between these providers changes only the provider.
 */
export function apiKeyAgentOptions(
  provider: ApiKeyProvider,
  options: ApiKeyAgentOptions,
  createModel: (options: ApiKeyModelOptions) => ChatModel,
): ChatAgentOptions {
  const label = `${provider.name} agent`;
  if (typeof options.apiKey !== 'string' || options.apiKey.trim() === '') {
    throw new Error(`${label}: apiKey is empty; set the ${provider.name} API key (${provider.keyVariable})`);
  }
  validateCommonOptions(label, options, provider.modelHint);
  const redact = createRedactor([options.apiKey]);
  return {
    model: createModel({
      apiKey: options.apiKey,
      baseURL: options.baseURL,
      model: options.model,
      maxTokens: options.maxTokens,
      maxRetries: options.maxRetries ?? 2,
      timeoutMs: options.timeoutMs ?? 10 * 60_000,
      redact,
    }),
    maxTurns: options.maxTurns,
    editFormat: options.editFormat ?? 'editor',
    prices: new PriceBook(options.prices, provider.pricing),
    redact,
  };
}
