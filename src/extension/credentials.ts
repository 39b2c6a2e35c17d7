import * as vscode from 'vscode';
import type { EditorSecrets } from '../core/credentials';

export const SECRET_KEYS = {
  githubToken: 'rig.githubToken',
  anthropicApiKey: 'rig.anthropicApiKey',
  openAiApiKey: 'rig.openAiApiKey',
} as const;

const GITHUB_SCOPES = ['repo'];

/** github.com uses the built-in `github` provider; anything else is a GitHub Enterprise server. */
function authProviderFor(apiUrl: string | undefined): string {
  if (!apiUrl) return 'github';
  try {
    const host = new URL(apiUrl).host.toLowerCase();
    return host === 'api.github.com' || host === 'github.com' ? 'github' : 'github-enterprise';
  } catch {
    return 'github';
  }
}

export function githubApiUrlSetting(): string | undefined {
  const value = vscode.workspace.getConfiguration('rig').get<string>('github.apiUrl')?.trim();
  return value ? value : undefined;
}

/**
 * The editor's GitHub credential without ever prompting: a session the user already granted,
 * else the token stored with "Rig: Set GitHub Token". The environment is the engine's own
 * fallback (resolveEndpoints), so it is not read here.
 */
export async function silentGitHubToken(secrets: vscode.SecretStorage): Promise<EditorSecrets['githubToken']> {
  try {
    const session = await vscode.authentication.getSession(authProviderFor(githubApiUrlSetting()), GITHUB_SCOPES, { silent: true });
    if (session) return { value: session.accessToken, source: `VS Code GitHub session (${session.account.label})` };
  } catch {
    // No provider (some remote editors) or no network: fall through to the stored token.
  }
  const stored = await secrets.get(SECRET_KEYS.githubToken);
  return stored ? { value: stored, source: 'Rig: Set GitHub Token (SecretStorage)' } : undefined;
}

/** Only on an explicit user action: the interactive sign-in. */
export async function interactiveGitHubSignIn(): Promise<vscode.AuthenticationSession> {
  return vscode.authentication.getSession(authProviderFor(githubApiUrlSetting()), GITHUB_SCOPES, { createIfNone: true });
}

/** The stored key for the provider rig.yaml names; providers without a key (ollama) get none. */
export async function storedAiKey(secrets: vscode.SecretStorage, provider: string | undefined): Promise<EditorSecrets['aiKey']> {
  const key = provider === 'openai' ? SECRET_KEYS.openAiApiKey : provider === 'ollama' ? undefined : SECRET_KEYS.anthropicApiKey;
  if (!key) return undefined;
  const value = await secrets.get(key);
  return value ? { value, source: `${key} (SecretStorage)` } : undefined;
}
