// The AiAgent on a local Ollama: the shared agent core driving the Ollama model adapter. Local
// models edit whole files by default, the format weak models get right most often.
import { createRedactor } from '../../core/redact';
import { ChatAgent, validateCommonOptions } from './agent-core';
import { DEFAULT_MAX_CONTEXT_TOKENS, OllamaChatModel, resolveOllamaBaseUrl } from './ollama-model';
import { PriceBook, type ModelPrice } from './pricing';
import type { EditFormat } from './prompts';

export interface OllamaAgentOptions {
  /** OLLAMA_HOST-style address: host, host:port, :port or http(s)://host:port. Default http://127.0.0.1:11434. */
  host?: string;
  /** The name of a model installed in Ollama, such as qwen2.5-coder:14b. */
  model: string;
  /** Output limit of one reply (num_predict). A reply that reaches it is discarded. */
  maxTokens: number;
  /** Most model calls one code or fix run may make. */
  maxTurns: number;
  /** Retries of 408, 409, 429, 5xx and refused connections. Default 2. */
  maxRetries?: number;
  /** Per-request timeout until the answer starts; loading a model can take a while. Default 10 minutes. */
  timeoutMs?: number;
  /** Upper bound for num_ctx. Default 32768. */
  maxContextTokens?: number;
  /** Only for an Ollama behind an authenticating proxy or a hosted one. */
  apiKey?: string;
  /** Local models cost nothing per token unless priced here. */
  prices?: Record<string, ModelPrice>;
  /** How files are changed: whole files (default) or the text editor as a function. */
  editFormat?: EditFormat;
}

export class OllamaAgent extends ChatAgent {
  constructor(options: OllamaAgentOptions) {
    validateCommonOptions('Ollama agent', options, 'qwen2.5-coder:14b');
    const maxContextTokens = options.maxContextTokens ?? DEFAULT_MAX_CONTEXT_TOKENS;
    if (!Number.isInteger(maxContextTokens) || maxContextTokens < 1024) {
      throw new Error(`Ollama agent: maxContextTokens must be an integer of at least 1024, got ${JSON.stringify(options.maxContextTokens)}`);
    }
    const redact = createRedactor([options.apiKey]);
    super({
      model: new OllamaChatModel({
        baseUrl: resolveOllamaBaseUrl(options.host),
        model: options.model,
        maxTokens: options.maxTokens,
        maxRetries: options.maxRetries ?? 2,
        timeoutMs: options.timeoutMs ?? 10 * 60_000,
        maxContextTokens,
        apiKey: options.apiKey || undefined,
        redact,
      }),
      maxTurns: options.maxTurns,
      editFormat: options.editFormat ?? 'whole_file',
      prices: new PriceBook(options.prices, 'ollama'),
      redact,
    });
  }
}
