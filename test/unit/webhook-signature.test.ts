import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDelivery } from '../../src/server/webhook/delivery-request';
import { GITHUB_EVENTS } from '../../src/server/webhook/github-events';
import { verifySignature } from '../../src/server/webhook/signature';

const vectors = JSON.parse(readFileSync(path.resolve(__dirname, '../fixtures/test-vectors.json'), 'utf8'));
const require = createRequire(import.meta.url);
const exampleEvents = (dir: string) => (require(`@octokit/webhooks-examples/${dir}/index.json`) as Array<{ name: string }>).map((d) => d.name);

const sign = (secret: string, body: string | Buffer) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

describe('X-Hub-Signature-256', () => {
  it("accepts GitHub's documented example", () => {
    const v = vectors.github_docs;
    expect(v.x_hub_signature_256).toBe(`sha256=${v.signature_hex}`);
    expect(verifySignature(v.secret, Buffer.from(v.payload), v.x_hub_signature_256)).toBe(true);
  });

  it('accepts the @octokit/webhooks-methods sign and verify vectors', () => {
    const s = vectors.octokit_sign_test;
    expect(verifySignature(s.secret, Buffer.from(s.payload), s.signature)).toBe(true);
    const v = vectors.octokit_verify_test;
    expect(verifySignature(v.secret, Buffer.from(v.payload), v.signature)).toBe(true);
  });

  it('accepts payloads with escape sequences and non-ASCII text, signed over their UTF-8 bytes', () => {
    const v = vectors.octokit_verify_special_chars;
    expect(v.cases.length).toBeGreaterThan(0);
    for (const c of v.cases) expect(verifySignature(v.secret, Buffer.from(c.payload, 'utf8'), c.signature)).toBe(true);
  });

  it('refuses the wrong signature of the verify vector', () => {
    const v = vectors.octokit_verify_test;
    expect(verifySignature(v.secret, Buffer.from(v.payload), v.wrong_signature)).toBe(false);
  });

  it('refuses a right signature with another secret, another body or a changed byte', () => {
    const v = vectors.github_docs;
    expect(verifySignature(`${v.secret}!`, Buffer.from(v.payload), v.x_hub_signature_256)).toBe(false);
    expect(verifySignature(v.secret, Buffer.from(`${v.payload} `), v.x_hub_signature_256)).toBe(false);
    const flipped = v.x_hub_signature_256.slice(0, -1) + (v.x_hub_signature_256.endsWith('7') ? '8' : '7');
    expect(verifySignature(v.secret, Buffer.from(v.payload), flipped)).toBe(false);
  });

  it('refuses malformed headers without throwing, whatever their length', () => {
    const v = vectors.github_docs;
    const body = Buffer.from(v.payload);
    for (const header of [
      undefined,
      '',
      v.signature_hex, // no sha256= prefix
      `sha1=${v.signature_hex}`,
      `sha256=${v.signature_hex.slice(0, 62)}`, // one byte short
      `sha256=${v.signature_hex}00`, // one byte long
      `sha256=${v.signature_hex}zz`, // Buffer's hex decoder would stop at the junk and match
      'sha256=',
      `sha256=${'g'.repeat(64)}`,
    ]) {
      expect(verifySignature(v.secret, body, header), String(header)).toBe(false);
    }
    expect(verifySignature(v.secret, body, v.x_hub_signature_256.toUpperCase().replace('SHA256=', 'sha256='))).toBe(true);
  });
});

describe('reading a delivery', () => {
  const secret = 'It is a secret to everybody';
  const body = Buffer.from(JSON.stringify({ action: 'opened', zen: 'Keep it logically awesome.' }));
  const headers = (extra: Record<string, string | string[] | undefined> = {}) => ({
    'x-hub-signature-256': sign(secret, body),
    'x-github-event': 'issues',
    'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
    'content-type': 'application/json',
    ...extra,
  });

  it('takes a signed delivery', () => {
    expect(readDelivery(body, headers(), secret)).toMatchObject({ ok: true, event: 'issues', id: '72d3162e-cc78-11e3-81ab-4c9367dc0958', payload: { action: 'opened' } });
  });

  it('answers 401 without a secret, a signature, or with a wrong one, and never echoes the secret', () => {
    const cases = [
      readDelivery(body, headers(), undefined),
      readDelivery(body, headers(), ''),
      readDelivery(body, headers({ 'x-hub-signature-256': undefined }), secret),
      readDelivery(body, headers({ 'x-hub-signature-256': vectors.octokit_verify_test.wrong_signature }), secret),
      readDelivery(body, headers({ 'x-hub-signature-256': [sign(secret, body), sign(secret, body)] }), secret),
      readDelivery(Buffer.from(`${body} `), headers(), secret),
    ];
    for (const r of cases) {
      expect(r.ok).toBe(false);
      if (r.ok) continue;
      expect(r.reply.status).toBe(401);
      expect(String(r.reply.body)).not.toContain(secret);
    }
  });

  it('checks the signature before anything else: an unsigned malformed request is a 401, not a 400', () => {
    const r = readDelivery(Buffer.from('{not json'), { 'x-github-event': 'nonsense' }, secret);
    expect(r).toMatchObject({ ok: false, reply: { status: 401 } });
  });

  it('answers 400 with the reason for missing headers, unknown events and bodies that are not JSON objects', () => {
    const reason = (b: Buffer, h: Record<string, string | string[] | undefined>) => {
      const r = readDelivery(b, { ...h, 'x-hub-signature-256': sign(secret, b) }, secret);
      expect(r.ok).toBe(false);
      return r.ok ? null : { status: r.reply.status, text: r.reply.body };
    };
    expect(reason(body, headers({ 'x-github-event': undefined }))).toEqual({ status: 400, text: 'missing X-GitHub-Event header' });
    expect(reason(body, headers({ 'x-github-delivery': undefined }))).toEqual({ status: 400, text: 'missing X-GitHub-Delivery header' });
    expect(reason(body, headers({ 'x-github-delivery': '../../etc/passwd' }))).toEqual({ status: 400, text: 'X-GitHub-Delivery is not a delivery id' });
    expect(reason(body, headers({ 'x-github-event': 'issue' }))).toEqual({ status: 400, text: 'unknown event "issue" in X-GitHub-Event' });
    expect(reason(body, headers({ 'x-github-event': '<script>' }))).toEqual({ status: 400, text: 'unknown event name in X-GitHub-Event' });
    expect(reason(Buffer.from('{"action": "opened",'), headers())).toEqual({ status: 400, text: 'body is not valid JSON' });
    expect(reason(Buffer.from('[1, 2]'), headers())).toEqual({ status: 400, text: 'body is not a JSON object' });
    expect(reason(body, headers({ 'content-type': 'text/plain' }))).toMatchObject({ status: 400, text: expect.stringContaining('application/json') });
  });

  it('takes the form-encoded variant GitHub sends when the hook is set to x-www-form-urlencoded', () => {
    const form = Buffer.from(new URLSearchParams({ payload: body.toString() }).toString());
    const r = readDelivery(form, headers({ 'content-type': 'application/x-www-form-urlencoded', 'x-hub-signature-256': sign(secret, form) }), secret);
    expect(r).toMatchObject({ ok: true, payload: { action: 'opened' } });
  });

  it('knows every event GitHub has example payloads for', () => {
    const names = new Set(['api.github.com', 'ghes-31', 'ghes-32', 'ghes-33', 'ghes-34', 'ghes-35'].flatMap(exampleEvents));
    expect(names.size).toBeGreaterThan(50);
    expect([...names].filter((n) => !GITHUB_EVENTS.has(n))).toEqual([]);
  });
});
