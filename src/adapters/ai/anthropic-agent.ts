// The AiAgent on Anthropic's Messages API: the shared agent core driving the Anthropic model
// adapter. A reply that was cut off, by max_tokens or by a broken stream, is never acted on.
import { apiKeyAgentOptions, ChatAgent, type ApiKeyAgentOptions } from './agent-core';
import { AnthropicChatModel } from './anthropic-model';

export type AnthropicAgentOptions = ApiKeyAgentOptions;

export class AnthropicAgent extends ChatAgent {
  constructor(options: AnthropicAgentOptions) {
    super(
      apiKeyAgentOptions(
        { name: 'Anthropic', keyVariable: 'ANTHROPIC_API_KEY', modelHint: 'claude-sonnet-4-5', pricing: 'anthropic' },
        options,
        (model) => new AnthropicChatModel(model),
      ),
    );
  }
}
