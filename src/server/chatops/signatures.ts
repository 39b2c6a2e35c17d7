import crypto from 'node:crypto';

/** Both platforms sign a timestamp; a request older than this could be a replay. */
export const MAX_SIGNATURE_AGE_SECONDS = 5 * 60;

export type SignatureVerdict = { ok: true } | { ok: false; reason: string };

function freshTimestamp(timestamp: string | undefined, nowMs: number): SignatureVerdict {
  if (!timestamp || !/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'missing or malformed timestamp' };
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > MAX_SIGNATURE_AGE_SECONDS) return { ok: false, reason: 'timestamp is more than 5 minutes away from now' };
  return { ok: true };
}

/**
 * Slack: `X-Slack-Signature` is `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{raw body}` under the
 * app's signing secret, and the timestamp must be within five minutes of now.
 * https://api.slack.com/authentication/verifying-requests-from-slack
 */
export function verifySlackSignature(args: { signingSecret: string; timestamp: string | undefined; signature: string | undefined; rawBody: Buffer; nowMs: number }): SignatureVerdict {
  const fresh = freshTimestamp(args.timestamp, args.nowMs);
  if (!fresh.ok) return fresh;
  if (!args.signature || !/^v0=[0-9a-f]{64}$/.test(args.signature)) return { ok: false, reason: 'missing or malformed signature' };
  const expected = crypto.createHmac('sha256', args.signingSecret).update(`v0:${args.timestamp}:`).update(args.rawBody).digest();
  const given = Buffer.from(args.signature.slice(3), 'hex');
  return crypto.timingSafeEqual(expected, given) ? { ok: true } : { ok: false, reason: 'signature does not match' };
}

/** A raw 32-byte Ed25519 public key (as Discord shows it, in hex) as a key object node:crypto accepts. */
export function ed25519PublicKey(hex: string): crypto.KeyObject {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new Error('the Discord public key must be 64 hex digits');
  return crypto.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(hex, 'hex').toString('base64url') }, format: 'jwk' });
}

/**
 * Discord: `X-Signature-Ed25519` is the hex Ed25519 signature of `{X-Signature-Timestamp}{raw body}`
 * under the application's public key. Discord sends bad signatures on purpose and drops endpoints
 * that accept them. The five-minute window is ours: without it a captured request replays forever.
 * https://discord.com/developers/docs/interactions/overview#setting-up-an-endpoint-validating-security-request-headers
 */
export function verifyDiscordSignature(args: { publicKey: crypto.KeyObject; timestamp: string | undefined; signature: string | undefined; rawBody: Buffer; nowMs: number }): SignatureVerdict {
  const fresh = freshTimestamp(args.timestamp, args.nowMs);
  if (!fresh.ok) return fresh;
  if (!args.signature || !/^[0-9a-fA-F]{128}$/.test(args.signature)) return { ok: false, reason: 'missing or malformed signature' };
  const message = Buffer.concat([Buffer.from(args.timestamp!, 'utf8'), args.rawBody]);
  return ed25519Verify(args.publicKey, message, args.signature) ? { ok: true } : { ok: false, reason: 'signature does not match' };
}

/** Plain RFC 8032 Ed25519 verification of a hex signature. */
export function ed25519Verify(publicKey: crypto.KeyObject, message: Buffer, signatureHex: string): boolean {
  if (!/^[0-9a-fA-F]{128}$/.test(signatureHex)) return false;
  return crypto.verify(null, message, publicKey, Buffer.from(signatureHex, 'hex'));
}
