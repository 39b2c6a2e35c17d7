import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpReply } from '../contracts';
import { HttpError } from './errors';

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Record<string, string>;
  /** The body as a JSON object (`{}` when empty), size-limited, JSON content type enforced. */
  json(): Promise<Record<string, unknown>>;
}

/** A reply, or nothing when the handler took the response over (Server-Sent Events). */
export type RouteHandler = (ctx: RouteContext) => Promise<HttpReply | void>;

export interface Route {
  method: 'GET' | 'POST';
  /** Segments; `:name` captures one. */
  path: string;
  handler: RouteHandler;
}

export type RouteMatch = { route: Route; params: Record<string, string> } | { allowed: string[] } | null;

export class Router {
  private readonly routes: Array<Route & { segments: string[] }> = [];

  add(method: Route['method'], path: string, handler: RouteHandler): this {
    this.routes.push({ method, path, handler, segments: split(path) });
    return this;
  }

  /** The route for a request; `{allowed}` when the path exists under other methods. */
  match(method: string, pathname: string): RouteMatch {
    const segments = split(pathname).map(decodeSegment);
    const allowed: string[] = [];
    for (const route of this.routes) {
      const params = matchSegments(route.segments, segments);
      if (!params) continue;
      if (route.method === method || (method === 'HEAD' && route.method === 'GET')) return { route, params };
      allowed.push(route.method);
    }
    return allowed.length ? { allowed } : null;
  }
}

function split(path: string): string[] {
  return path.split('/').filter(Boolean);
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, 'malformed percent-encoding in the path');
  }
}

function matchSegments(pattern: string[], actual: string[]): Record<string, string> | null {
  if (pattern.length !== actual.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    if (p.startsWith(':')) params[p.slice(1)] = actual[i]!;
    else if (p !== actual[i]) return null;
  }
  return params;
}
