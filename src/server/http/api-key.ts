import crypto from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * Compares a presented secret with the expected one in time that depends on neither. Both are
 * hashed first, so the comparison is over equal lengths and a length mismatch leaks nothing.
 */
export function secretEquals(presented: string, expected: string): boolean {
  const a = crypto.createHash('sha256').update(presented).digest();
  const b = crypto.createHash('sha256').update(expected).digest();
  return crypto.timingSafeEqual(a, b);
}

/**
 * The key a request presents: `Authorization: Bearer`, `X-API-Key`, or, where EventSource gives no
 * way to set headers, the `api_key` query parameter.
 */
export function presentedKey(req: IncomingMessage, url: URL, allowQuery: boolean): string | undefined {
  const auth = req.headers.authorization;
  const bearer = auth && /^Bearer\s+(\S+)\s*$/i.exec(auth);
  if (bearer) return bearer[1];
  const header = req.headers['x-api-key'];
  if (typeof header === 'string' && header) return header;
  if (allowQuery) return url.searchParams.get('api_key') ?? undefined;
  return undefined;
}
