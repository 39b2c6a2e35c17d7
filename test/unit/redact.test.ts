import { describe, expect, it } from 'vitest';
import { createRedactor, findSecrets, REDACTED } from '../../src/core/redact';

// Samples are assembled from pieces so that this file holds nothing a secret scanner would flag.
const rand = (n: number) => 'Ab3dE5gH7jK9mN1pQ2rS4tU6vW8xY0z'.repeat(8).slice(0, n);
const lower = (n: number) => 'abcdefghijklmnopqrstuvwxyz'.repeat(4).slice(0, n);

describe('redaction of known secrets', () => {
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

  it('masks derived forms: base64 of `echo $SECRET | base64`, base64url, lower-case percent escapes, JSON escapes', () => {
    const quoted = 'pa"ss\\word-123456';
    const r = createRedactor([secret, quoted]);
    const forms = [
      Buffer.from(`${secret}\n`).toString('base64'),
      Buffer.from(secret).toString('base64url'),
      encodeURIComponent(secret).toLowerCase(), // the secret is lower case already: only %2F becomes %2f
      JSON.stringify(quoted).slice(1, -1),
    ];
    expect(forms[2]).toContain('%2f');
    for (const form of forms) {
      const out = r(`value: ${form}`);
      expect(out, form).toContain(REDACTED);
      expect(out, form).not.toContain(form);
    }
  });

  it('finds the secret inside a larger base64 blob at every byte alignment', () => {
    for (const prefix of ['', 'u:', 'ab:', 'abc:']) {
      const blob = Buffer.from(`${prefix}${secret}:tail`).toString('base64');
      const out = redact(`Authorization: Basic ${blob}`);
      expect(out, prefix).toContain(REDACTED);
      // What is left of the blob must not decode back to the secret.
      const leftover = out.replace(/^Authorization: Basic /, '').split(REDACTED).join('');
      expect(Buffer.from(leftover, 'base64').toString('utf8')).not.toContain(secret);
    }
  });

  it('leaves short values and ordinary text alone', () => {
    expect(redact('a short word and the number 12345')).toBe('a short word and the number 12345');
  });
});

describe('token patterns', () => {
  const redact = createRedactor([]);

  const families: Array<[string, string]> = [
    ['GitHub token', 'ghp_' + rand(36)],
    ['GitHub token', 'gho_' + rand(36)],
    ['GitHub token', 'ghu_' + rand(36)],
    ['GitHub token', 'ghs_' + rand(36)],
    ['GitHub token', 'ghr_' + rand(36)],
    ['GitHub token', 'github_pat_' + rand(22) + '_' + rand(59)],
    ['Anthropic API key', 'sk-ant-api03-' + rand(60) + '-' + rand(20)],
    ['OpenAI API key', 'sk-' + rand(48)],
    ['OpenAI API key', 'sk-proj-' + rand(40) + '_' + rand(40)],
    ['AWS access key id', 'AKIA' + 'ABCDEFGHIJKLMNOP'],
    ['AWS access key id', 'ASIA' + 'Q2W3E4R5T6Y7U8I9'],
    ['Slack token', 'xoxb-' + '1234567890-' + '0987654321-' + rand(24)],
    ['Slack token', 'xoxp-' + '1234567890-' + rand(12)],
    ['Slack app token', 'xapp-1-' + 'A012345-' + rand(30)],
    ['Slack webhook URL', 'https://hooks.slack.com/services/' + 'T0000/B0000/' + rand(24)],
    ['Discord webhook URL', 'https://discord.com/api/webhooks/' + '123456789012345678/' + rand(60)],
    ['Discord webhook URL', 'https://canary.discordapp.com/api/v10/webhooks/' + '1234567/' + rand(30)],
    ['JSON web token', 'eyJhbGciOiJIUzI1NiJ9' + '.eyJzdWIiOiIxMjM0NTY3ODkwIn0' + '.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'],
    ['Discord bot token', 'M' + rand(25) + '.' + rand(6) + '.' + rand(38)],
    ['npm token', 'npm_' + rand(36)],
    ['PyPI token', 'pypi-' + 'AgEIcHlwaS5vcmc' + rand(60)],
    ['GitLab token', 'glpat-' + rand(20)],
    ['Google API key', 'AIza' + rand(35)],
    ['Stripe key', 'sk_' + 'live_' + rand(24)],
  ];

  it.each(families)('masks a %s', (family, sample) => {
    expect(redact(`token=${sample};`)).toBe(`token=${REDACTED};`);
    expect(findSecrets(`see ${sample} here`).map((s) => s.family)).toEqual([family]);
  });

  it('masks PEM and OpenSSH private key blocks, whole', () => {
    for (const kind of ['RSA PRIVATE KEY', 'PRIVATE KEY', 'EC PRIVATE KEY', 'OPENSSH PRIVATE KEY', 'ENCRYPTED PRIVATE KEY']) {
      const block = `-----BEGIN ${kind}-----\nMIIEowIBAAKCAQEA${rand(40)}\n${rand(64)}\n-----END ${kind}-----`;
      expect(redact(`before\n${block}\nafter`), kind).toBe(`before\n${REDACTED}\nafter`);
    }
  });

  it('masks a private key block cut short, as in a truncated log or a single diff line', () => {
    const out = redact(`-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nMIIEowIBAAKCAQEA${rand(40)}\n${rand(64)}\n(output truncated)`);
    expect(out).toBe(`${REDACTED}\n(output truncated)`);
    expect(redact('-----BEGIN OPENSSH PRIVATE KEY-----')).toBe(REDACTED);
  });

  it('keeps the label and masks only the value in assignments, headers and URLs', () => {
    const awsSecret = rand(20) + '/' + rand(14) + '+' + rand(4);
    expect(awsSecret).toHaveLength(40);
    const cases: Array<[string, string]> = [
      [`aws_secret_access_key = ${awsSecret}`, `aws_secret_access_key = ${REDACTED}`],
      [`AWS_SECRET_ACCESS_KEY=${awsSecret}`, `AWS_SECRET_ACCESS_KEY=${REDACTED}`],
      [`"SecretAccessKey": "${awsSecret}"`, `"SecretAccessKey": "${REDACTED}"`],
      ['Authorization: Bearer abc.def-ghi_jkl1234567', `Authorization: Bearer ${REDACTED}`],
      ['authorization: token 0123456789abcdef0123', `authorization: token ${REDACTED}`],
      ['Authorization: Basic dXNlcjpwYXNz', `Authorization: Basic ${REDACTED}`],
      ['curl -H "Authorization: Bearer 9f8e7d6c5b4a39281706"', `curl -H "Authorization: Bearer ${REDACTED}"`],
      ['https://deploy:hunter22@example.com/repo.git', `https://deploy:${REDACTED}@example.com/repo.git`],
      ['postgres://app:p%40ss-w0rd@db:5432/app', `postgres://app:${REDACTED}@db:5432/app`],
      ['https://api.example.com/v1?user=me&password=hunter22&page=2', `https://api.example.com/v1?user=me&password=${REDACTED}&page=2`],
      ['https://example.com/cb?access_token=ya29.a0Af&state=1', `https://example.com/cb?access_token=${REDACTED}&state=1`],
      ['DB_PASSWORD=s3cretValue9', `DB_PASSWORD=${REDACTED}`],
      ['"apiKey": "abcd1234efgh5678"', `"apiKey": "${REDACTED}"`],
      ['client_secret: Zx81-Qw93-Lm27', `client_secret: ${REDACTED}`],
    ];
    for (const [input, output] of cases) expect(redact(input), input).toBe(output);
  });

  it('keeps the host when a token is the password of a clone URL', () => {
    const url = `https://x-access-token:ghs_${rand(36)}@github.com/o/r.git`;
    expect(redact(url)).toBe(`https://x-access-token:${REDACTED}@github.com/o/r.git`);
    expect(findSecrets(url).map((s) => s.family)).toEqual(['GitHub token']);
  });

  it('does not touch git commit ids, other hashes, UUIDs or ordinary text', () => {
    const benign = [
      'commit 3f786850e387550fdab836ed7e6dc881de23001b',
      'Merge 3f786850e387550fdab836ed7e6dc881de23001b into 9c1185a5c5e9fc54612808977ee8f548b2258d31',
      'git rev-parse HEAD\nda39a3ee5e6b4b0d3255bfef95601890afd80709',
      'image@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      'request id 123e4567-e89b-12d3-a456-426614174000',
      'pip install sk-learn-tutorial-notebooks',
      'the skeleton-key-generator-package is deprecated',
      'xoxo-hugs-and-kisses-from-the-team',
      'max_tokens = 4096',
      'token_count: 12345678',
      'tokenizer: bert-base-uncased-2024',
      'token: string',
      'password: process.env.DB_PASSWORD1',
      'password = getPassword(user1)',
      'apiKey: ${{ secrets.API_KEY }}',
      'GITHUB_TOKEN: $GITHUB_TOKEN_VALUE_FROM_ENV',
      'password=changeme123',
      'Authorization: required for all write endpoints',
      'A Bearer of bad news arrived',
      '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----',
      'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 user@host',
      'See https://github.com/owner/repo/pull/42 and https://example.com:8080/path',
      'The ASIAN market and AKIA alone are words',
      `${lower(40)} plain letters`,
      'eyJhbGciOi only a header',
      '한국어 설명과 emoji 🎉 그리고 token 이라는 단어',
    ];
    for (const text of benign) {
      expect(redact(text), text).toBe(text);
      expect(findSecrets(text), text).toEqual([]);
    }
  });

  it('is idempotent and does not report its own placeholders', () => {
    const text = `GITHUB_TOKEN=ghp_${rand(36)} and Authorization: Bearer ${rand(30)}`;
    const once = redact(text);
    expect(redact(once)).toBe(once);
    expect(findSecrets(once)).toEqual([]);
  });

  it('reports positions, confidence and a family, never requiring the value', () => {
    const text = `x DB_PASSWORD=s3cretValue9 y ghp_${rand(36)}`;
    const found = findSecrets(text);
    expect(found.map((f) => [f.family, f.confidence])).toEqual([
      ['secret assignment', 'generic'],
      ['GitHub token', 'high'],
    ]);
    expect(text.slice(found[0]!.start, found[0]!.end)).toBe('s3cretValue9');
    expect(text.slice(found[1]!.start, found[1]!.end)).toMatch(/^ghp_/);
  });
});
