// Masking is best effort (GitHub says as much of its own): known secret values are replaced in
// their plain, base64 and URL-encoded forms, and token-shaped strings are replaced by pattern, before
// anything is stored, logged, posted or sent to a model.
//
// Patterns are shaped to miss ordinary text: a 40-hex git commit id, a UUID or a kebab-case name
// is never a token on its own. A value is only called a secret by shape when a vendor prefix says
// so, or when it sits right after a name such as `password` or `api_key`.

export const REDACTED = '[REDACTED]';

export type Redactor = (text: string) => string;

/**
 * `high`: a vendor-specific shape (a `ghp_` token, a PEM block) that is a credential wherever it
 * appears. `generic`: a value after a secret-sounding name; right far more often than not, but a
 * test fixture's `password: "hunter22"` looks the same.
 */
export type SecretConfidence = 'high' | 'generic';

export interface SecretMatch {
  /** What kind of secret, for messages: never the value itself. */
  family: string;
  confidence: SecretConfidence;
  start: number;
  end: number;
}

interface SecretPattern {
  family: string;
  confidence: SecretConfidence;
  /** Global, with indices (`d`) so that a capture group can be located inside the match. */
  re: RegExp;
  /** The capture group holding the secret when the match also covers its label (`password=`). */
  group?: number;
  /** Rejects shape-alike values that are not secrets. */
  accept?: (value: string) => boolean;
}

/** Values that stand in for a secret rather than being one: templates, masks, earlier redactions. */
function isPlaceholder(value: string): boolean {
  return (
    /^[$<{%]/.test(value) ||
    value.includes(REDACTED) ||
    /^(.)\1+$/.test(value) ||
    /x{4,}|\*{3,}|example|placeholder|changeme|your[_-]?(?:token|key|secret|password)/i.test(value)
  );
}

/** Random-looking: letters and digits mixed, or long with several character classes. */
function looksRandom(value: string): boolean {
  const classes = [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z\d]/].filter((c) => c.test(value)).length;
  return (/\d/.test(value) && /[A-Za-z]/.test(value)) || (value.length >= 24 && classes >= 3);
}

/** `os.environ.DB_PASSWORD1`, `settings.SECRET_KEY`: code that reads a secret, not the secret. */
const IDENTIFIER_PATH = /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$/;

const SECRET_NAME = String.raw`(?:password|passwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|client[_-]?secret|credentials?)`;

const PATTERNS: SecretPattern[] = [
  // Private keys first: a key block is one secret, not a run of base64 words.
  {
    family: 'private key',
    confidence: 'high',
    // An unterminated block (a log cut short, one added diff line) is still a key: take the base64
    // and armour header lines that follow it (a short word of prose right after may go with them).
    re: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----(?:[\s\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|(?:(?:\r?\n|\\n|[ \t])+(?:(?:Proc-Type|DEK-Info|Version|Comment):[^\n\\]*|[A-Za-z0-9+/]{4,}={0,2}))*)/dg,
  },
  { family: 'GitHub token', confidence: 'high', re: /\bgh[pousr]_[A-Za-z0-9]{30,255}\b/dg },
  { family: 'GitHub token', confidence: 'high', re: /\bgithub_pat_[A-Za-z0-9_]{22,255}\b/dg },
  { family: 'Anthropic API key', confidence: 'high', re: /\bsk-ant-[A-Za-z0-9_-]{20,}/dg },
  {
    family: 'OpenAI API key',
    confidence: 'high',
    re: /\bsk-(?!ant-)(?:proj-|svcacct-|admin-|None-)?([A-Za-z0-9_-]{20,})/dg,
    // `sk-learn-tutorial-notebooks` is a name; keys are random and mix cases and digits.
    accept: (v) => /\d/.test(v) && /[A-Z]/.test(v) && /[a-z]/.test(v),
  },
  { family: 'AWS access key id', confidence: 'high', re: /\b(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}\b/dg },
  {
    family: 'AWS secret access key',
    confidence: 'high',
    // 40 base64 characters are only an AWS secret next to their name; alone they could be anything.
    re: /(?:aws[_-]?)?secret[_-]?access[_-]?key["']?\s*[:=]\s*["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/dgi,
    group: 1,
  },
  { family: 'Slack token', confidence: 'high', re: /\bxox[abposr]-\d+-[A-Za-z0-9-]{8,}/dg },
  { family: 'Slack token', confidence: 'high', re: /\bxoxe(?:\.xox[bp])?-\d-[A-Za-z0-9-]{10,}/dg },
  { family: 'Slack app token', confidence: 'high', re: /\bxapp-\d-[A-Za-z0-9-]{10,}/dg },
  { family: 'Slack webhook URL', confidence: 'high', re: /https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9/_-]+/dg },
  {
    family: 'Discord webhook URL',
    confidence: 'high',
    re: /https:\/\/(?:(?:canary|ptb)\.)?discord(?:app)?\.com\/api\/(?:v\d+\/)?webhooks\/\d+\/[A-Za-z0-9_-]+/dg,
  },
  { family: 'Discord bot token', confidence: 'high', re: /\b[MNO][A-Za-z\d_-]{23,27}\.[A-Za-z\d_-]{6}\.[A-Za-z\d_-]{27,40}\b/dg },
  { family: 'JSON web token', confidence: 'high', re: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/dg },
  { family: 'npm token', confidence: 'high', re: /\bnpm_[A-Za-z0-9]{36}\b/dg },
  { family: 'PyPI token', confidence: 'high', re: /\bpypi-AgE[A-Za-z0-9_-]{50,}/dg },
  { family: 'GitLab token', confidence: 'high', re: /\bglpat-[A-Za-z0-9_-]{20,}/dg },
  { family: 'Google API key', confidence: 'high', re: /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/dg },
  { family: 'Stripe key', confidence: 'high', re: /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{24,}/dg },
  {
    family: 'Authorization header',
    confidence: 'high',
    re: /\b(?:proxy-)?authorization["']?\s*[:=]\s*["']?(?:bearer|basic|token|bot|apikey|api-key|negotiate|ntlm)\s+([^\s"',;]{6,})/dgi,
    group: 1,
    accept: (v) => !isPlaceholder(v),
  },
  {
    family: 'Authorization header',
    confidence: 'high',
    // Without a scheme word, "Authorization: required for writes" must stay readable.
    re: /\b(?:proxy-)?authorization["']?\s*[:=]\s*["']?(?!(?:bearer|basic|token|bot|apikey|api-key|negotiate|ntlm)\b)([^\s"',;]{8,})/dgi,
    group: 1,
    accept: (v) => !isPlaceholder(v) && (looksRandom(v) || v.length >= 20),
  },
  {
    family: 'bearer token',
    confidence: 'high',
    re: /\bBearer\s+([A-Za-z0-9._~+/-]{16,}=*)/dg,
    group: 1,
    accept: (v) => !isPlaceholder(v) && /\d/.test(v),
  },
  {
    family: 'password in URL',
    confidence: 'high',
    re: /\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:([^\s/@]+)@/dgi,
    group: 1,
    accept: (v) => !isPlaceholder(v),
  },
  {
    family: 'secret in URL query',
    confidence: 'high',
    re: /[?&](?:password|passwd|pass|token|access_token|refresh_token|id_token|auth_token|private_token|api_key|apikey|client_secret|secret|sig|signature|x-amz-signature|x-amz-security-token|x-goog-signature)=([^&\s#"'<>]+)/dgi,
    group: 1,
    accept: (v) => !isPlaceholder(v),
  },
  {
    family: 'secret assignment',
    confidence: 'generic',
    // `DB_PASSWORD=…`, `"apiKey": "…"`, `client_secret: …`. The name must end right before the
    // separator, so `max_tokens = 4096` and `tokenizer: bert1234` are left alone. It must start a
    // word and not a query parameter: URLs are left to the URL patterns, which keep the host and
    // the other parameters.
    re: new RegExp(String.raw`(?<![A-Za-z0-9_./?&-])[A-Za-z0-9_.-]{0,64}?${SECRET_NAME}["']?\s*(?::=|:|=)\s*(["'\x60]?)([^\s"'\x60,;()\[\]{}<>]{8,})\1`, 'dgi'),
    group: 2,
    accept: (v) => !isPlaceholder(v) && !IDENTIFIER_PATH.test(v) && looksRandom(v),
  },
];

interface RawMatch extends SecretMatch {
  order: number;
}

function scan(text: string): RawMatch[] {
  const found: RawMatch[] = [];
  PATTERNS.forEach((p, order) => {
    p.re.lastIndex = 0;
    for (let m = p.re.exec(text); m; m = p.re.exec(text)) {
      const span = p.group === undefined ? m.indices![0] : m.indices![p.group];
      if (span && (!p.accept || p.accept(text.slice(span[0], span[1])))) {
        found.push({ family: p.family, confidence: p.confidence, start: span[0], end: span[1], order });
      }
      if (m[0].length === 0) p.re.lastIndex++;
    }
  });
  return found;
}

/**
 * Token-shaped strings in `text`, left to right. Where two patterns claim the same characters
 * (a `ghs_` token inside a URL's password) the more specific one, listed first, names it.
 */
export function findSecrets(text: string): SecretMatch[] {
  const byPosition = scan(text).sort((a, b) => a.start - b.start || a.order - b.order);
  const kept: SecretMatch[] = [];
  let reached = -1;
  for (const m of byPosition) {
    if (m.start < reached) continue;
    kept.push({ family: m.family, confidence: m.confidence, start: m.start, end: m.end });
    reached = m.end;
  }
  return kept;
}

function replaceSpans(text: string, spans: Array<{ start: number; end: number }>): string {
  if (!spans.length) return text;
  spans.sort((a, b) => a.start - b.start);
  let out = '';
  let at = 0;
  let open: { start: number; end: number } | null = null;
  // Overlapping matches are merged: two patterns over one secret must not leave half of it.
  for (const s of spans) {
    if (open && s.start <= open.end) {
      open.end = Math.max(open.end, s.end);
      continue;
    }
    if (open) {
      out += text.slice(at, open.start) + REDACTED;
      at = open.end;
    }
    open = { ...s };
  }
  out += text.slice(at, open!.start) + REDACTED + text.slice(open!.end);
  return out;
}

/**
 * A secret inside a larger base64 blob (`user:token` in a Basic header, a secret in an encoded
 * config) is encoded differently depending on its byte offset modulo 3. For each offset, the
 * characters that depend on the secret's bytes alone are the same in every blob: match those.
 */
function base64Windows(secret: string): string[] {
  const bytes = Buffer.from(secret);
  const windows: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64');
    const from = Math.ceil((shift * 4) / 3);
    const to = Math.floor(((shift + bytes.length) * 8) / 6);
    const window = encoded.slice(from, to);
    windows.push(window, window.replaceAll('+', '-').replaceAll('/', '_'));
  }
  return windows;
}

function encodedForms(secret: string): string[] {
  const base64 = Buffer.from(secret).toString('base64');
  const urlEncoded = encodeURIComponent(secret);
  return [
    secret,
    base64,
    // `echo $TOKEN | base64` encodes the newline too.
    Buffer.from(`${secret}\n`).toString('base64'),
    Buffer.from(secret).toString('base64url'),
    ...base64Windows(secret),
    urlEncoded,
    urlEncoded.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()),
    JSON.stringify(secret).slice(1, -1),
  ];
}

export function createRedactor(secrets: Array<string | undefined>): Redactor {
  const forms = new Set<string>();
  for (const secret of secrets) {
    // Short values would mask ordinary words; they are not credentials worth the noise.
    if (!secret || secret.length < 8) continue;
    for (const form of encodedForms(secret)) if (form.length >= 8) forms.add(form);
  }
  // Longest first, so a whole encoded form goes before a window inside it.
  const literal = [...forms].sort((a, b) => b.length - a.length);
  return (text: string) => {
    let out = text;
    for (const form of literal) out = out.split(form).join(REDACTED);
    return replaceSpans(out, scan(out));
  };
}
