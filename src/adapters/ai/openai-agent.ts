// The AiAgent on OpenAI's Chat Completions API: the shared agent core driving the OpenAI model
// adapter. A reply that was cut off, by the token limit or by a broken stream, is never acted on.
import { createRedactor } from '../../core/redact';
import { ChatAgent, validateCommonOptions } from './agent-core';
import { OpenAiChatModel } from './openai-model';
import { PriceBook, type ModelPrice } from './pricing';
import type { EditFormat } from './prompts';

export interface OpenAiAgentOptions {
  apiKey: string;
  /** Another endpoint speaking Chat Completions, including the version path (https://…/v1). */
  baseURL?: string;
  model: string;
  /** Output limit of one reply (max_completion_tokens). A reply that reaches it is discarded. */
  maxTokens: number;
  /** Most model calls one code or fix run may make. */
  maxTurns: number;
  /** Retries of 408, 409, 429 and 5xx answers (the SDK honours retry-after). Default 2. */
  maxRetries?: number;
  /** Per-request timeout until the answer starts. Default 10 minutes. */
  timeoutMs?: number;
  /** Per-model price overrides, USD per million tokens, keyed by model id prefix. */
  prices?: Record<string, ModelPrice>;
  /** How files are changed: the text editor as a function (default) or whole files. */
  editFormat?: EditFormat;
}

export class OpenAiAgent extends ChatAgent {
  constructor(options: OpenAiAgentOptions) {
    if (typeof options.apiKey !== 'string' || options.apiKey.trim() === '') {
      throw new Error('OpenAI agent: apiKey is empty; set the OpenAI API key (OPENAI_API_KEY)');
    }
    validateCommonOptions('OpenAI agent', options, 'gpt-4.1');
    const redact = createRedactor([options.apiKey]);
    super({
      model: new OpenAiChatModel({
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
      prices: new PriceBook(options.prices, 'openai'),
      redact,
    });
  }
}
