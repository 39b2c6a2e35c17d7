// The AiAgent on Anthropic's Messages API: the shared agent core driving the Anthropic model
// adapter. A reply that was cut off, by max_tokens or by a broken stream, is never acted on.
import { createRedactor } from '../../core/redact';
import { ChatAgent, validateCommonOptions } from './agent-core';
import { AnthropicChatModel } from './anthropic-model';
import { PriceBook, type ModelPrice } from './pricing';
import type { EditFormat } from './prompts';

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
  /** How files are changed: the built-in text editor (default) or whole files. */
  editFormat?: EditFormat;
}

export class AnthropicAgent extends ChatAgent {
  constructor(options: AnthropicAgentOptions) {
    if (typeof options.apiKey !== 'string' || options.apiKey.trim() === '') {
      throw new Error('Anthropic agent: apiKey is empty; set the Anthropic API key (ANTHROPIC_API_KEY)');
    }
    validateCommonOptions('Anthropic agent', options, 'claude-sonnet-4-5');
    const redact = createRedactor([options.apiKey]);
    super({
      model: new AnthropicChatModel({
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
      prices: new PriceBook(options.prices, 'anthropic'),
      redact,
    });
  }
}
