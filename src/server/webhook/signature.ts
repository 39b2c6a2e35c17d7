import { createHmac, timingSafeEqual } from 'node:crypto';

const SIGNATURE_RE = /^sha256=([0-9a-f]{64})$/i;

/**
 * Whether `header` (X-Hub-Signature-256) is GitHub's HMAC-SHA256 of the exact bytes received.
 * The hex is checked whole before decoding: Buffer's hex decoder stops at the first bad
 * character, which would let a valid signature followed by junk through. Both sides are then
 * 32 bytes, so the constant-time compare never sees buffers of different lengths.
 */
export function verifySignature(secret: string, rawBody: Buffer, header: string | undefined): boolean {
  const match = header === undefined ? null : SIGNATURE_RE.exec(header.trim());
  if (!match) return false;
  const given = Buffer.from(match[1]!, 'hex');
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}
