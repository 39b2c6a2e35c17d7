import type { RigConfig } from '../../core/config/schema';
import { REDACTED } from '../../core/redact';

/** Fields that hold credentials, by path; `*` stands for any list index. */
const SECRET_PATHS = ['source.token', 'ai.api_key', 'server.secret', 'server.api_key', 'server.slack_signing_secret', 'notify.*.webhook'];

/**
 * Names that hold credentials wherever they appear, so a field added to the schema later is
 * hidden without anyone remembering this list.
 */
const SECRET_NAME_RE = /(?:^|_)(?:token|secret|password|passwd|api_key|apikey|webhook)$/i;

/** Environment values of commands: `env: { DB_PASSWORD: ${DB_PASSWORD} }` is a common pattern. */
const ENV_MAP_RE = /(?:^|\.)env$/;

export interface PublicConfig {
  config: unknown;
  /** Which secret fields are set, by path, so a dashboard can say "configured" without the value. */
  secrets_configured: string[];
}

/** A project's configuration as GET /api/config shows it: every secret removed, not masked. */
export function publicConfig(config: RigConfig): PublicConfig {
  const configured: string[] = [];
  const strip = (value: unknown, path: string[]): unknown => {
    if (Array.isArray(value)) return value.map((v, i) => strip(v, [...path, String(i)]));
    if (!value || typeof value !== 'object') return value;
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      const here = [...path, key];
      if (isSecretPath(here) || SECRET_NAME_RE.test(key)) {
        if (v !== undefined && v !== '') configured.push(here.join('.'));
        continue;
      }
      if (ENV_MAP_RE.test(here.join('.')) && v && typeof v === 'object' && !Array.isArray(v)) {
        out[key] = Object.fromEntries(Object.keys(v).map((name) => [name, REDACTED]));
        continue;
      }
      out[key] = strip(v, here);
    }
    return out;
  };
  return { config: strip(structuredClone(config), []), secrets_configured: configured };
}

function isSecretPath(path: string[]): boolean {
  return SECRET_PATHS.some((pattern) => {
    const parts = pattern.split('.');
    return parts.length === path.length && parts.every((p, i) => p === '*' || p === path[i]);
  });
}
