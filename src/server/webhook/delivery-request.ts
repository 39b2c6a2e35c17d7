import type { HttpReply, RequestHeaders } from '../contracts';
import { isDeliveryId } from './delivery-store';
import { GITHUB_EVENTS } from './github-events';
import { verifySignature } from './signature';

export type ReadDelivery = { ok: true; event: string; id: string; payload: unknown } | { ok: false; reply: HttpReply };

export const textReply = (status: number, text: string): HttpReply => ({ status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: text });

/**
 * Checks one POST /webhook the way GitHub sends it: the signature first, so nothing about the
 * request is looked at (or answered in detail) until it is known to come from GitHub; then the
 * headers and the body. Answers say what is wrong with the request, never anything about Rig.
 */
/** `acceptUnsigned` only when the operator started the server with --insecure-no-signature. */
export function readDelivery(rawBody: Buffer, headers: RequestHeaders, secret: string | undefined, acceptUnsigned = false): ReadDelivery {
  const fail = (status: number, text: string): ReadDelivery => ({ ok: false, reply: textReply(status, text) });
  if (secret) {
    const signature = header(headers, 'x-hub-signature-256');
    if (signature === undefined) return fail(401, 'missing X-Hub-Signature-256 header');
    if (signature === null || !verifySignature(secret, rawBody, signature)) return fail(401, 'X-Hub-Signature-256 does not match the body');
  } else if (!acceptUnsigned) {
    return fail(401, 'webhook deliveries cannot be verified: no webhook secret is configured (server.secret)');
  }

  const event = header(headers, 'x-github-event');
  if (!event) return fail(400, 'missing X-GitHub-Event header');
  const id = header(headers, 'x-github-delivery');
  if (!id) return fail(400, 'missing X-GitHub-Delivery header');
  if (!isDeliveryId(id)) return fail(400, 'X-GitHub-Delivery is not a delivery id');
  if (!GITHUB_EVENTS.has(event)) return fail(400, `unknown event ${/^[a-z_]{1,64}$/.test(event) ? `"${event}"` : 'name'} in X-GitHub-Event`);

  const payload = parseBody(rawBody, header(headers, 'content-type'));
  if (!payload.ok) return fail(400, payload.reason);
  return { ok: true, event, id, payload: payload.value };
}

/** GitHub sends JSON, or the same JSON in a `payload` form field when the hook says x-www-form-urlencoded. */
function parseBody(raw: Buffer, contentType: string | null | undefined): { ok: true; value: unknown } | { ok: false; reason: string } {
  const type = (contentType ?? 'application/json').split(';')[0]!.trim().toLowerCase();
  let text: string;
  if (type === 'application/json') text = raw.toString('utf8');
  else if (type === 'application/x-www-form-urlencoded') {
    const field = new URLSearchParams(raw.toString('utf8')).get('payload');
    if (field === null) return { ok: false, reason: 'form body has no payload field' };
    text = field;
  } else return { ok: false, reason: 'unsupported content type: set the webhook to application/json' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'body is not valid JSON' };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { ok: false, reason: 'body is not a JSON object' };
  return { ok: true, value };
}

/** A header's single value (names are matched regardless of case); null when it was sent more than once. */
function header(headers: RequestHeaders, name: string): string | null | undefined {
  let value = headers[name];
  if (value === undefined) {
    const found = Object.keys(headers).find((k) => k.toLowerCase() === name);
    value = found === undefined ? undefined : headers[found];
  }
  if (Array.isArray(value)) return value.length === 1 ? value[0] : null;
  return value;
}
