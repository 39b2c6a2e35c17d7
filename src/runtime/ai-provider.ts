// Chooses the AiAgent for rig.yaml's ai: section. This is the only place that knows which
// providers exist; the engine sees an AiAgent and never which provider answers it.
import { AnthropicAgent } from '../adapters/ai/anthropic-agent';
import { ClaudeCodeAgent } from '../adapters/ai/claude-code-agent';
import { OllamaAgent } from '../adapters/ai/ollama-agent';
import { OpenAiAgent } from '../adapters/ai/openai-agent';
import type { ModelPrice } from '../adapters/ai/pricing';
import type { EditFormat } from '../adapters/ai/prompts';
import type { AiConfig } from '../core/config/schema';
import type { Endpoints } from '../core/credentials';
import type { AiAgent } from '../core/ports';

/** Models used when rig.yaml names none. Ollama has no default: it serves what the user pulled. */
export const DEFAULT_MODELS = {
  anthropic: 'claude-opus-4-6',
  openai: 'gpt-4.1',
} as const;

/** Where each provider's key is looked for in the environment, for the message when it is missing. */
const KEY_ENV = { anthropic: 'ANTHROPIC_API_KEY', openai: 'OPENAI_API_KEY' } as const;

export function createAiAgent(endpoints: Endpoints['ai'], ai: AiConfig): AiAgent {
  // The key was looked up for endpoints.provider; handing it to another provider would send it to the wrong server.
  if (endpoints.provider !== ai.provider) {
    throw new Error(`the AI endpoints were resolved for provider ${endpoints.provider} but ai.provider is ${ai.provider}; resolve them from the same rig.yaml`);
  }
  const model = ai.model ?? endpoints.model;
  const prices = priceOverrides(ai.prices);
  switch (ai.provider) {
    case 'anthropic':
      return new AnthropicAgent({
        apiKey: requireKey(endpoints, 'Anthropic', KEY_ENV.anthropic),
        baseURL: endpoints.baseUrl,
        model: model ?? DEFAULT_MODELS.anthropic,
        maxTokens: ai.max_tokens,
        maxTurns: ai.max_turns,
        prices,
        editFormat: editFormat(ai, 'editor'),
      });
    case 'openai':
      return new OpenAiAgent({
        apiKey: requireKey(endpoints, 'OpenAI', KEY_ENV.openai),
        baseURL: endpoints.baseUrl,
        model: model ?? DEFAULT_MODELS.openai,
        maxTokens: ai.max_tokens,
        maxTurns: ai.max_turns,
        prices,
        editFormat: editFormat(ai, 'editor'),
      });
    case 'ollama':
      if (!model) throw new Error('provider ollama needs ai.model, the name of a model installed in Ollama (see `ollama list`)');
      return new OllamaAgent({
        host: endpoints.baseUrl,
        model,
        apiKey: endpoints.apiKey,
        maxTokens: ai.max_tokens,
        maxTurns: ai.max_turns,
        prices,
        editFormat: editFormat(ai, 'whole_file'),
      });
    case 'claude-code':
      if (ai.edit_format !== undefined) {
        throw new Error('ai.edit_format does not apply to provider claude-code, which edits files with its own tools; remove it');
      }
      return new ClaudeCodeAgent({
        model,
        // One run can never usefully outlast the whole task it belongs to.
        timeoutMs: ai.budget.max_wall_time,
        maxTurns: ai.max_turns,
        apiKey: endpoints.apiKey,
        baseUrl: endpoints.baseUrl,
      });
    default: {
      const unknown: never = ai.provider;
      throw new Error(`ai.provider ${JSON.stringify(unknown)} is not one Rig knows; use anthropic, openai, ollama or claude-code`);
    }
  }
}

function requireKey(endpoints: Endpoints['ai'], provider: string, envVar: string): string {
  if (endpoints.apiKey && endpoints.apiKey.trim() !== '') return endpoints.apiKey;
  const compatible = endpoints.baseUrl ? ' (a compatible server that does not check keys accepts any value)' : '';
  throw new Error(`no ${provider} API key: set ${envVar} or ai.api_key in rig.yaml${compatible}`);
}

function editFormat(ai: AiConfig, fallback: EditFormat): EditFormat {
  return ai.edit_format ?? fallback;
}

/**
 * rig.yaml prices may leave the cache rates out. They are then assumed at their highest plausible
 * level (reads at the full input rate, writes with Anthropic's 25 % premium), so a budget errs on
 * the side of stopping.
 */
function priceOverrides(prices: AiConfig['prices']): Record<string, ModelPrice> {
  return Object.fromEntries(
    Object.entries(prices).map(([model, p]) => [
      model,
      { input: p.input, output: p.output, cacheRead: p.cache_read ?? p.input, cacheWrite: p.cache_write ?? p.input * 1.25 },
    ]),
  );
}
