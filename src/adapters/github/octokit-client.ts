import { Octokit } from '@octokit/rest';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import type { LogLevel } from '../../core/model';
import { createRedactor } from '../../core/redact';

export type GitHubLog = (level: LogLevel, message: string) => void;

export interface GitHubClientOptions {
  /** Absent means unauthenticated: public repositories only, 60 requests an hour. */
  token?: string;
  /** REST API root without a trailing slash: https://api.github.com, https://HOST/api/v3. */
  baseUrl: string;
  userAgent: string;
  log?: GitHubLog;
  /**
   * Multiplies every wait the client makes (5xx back-off, rate-limit waits, spacing of writes).
   * 1 in real use; tests pass a small value so that a "retry after 1 s" takes a few milliseconds.
   */
  waitScale?: number;
  /** Rate-limit waits longer than this (in GitHub's seconds, before scaling) fail instead of sleeping. */
  maxRateLimitWaitSeconds?: number;
  /** How many times a 5xx or network failure is retried. */
  retries?: number;
  /** Per-request limit: GitHub answers within seconds or not at all. */
  timeoutMs?: number;
}

const RigOctokit = Octokit.plugin(retry, throttling);

const RATE_LIMIT_RETRIES = 2;
const DEFAULT_MAX_RATE_LIMIT_WAIT_S = 60;
const DEFAULT_TIMEOUT_MS = 30_000;
// GitHub asks integrators to leave a second between writes and more between writes that notify
// people (comments, pull requests); the throttling plugin's pacing uses the same numbers.
const WRITE_SPACING_MS = 1_000;
const NOTIFYING_WRITE_SPACING_MS = 3_000;

/** Raised when GitHub's rate limit stops a request for longer than is worth waiting. */
export class GitHubRateLimitError extends Error {
  constructor(
    message: string,
    readonly kind: 'primary' | 'secondary',
    readonly status: number,
    readonly resetAt: Date,
  ) {
    super(message);
    this.name = 'GitHubRateLimitError';
  }
}

export function createGitHubClient(options: GitHubClientOptions): Octokit {
  const baseUrl = checkBaseUrl(options.baseUrl);
  const token = checkToken(options.token);
  if (!options.userAgent || /[\u0000-\u001f\u007f]/.test(options.userAgent)) {
    throw new Error('GitHub client needs a userAgent without control characters (GitHub refuses requests without one)');
  }
  const scale = options.waitScale ?? 1;
  if (!(scale > 0 && Number.isFinite(scale))) throw new Error(`waitScale must be a positive number, got ${String(options.waitScale)}`);
  const maxWait = options.maxRateLimitWaitSeconds ?? DEFAULT_MAX_RATE_LIMIT_WAIT_S;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const redact = createRedactor([token]);
  const log: GitHubLog = (level, message) => options.log?.(level, redact(message));

  const onLimit = (kind: string) => (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
    const what = `${request.method} ${request.url}`;
    if (retryAfter > maxWait || retryCount >= RATE_LIMIT_RETRIES) return false;
    log('warn', `GitHub ${kind} rate limit on ${what}: retrying in ${retryAfter} s (retry ${retryCount + 1} of ${RATE_LIMIT_RETRIES})`);
    return true;
  };

  const octokit = new RigOctokit({
    auth: token,
    baseUrl,
    userAgent: options.userAgent,
    log: quietLogger(log),
    request: { fetch: fetchWithTimeout(timeoutMs) },
    retry: {
      retries: options.retries ?? 3,
      retryAfterBaseValue: 1000 * scale,
      // Rate limits (403/429) belong to the throttling plugin, which honours GitHub's retry-after
      // instead of a blind back-off; the rest are answers a retry cannot change.
      doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451],
    },
    throttle: {
      onRateLimit: onLimit('primary'),
      onSecondaryRateLimit: onLimit('secondary'),
      retryAfterBaseValue: 1000 * scale,
      // Only the shape of Bottleneck.Group that the plugin calls (`key(id).schedule`) is supplied, so
      // the spacing scales with the other waits and belongs to this client instead of the process.
      write: spacer(WRITE_SPACING_MS * scale) as never,
      notifications: spacer(NOTIFYING_WRITE_SPACING_MS * scale) as never,
    },
  });
  // Registered last, so it sees what is left once retries and rate-limit waits have given up.
  octokit.hook.error('request', (error) => {
    throw rateLimitFailure(error, maxWait) ?? error;
  });
  return octokit;
}

function checkBaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`GitHub API base URL ${JSON.stringify(String(raw).replace(/\/\/[^/@]*@/, '//***@'))} is not a URL; expected e.g. https://api.github.com`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`GitHub API base URL must be http(s), got ${url.protocol}`);
  if (url.username || url.password) throw new Error('GitHub API base URL must not contain credentials; pass the token separately');
  if (url.search || url.hash) throw new Error('GitHub API base URL must not have a query or fragment');
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

function checkToken(token: string | undefined): string | undefined {
  const trimmed = token?.trim();
  if (!trimmed) return undefined;
  // Never quote the value: the message would carry the secret into logs.
  if (/[\s\u0000-\u001f\u007f]/.test(trimmed)) throw new Error('GitHub token contains whitespace or control characters; check how it was pasted or read');
  return trimmed;
}

/** Octokit's own chatter goes to debug; its object dumps (request options) are dropped entirely. */
function quietLogger(log: GitHubLog) {
  const text = (args: unknown[]) => args.filter((a) => typeof a === 'string').join(' ');
  return {
    debug: () => {},
    info: (...args: unknown[]) => log('debug', text(args)),
    // Deprecation notices are worth seeing; failed requests are reported by whoever made them.
    warn: (...args: unknown[]) => log('warn', text(args)),
    error: (...args: unknown[]) => log('debug', text(args)),
  };
}

function fetchWithTimeout(timeoutMs: number): typeof fetch {
  return (input, init) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    return fetch(input, { ...init, signal });
  };
}

function spacer(minGapMs: number) {
  let nextStart = 0;
  const slot = {
    async schedule<T>(_jobOptions: unknown, job: (...args: unknown[]) => T | Promise<T>, ...args: unknown[]): Promise<T> {
      const now = Date.now();
      const start = Math.max(now, nextStart);
      nextStart = start + minGapMs;
      if (start > now) await new Promise((resolve) => setTimeout(resolve, start - now));
      return job(...args);
    },
  };
  return { key: () => slot };
}

interface ErrorWithResponse {
  status?: number;
  message?: string;
  request?: { method?: string; url?: string };
  response?: { headers?: Record<string, string | undefined>; data?: unknown };
}

/** A clear error for a rate limit the client decided not to wait for, or null for any other error. */
export function rateLimitFailure(error: unknown, maxWaitSeconds = DEFAULT_MAX_RATE_LIMIT_WAIT_S): GitHubRateLimitError | null {
  const e = error as ErrorWithResponse;
  if (e.status !== 403 && e.status !== 429) return null;
  const headers = e.response?.headers ?? {};
  const where = describeRequest(e);
  if (/\bsecondary rate\b/i.test(e.message ?? '')) {
    const waitS = Number(headers['retry-after']) || 60;
    const resetAt = new Date(Date.now() + waitS * 1000);
    return new GitHubRateLimitError(
      `GitHub secondary rate limit (${e.status}) on ${where}: GitHub asks to wait ${waitS} s, until ${resetAt.toISOString()}. ` +
        (waitS > maxWaitSeconds ? `Waits over ${maxWaitSeconds} s are not slept through; try again after that time.` : 'It was still limited after retrying; try again after that time.'),
      'secondary',
      e.status,
      resetAt,
    );
  }
  if (headers['x-ratelimit-remaining'] === '0') {
    const resetAt = new Date(Number(headers['x-ratelimit-reset'] ?? 0) * 1000);
    const minutes = Math.max(0, Math.ceil((resetAt.getTime() - Date.now()) / 60_000));
    const used = headers['x-ratelimit-used'] && headers['x-ratelimit-limit'] ? ` (${headers['x-ratelimit-used']} of ${headers['x-ratelimit-limit']} requests used)` : '';
    return new GitHubRateLimitError(
      `GitHub API rate limit exhausted${used} on ${where}; it resets at ${resetAt.toISOString()}, in about ${minutes} min.`,
      'primary',
      e.status,
      resetAt,
    );
  }
  return null;
}

function describeRequest(e: ErrorWithResponse): string {
  const method = e.request?.method ?? 'request';
  try {
    return `${method} ${new URL(e.request?.url ?? '').pathname}`;
  } catch {
    return method;
  }
}
