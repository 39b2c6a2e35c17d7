import type { Redactor } from '../../core/redact';

/**
 * Redacts every string inside a JSON-ready value (keys included). Done on the value rather than on
 * the serialised text, so a pattern can never match across a quote and break the JSON.
 */
export function redactDeep<T>(value: T, redact: Redactor): T {
  return walk(value, redact) as T;
}

function walk(value: unknown, redact: Redactor): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((v) => walk(v, redact));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[redact(k)] = walk(v, redact);
    return out;
  }
  return value;
}

/** Runs each redactor in turn: the server's own secrets, then every project's. */
export function chainRedactors(redactors: Redactor[]): Redactor {
  return (text) => redactors.reduce((out, r) => r(out), text);
}
