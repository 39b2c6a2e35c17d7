import { describe, expect, it } from 'vitest';
import { createRedactor, REDACTED } from '../../src/core/redact';

describe('redaction', () => {
  const secret = 'my-very-secret-value/with+chars';
  const redact = createRedactor([secret, undefined, 'short']);

  it('masks a known secret and its base64 and URL-encoded forms', () => {
    const text = `a ${secret} b ${Buffer.from(secret).toString('base64')} c ${encodeURIComponent(secret)}`;
    const out = redact(text);
    expect(out).not.toContain(secret);
    expect(out).not.toContain(Buffer.from(secret).toString('base64'));
    expect(out).not.toContain(encodeURIComponent(secret));
    expect(out.split(REDACTED)).toHaveLength(4);
  });

  it('masks token-shaped strings it was not told about', () => {
    const samples = [
      'ghp_' + 'a'.repeat(36),
      'github_pat_' + 'B'.repeat(40),
      'sk-ant-api03-' + 'x'.repeat(40),
      'AKIA' + 'ABCDEFGHIJKLMNOP',
      'xoxb-1234567890-abcdefghij',
      'https://hooks.slack.com/services/T000/B000/XXXXXXXX',
      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
      '-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----',
    ];
    for (const s of samples) expect(redact(`token=${s};`), s).toBe(`token=${REDACTED};`);
  });

  it('leaves short values and ordinary text alone', () => {
    expect(redact('a short word and the number 12345')).toBe('a short word and the number 12345');
  });
});
