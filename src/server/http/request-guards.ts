import type { IncomingMessage } from 'node:http';
import { HttpError } from './errors';
import { hostnameOf, type SecurityPolicy } from './security-options';

/**
 * DNS rebinding: a page on evil.example whose name is re-pointed at 127.0.0.1 reaches this server
 * with `Host: evil.example`. Only names the operator chose are answered.
 */
export function checkHost(req: IncomingMessage, policy: SecurityPolicy): void {
  const host = req.headers.host;
  if (!host) throw new HttpError(400, 'missing Host header');
  const name = hostnameOf(host);
  if (!policy.allowedHostnames.has(name)) {
    throw new HttpError(403, `this server does not answer to host "${name}"; add it to server.allowed_hosts if that is how clients reach it`);
  }
}

export interface OriginVerdict {
  /** The value for Access-Control-Allow-Origin, when the request is an allowed cross-origin one. */
  allowOrigin?: string;
}

/**
 * Browsers say where a request comes from. Same-origin requests (the dashboard served here) and
 * origins on the allow-list pass; any other page is refused before the request does anything,
 * since a CORS header only hides the response and would not stop a POST from taking effect.
 */
export function checkOrigin(req: IncomingMessage, policy: SecurityPolicy, isApi: boolean): OriginVerdict {
  const origin = req.headers.origin;
  if (origin === undefined) {
    // No Origin: a non-browser client, or a same-origin GET. A cross-site request that a browser
    // marks as such (an <img> or <script> pointed at the API) is still refused.
    if (isApi && req.headers['sec-fetch-site'] === 'cross-site') throw new HttpError(403, 'cross-site requests are not allowed');
    return {};
  }
  let url: URL | undefined;
  try {
    url = new URL(origin);
  } catch {
    url = undefined;
  }
  if (url && req.headers.host && url.host === req.headers.host.toLowerCase()) return {};
  if (url && policy.corsOrigins.has(url.origin)) return { allowOrigin: url.origin };
  if (url && policy.anyOrigin) return { allowOrigin: '*' };
  throw new HttpError(403, 'this origin is not allowed to call the Rig API; add it to server.cors_origins');
}

export const CORS_ALLOWED_HEADERS = 'Authorization, X-API-Key, Content-Type, Last-Event-ID';
export const CORS_ALLOWED_METHODS = 'GET, POST, OPTIONS';
