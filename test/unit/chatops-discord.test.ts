import { describe, expect, it } from 'vitest';
import { ProjectRegistry } from '../../src/server/api/projects';
import { TaskActions } from '../../src/server/api/task-actions';
import { ChatCommands } from '../../src/server/chatops/commands';
import { discordInteractions } from '../../src/server/chatops/discord';
import { ed25519PublicKey, ed25519Verify, verifyDiscordSignature } from '../../src/server/chatops/signatures';

// RFC 8032 section 7.1, TEST 1 and TEST 2: https://datatracker.ietf.org/doc/html/rfc8032#section-7.1
const rfc = {
  test1: {
    public_key: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message_hex: '',
    signature: 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  test2: {
    public_key: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message_hex: '72',
    signature: '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
};

// Not published by Discord: the RFC 8032 TEST 1 key signing timestamp + body, where the body is the
// PING of discord/discord-interactions-js's own tests (Ed25519 is deterministic).
const ping = {
  public_key: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
  x_signature_timestamp: '1700000000',
  body: '{"id":"787053080478613555","token":"ThisIsATokenFromDiscordThatIsVeryLong","type":1,"version":1}',
  x_signature_ed25519: 'f0bd878adcef1f6d475c9644421905bd02b5de38e0d3ecfc6f58a711962c69ccc8dd7c9db312f9bdf08b1e1b8182e27a844da728c5e0dbb5507bf9931c1ed80b',
  expected_response: { status: 200, body: { type: 1 } },
};
const PING_AT_MS = Number(ping.x_signature_timestamp) * 1000;

function flipFirstNibble(hex: string): string {
  return (hex[0] === '0' ? '1' : '0') + hex.slice(1);
}

describe('Ed25519 (RFC 8032 section 7.1)', () => {
  it.each([
    ['TEST 1', rfc.test1],
    ['TEST 2', rfc.test2],
  ])('verifies %s', (_name, t) => {
    expect(ed25519Verify(ed25519PublicKey(t.public_key), Buffer.from(t.message_hex, 'hex'), t.signature)).toBe(true);
  });

  it('rejects a changed signature, a changed message and the other key', () => {
    const t = rfc.test2;
    expect(ed25519Verify(ed25519PublicKey(t.public_key), Buffer.from(t.message_hex, 'hex'), flipFirstNibble(t.signature))).toBe(false);
    expect(ed25519Verify(ed25519PublicKey(t.public_key), Buffer.from('73', 'hex'), t.signature)).toBe(false);
    expect(ed25519Verify(ed25519PublicKey(rfc.test1.public_key), Buffer.from(t.message_hex, 'hex'), t.signature)).toBe(false);
    expect(ed25519Verify(ed25519PublicKey(t.public_key), Buffer.from(t.message_hex, 'hex'), 'zz')).toBe(false);
  });

  it('refuses a public key that is not 64 hex digits', () => {
    expect(() => ed25519PublicKey('d75a98')).toThrow(/64 hex digits/);
  });
});

describe('Discord interactions endpoint', () => {
  const registry = new ProjectRegistry([]);
  const commands = new ChatCommands(registry, new TaskActions(registry, () => {}), [], () => {});
  const headers = { 'x-signature-ed25519': ping.x_signature_ed25519, 'x-signature-timestamp': ping.x_signature_timestamp };
  const handler = (nowMs: number) => discordInteractions({ publicKey: ed25519PublicKey(ping.public_key), commands, now: () => nowMs });

  it('answers the signed PING with {"type":1}', async () => {
    const reply = await handler(PING_AT_MS)(Buffer.from(ping.body), headers);
    expect(reply).toEqual({ status: ping.expected_response.status, body: ping.expected_response.body });
  });

  it('answers 401 to a wrong signature, as Discord checks on purpose', async () => {
    const reply = await handler(PING_AT_MS)(Buffer.from(ping.body), { ...headers, 'x-signature-ed25519': flipFirstNibble(ping.x_signature_ed25519) });
    expect(reply.status).toBe(401);
  });

  it('answers 401 when the body or timestamp was changed after signing', async () => {
    expect((await handler(PING_AT_MS)(Buffer.from(ping.body.replace('"type":1', '"type":2')), headers)).status).toBe(401);
    expect((await handler(PING_AT_MS)(Buffer.from(ping.body), { ...headers, 'x-signature-timestamp': '1700000001' })).status).toBe(401);
    expect((await handler(PING_AT_MS)(Buffer.from(ping.body), { 'x-signature-timestamp': ping.x_signature_timestamp })).status).toBe(401);
  });

  it('answers 401 to a replay of an old signed request', async () => {
    const reply = await handler(Date.now())(Buffer.from(ping.body), headers);
    expect(reply).toEqual({ status: 401, body: { error: 'invalid Discord request: timestamp is more than 5 minutes away from now' } });
  });

  it('verifies timestamp + body, not the body alone', () => {
    const key = ed25519PublicKey(ping.public_key);
    const args = { publicKey: key, signature: ping.x_signature_ed25519, rawBody: Buffer.from(ping.body), nowMs: PING_AT_MS };
    expect(verifyDiscordSignature({ ...args, timestamp: ping.x_signature_timestamp })).toEqual({ ok: true });
    expect(ed25519Verify(key, Buffer.from(ping.body), ping.x_signature_ed25519)).toBe(false);
  });
});
