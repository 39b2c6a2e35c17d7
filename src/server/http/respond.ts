import type { ServerResponse } from 'node:http';
import type { Redactor } from '../../core/redact';
import type { HttpReply } from '../contracts';
import { redactDeep } from './redact-deep';

/** Sent with every response, whatever route answers. */
export function setBaseHeaders(res: ServerResponse): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  // Other sites may not embed responses with <script>/<img>; CORS-mode fetches are not affected.
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
}

/** JSON needs no scripts, styles or frames: nothing at all may load from an API response. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'";
/** The dashboard loads only its own files and talks only to this server. */
// img-src allows data: for the page's empty favicon (without it the browser asks for /favicon.ico).
export const DASHBOARD_CSP = "default-src 'self'; img-src 'self' data:; base-uri 'self'; form-action 'self'; frame-ancestors 'none'; object-src 'none'";

/**
 * Writes a reply. Strings and buffers go as they are (after redaction of text); anything else is
 * JSON. Every byte of text passes through the redactor first.
 */
export function sendReply(res: ServerResponse, reply: HttpReply, redact: Redactor, opts: { head?: boolean } = {}): void {
  let payload: Buffer;
  const headers: Record<string, string> = { ...reply.headers };
  if (Buffer.isBuffer(reply.body)) {
    payload = reply.body;
  } else if (typeof reply.body === 'string') {
    payload = Buffer.from(redact(reply.body));
    headers['Content-Type'] ??= 'text/plain; charset=utf-8';
  } else if (reply.body === undefined) {
    payload = Buffer.alloc(0);
  } else {
    payload = Buffer.from(JSON.stringify(redactDeep(reply.body, redact)));
    headers['Content-Type'] ??= 'application/json; charset=utf-8';
  }
  if (!hasHeader(headers, 'Cache-Control')) headers['Cache-Control'] = 'no-store';
  if (!hasHeader(headers, 'Content-Security-Policy')) headers['Content-Security-Policy'] = API_CSP;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.statusCode = reply.status;
  if (reply.status === 204 || reply.status === 304) {
    res.end();
    return;
  }
  res.setHeader('Content-Length', payload.length);
  res.end(opts.head ? undefined : payload);
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((k) => k.toLowerCase() === name.toLowerCase());
}

export function errorReply(status: number, message: string, headers: Record<string, string> = {}): HttpReply {
  return { status, headers, body: { error: message } };
}
