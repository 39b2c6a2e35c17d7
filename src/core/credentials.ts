import type { RigConfig } from './config/schema';

/**
 * Where credentials and endpoints come from, the same for the CLI, the server and the extension:
 * an explicit secret (the editor's session or SecretStorage) first, then rig.yaml, then the
 * environment. Values are never printed; `describe` says only where each one came from.
 */
export interface Endpoints {
  github: { token?: string; tokenSource: string; apiUrl?: string };
  ai: { provider: string; apiKey?: string; keySource: string; baseUrl?: string; model?: string };
}

export interface EditorSecrets {
  githubToken?: { value: string; source: string };
  aiKey?: { value: string; source: string };
}

const AI_KEY_ENV: Record<string, string | undefined> = {
  anthropic: 'ANTHROPIC_API_KEY',
  openai: 'OPENAI_API_KEY',
  ollama: undefined,
  'claude-code': 'ANTHROPIC_API_KEY',
};

const AI_BASE_ENV: Record<string, string | undefined> = {
  anthropic: 'ANTHROPIC_BASE_URL',
  openai: 'OPENAI_BASE_URL',
  ollama: 'OLLAMA_HOST',
  'claude-code': 'ANTHROPIC_BASE_URL',
};

export function resolveEndpoints(config: RigConfig, env: Record<string, string | undefined>, secrets: EditorSecrets = {}): Endpoints {
  const githubToken =
    secrets.githubToken ??
    (config.source?.token ? { value: config.source.token, source: 'rig.yaml source.token' } : undefined) ??
    (env.GITHUB_TOKEN ? { value: env.GITHUB_TOKEN, source: 'GITHUB_TOKEN' } : undefined);
  const provider = config.ai?.provider ?? 'anthropic';
  const keyEnv = AI_KEY_ENV[provider];
  const baseEnv = AI_BASE_ENV[provider];
  const aiKey =
    secrets.aiKey ??
    (config.ai?.api_key ? { value: config.ai.api_key, source: 'rig.yaml ai.api_key' } : undefined) ??
    (keyEnv && env[keyEnv] ? { value: env[keyEnv]!, source: keyEnv } : undefined);
  return {
    github: {
      token: githubToken?.value,
      tokenSource: githubToken?.source ?? 'none',
      apiUrl: config.source?.api_url ?? nonEmpty(env.GITHUB_API_URL),
    },
    ai: {
      provider,
      apiKey: aiKey?.value,
      keySource: aiKey?.source ?? 'none',
      baseUrl: config.ai?.base_url ?? (baseEnv ? nonEmpty(env[baseEnv]) : undefined),
      model: config.ai?.model,
    },
  };
}

function nonEmpty(v: string | undefined): string | undefined {
  return v && v.trim() ? v.trim() : undefined;
}
