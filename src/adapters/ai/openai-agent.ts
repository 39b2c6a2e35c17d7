// The AiAgent on OpenAI's Chat Completions API: the shared agent core driving the OpenAI model
// adapter. A reply that was cut off, by the token limit or by a broken stream, is never acted on.
import { apiKeyAgentOptions, ChatAgent, type ApiKeyAgentOptions } from './agent-core';
import { OpenAiChatModel } from './openai-model';

export type OpenAiAgentOptions = ApiKeyAgentOptions;

export class OpenAiAgent extends ChatAgent {
  constructor(options: OpenAiAgentOptions) {
    super(
      apiKeyAgentOptions(
        { name: 'OpenAI', keyVariable: 'OPENAI_API_KEY', modelHint: 'gpt-4.1', pricing: 'openai' },
        options,
        (model) => new OpenAiChatModel(model),
      ),
    );
  }
}
