import net from 'node:net';

export interface SecurityOptions {
  /** Interface to bind; loopback (127.0.0.1) unless told otherwise. */
  host?: string;
  port: number;
  /** Required for /api/* when set; required to be set when bound beyond loopback. */
  apiKey?: string;
  /** Browser origins allowed to call the API; same-origin only when empty. */
  corsOrigins?: string[];
  rateLimitPerMinute?: number;
  /** Take the client address from X-Forwarded-For: only behind a proxy you run. */
  trustProxy?: boolean;
  maxBodyBytes?: number;
  /** Host names the server answers to besides the bound host, localhost and 127.0.0.1. */
  allowedHosts?: string[];
}

/** The options checked and put in the shape the request guards use. */
export interface SecurityPolicy {
  host: string;
  port: number;
  apiKey?: string;
  corsOrigins: ReadonlySet<string>;
  /** `*` in the allow-list: any origin, which is only accepted together with an API key. */
  anyOrigin: boolean;
  rateLimitPerMinute: number;
  trustProxy: boolean;
  maxBodyBytes: number;
  allowedHostnames: ReadonlySet<string>;
}

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_RATE_LIMIT_PER_MINUTE = 120;
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** Long enough that guessing is hopeless at the rate limit; a short key is refused rather than trusted. */
export const MIN_API_KEY_LENGTH = 16;

export class ServerConfigError extends Error {
  override name = 'ServerConfigError';
}

/** Without brackets and lower-cased: `[::1]` and `::1` are the same host. */
export function bareHostname(host: string): string {
  const h = host.trim().toLowerCase();
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
}

export function isLoopbackHost(host: string): boolean {
  const h = bareHostname(host);
  if (h === 'localhost' || h.endsWith('.localhost') || h === '::1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return net.isIPv4(v4) && v4.startsWith('127.');
}

/** `Host` header or allow-list entry → host name without port. */
export function hostnameOf(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end > 0 ? h.slice(1, end) : h;
  }
  // A bare IPv6 address has several colons and no port.
  if (net.isIPv6(h)) return h;
  const colon = h.lastIndexOf(':');
  return colon >= 0 ? h.slice(0, colon) : h;
}

function normaliseOrigin(origin: string): string {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    throw new ServerConfigError(`CORS origin "${origin}" is not an origin such as https://dashboard.example.com`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ServerConfigError(`CORS origin "${origin}" must be http:// or https://`);
  return url.origin;
}

export function securityPolicy(opts: SecurityOptions): SecurityPolicy {
  const host = (opts.host ?? DEFAULT_HOST).trim() || DEFAULT_HOST;
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) throw new ServerConfigError(`port ${opts.port} is not a TCP port (0-65535)`);
  const apiKey = opts.apiKey || undefined;
  if (!isLoopbackHost(host) && !apiKey) {
    throw new ServerConfigError(
      `refusing to listen on ${host} without an API key: anyone who can reach that address could start tasks and approve deploys. ` +
        'Set server.api_key (or RIG_API_KEY), or bind to 127.0.0.1.',
    );
  }
  if (apiKey && apiKey.length < MIN_API_KEY_LENGTH) throw new ServerConfigError(`the API key is too short: use at least ${MIN_API_KEY_LENGTH} random characters`);

  const origins = (opts.corsOrigins ?? []).map((o) => o.trim()).filter(Boolean);
  const anyOrigin = origins.includes('*');
  // A wildcard on a keyless server hands the API to every web page the user opens.
  if (anyOrigin && !apiKey) throw new ServerConfigError('CORS origin "*" is only accepted together with an API key; list the dashboard origins instead');

  const rate = opts.rateLimitPerMinute ?? DEFAULT_RATE_LIMIT_PER_MINUTE;
  if (!Number.isInteger(rate) || rate < 1) throw new ServerConfigError(`rateLimitPerMinute must be a whole number of at least 1, not ${rate}`);
  const maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isInteger(maxBody) || maxBody < 1) throw new ServerConfigError(`maxBodyBytes must be a positive whole number, not ${maxBody}`);

  const hostnames = new Set(['localhost', '127.0.0.1', '::1', ...(opts.allowedHosts ?? []).map(hostnameOf)]);
  // 0.0.0.0 and :: are not names anyone reaches the server by.
  if (!/^(0\.0\.0\.0|::)$/.test(bareHostname(host))) hostnames.add(bareHostname(host));

  return {
    host,
    port: opts.port,
    apiKey,
    corsOrigins: new Set(origins.filter((o) => o !== '*').map(normaliseOrigin)),
    anyOrigin,
    rateLimitPerMinute: rate,
    trustProxy: opts.trustProxy ?? false,
    maxBodyBytes: maxBody,
    allowedHostnames: hostnames,
  };
}
