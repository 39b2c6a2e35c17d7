import http from 'node:http';
import { createRedactor, type Redactor } from '../../core/redact';
import { EventHub, type EventHubOptions } from '../api/event-hub';
import { ProjectRegistry } from '../api/projects';
import { apiRoutes } from '../api/routes';
import { TaskActions, type ServerLog } from '../api/task-actions';
import { ChatCommands } from '../chatops/commands';
import { discordInteractions } from '../chatops/discord';
import { ed25519PublicKey } from '../chatops/signatures';
import { slackSlashCommand } from '../chatops/slack';
import type { HttpReply, Project, RequestHeaders, WebhookIntake } from '../contracts';
import { presentedKey, secretEquals } from './api-key';
import { parseJsonObject, readBody, requireJsonContentType } from './body';
import { clientAddress, rateLimitKey } from './client-ip';
import { HttpError } from './errors';
import { SlidingWindowLimiter } from './rate-limit';
import { chainRedactors } from './redact-deep';
import { checkHost, checkOrigin, CORS_ALLOWED_HEADERS, CORS_ALLOWED_METHODS } from './request-guards';
import { errorReply, sendReply, setBaseHeaders } from './respond';
import type { Router } from './router';
import { securityPolicy, ServerConfigError, type SecurityOptions, type SecurityPolicy } from './security-options';
import { StaticFiles } from './static-files';

export interface ChatOpsOptions {
  slackSigningSecret?: string;
  /** The Discord application's public key, 64 hex digits. */
  discordPublicKey?: string;
  /** Chat users who may exec, approve and reject (`slack:U…`, `discord:…`); nobody when empty. */
  allowUsers?: string[];
}

export interface HttpServerOptions {
  projects: Project[];
  webhook?: WebhookIntake;
  chatops?: ChatOpsOptions;
  security: SecurityOptions;
  /** Built dashboard (index.html and assets), served at `/`. */
  dashboardDir?: string;
  /** Milliseconds since the epoch; rate limits and signature freshness follow it. */
  now?: () => number;
  log?: ServerLog;
  events?: EventHubOptions;
}

const EVENTS_PATH = '/api/events';
const CHATOPS_PREFIX = '/api/chatops/';

type RawHandler = (rawBody: Buffer, headers: RequestHeaders) => Promise<HttpReply>;

/**
 * The Rig HTTP server: REST API, Server-Sent Events, ChatOps, the GitHub webhook and the dashboard.
 * Returns a server that is not yet listening; the caller chooses when (`listen(port, host)`).
 *
 * Every request passes, in this order: rate limit (before any work), Host check (DNS rebinding),
 * Origin check (cross-site pages), API key for /api/*, JSON content type for API POSTs, body
 * size limit. Every response and log line goes through the redactor.
 */
export function createHttpServer(opts: HttpServerOptions): http.Server {
  const policy = securityPolicy(opts.security);
  const now = opts.now ?? Date.now;
  const registry = new ProjectRegistry(opts.projects);
  const redact: Redactor = chainRedactors([
    createRedactor([policy.apiKey, opts.chatops?.slackSigningSecret]),
    ...opts.projects.map((p) => p.workspace.redact),
  ]);
  const writeLog = opts.log ?? ((level, message) => process.stderr.write(`rig server ${level}: ${message}\n`));
  const log: ServerLog = (level, message) => writeLog(level, redact(message));

  const actions = new TaskActions(registry, log);
  const hub = new EventHub(opts.projects, redact, opts.events);
  const api = apiRoutes({ registry, actions, hub, now });
  const chat = chatHandlers(opts.chatops, new ChatCommands(registry, actions, opts.chatops?.allowUsers ?? [], log), now);
  const limiter = new SlidingWindowLimiter(policy.rateLimitPerMinute, 60_000, now);
  const dashboard = opts.dashboardDir ? new StaticFiles(opts.dashboardDir) : undefined;
  const webhook = opts.webhook;
  const webhookHandler: RawHandler | undefined = webhook && ((body, headers) => webhook.handle(body, headers));

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => fail(req, res, err));
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    setBaseHeaders(res);
    const verdict = limiter.take(rateLimitKey(clientAddress(req, policy.trustProxy)));
    if (!verdict.allowed) throw new HttpError(429, 'too many requests', { 'Retry-After': String(verdict.retryAfterSeconds) });

    const url = requestUrl(req);
    const isApi = url.pathname === '/api' || url.pathname.startsWith('/api/');
    checkHost(req, policy);
    const { allowOrigin } = checkOrigin(req, policy, isApi);
    if (allowOrigin) {
      res.setHeader('Access-Control-Allow-Origin', allowOrigin);
      res.setHeader('Vary', 'Origin');
    }
    if (req.method === 'OPTIONS') return preflight(res, allowOrigin);

    if (url.pathname === '/webhook') return reply(req, res, await rawEndpoint(req, webhookHandler, 'the webhook receiver is not enabled on this server'));
    if (url.pathname.startsWith(CHATOPS_PREFIX)) {
      const platform = url.pathname.slice(CHATOPS_PREFIX.length);
      const handler = platform === 'slack' || platform === 'discord' ? chat[platform] : undefined;
      return reply(req, res, await rawEndpoint(req, handler, `ChatOps for ${platform.slice(0, 20)} is not configured on this server`));
    }
    if (isApi) return routeApi(req, res, url, api);
    if (dashboard && (req.method === 'GET' || req.method === 'HEAD')) return reply(req, res, await dashboard.serve(url.pathname));
    throw new HttpError(404, 'not found');
  }

  async function routeApi(req: http.IncomingMessage, res: http.ServerResponse, url: URL, router: Router): Promise<void> {
    authenticate(req, url, policy);
    const match = router.match(req.method ?? 'GET', url.pathname);
    if (!match) throw new HttpError(404, 'no such endpoint');
    if ('allowed' in match) throw new HttpError(405, 'method not allowed', { Allow: match.allowed.join(', ') });
    if (req.method === 'POST') requireJsonContentType(req);
    const result = await match.route.handler({
      req,
      res,
      url,
      params: match.params,
      json: async () => parseJsonObject(await readBody(req, policy.maxBodyBytes)),
    });
    if (result) reply(req, res, result);
  }

  /** Endpoints that verify their own signatures over the raw body, in their platforms' content types. */
  async function rawEndpoint(req: http.IncomingMessage, handler: RawHandler | undefined, disabled: string): Promise<HttpReply> {
    if (!handler) throw new HttpError(404, disabled);
    if (req.method !== 'POST') throw new HttpError(405, 'method not allowed', { Allow: 'POST' });
    return handler(await readBody(req, policy.maxBodyBytes), req.headers);
  }

  function reply(req: http.IncomingMessage, res: http.ServerResponse, result: HttpReply): void {
    sendReply(res, result, redact, { head: req.method === 'HEAD' });
  }

  function fail(req: http.IncomingMessage, res: http.ServerResponse, err: unknown): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (err instanceof HttpError) {
      reply(req, res, errorReply(err.status, err.message, err.headers));
      return;
    }
    // The message may name files, hosts or upstream replies: it goes to the log, never the client.
    log('error', `${req.method} ${requestPath(req)}: ${err instanceof Error ? err.message : String(err)}`);
    reply(req, res, errorReply(500, 'internal error'));
  }

  const close = server.close.bind(server);
  server.close = ((callback?: (err?: Error) => void) => {
    hub.close();
    close(callback);
    server.closeIdleConnections();
    return server;
  }) as typeof server.close;
  return server;
}

function preflight(res: http.ServerResponse, allowOrigin: string | undefined): void {
  if (allowOrigin) {
    res.setHeader('Access-Control-Allow-Methods', CORS_ALLOWED_METHODS);
    res.setHeader('Access-Control-Allow-Headers', CORS_ALLOWED_HEADERS);
    res.setHeader('Access-Control-Max-Age', '600');
  }
  res.statusCode = 204;
  res.end();
}

/**
 * The API key, when one is set: in a header for every endpoint, and in the query string only for
 * the event stream, which a browser's EventSource opens without a way to add headers.
 */
function authenticate(req: http.IncomingMessage, url: URL, policy: SecurityPolicy): void {
  if (!policy.apiKey) return;
  const key = presentedKey(req, url, req.method === 'GET' && url.pathname === EVENTS_PATH);
  if (key === undefined || !secretEquals(key, policy.apiKey)) {
    const hint = url.searchParams.has('api_key') && url.pathname !== EVENTS_PATH ? ' (the api_key query parameter is only accepted by /api/events)' : '';
    throw new HttpError(401, `missing or wrong API key: send Authorization: Bearer <key> or X-API-Key${hint}`, { 'WWW-Authenticate': 'Bearer realm="rig"' });
  }
}

function chatHandlers(chatops: ChatOpsOptions | undefined, commands: ChatCommands, now: () => number): Partial<Record<'slack' | 'discord', RawHandler>> {
  const handlers: Partial<Record<'slack' | 'discord', RawHandler>> = {};
  if (chatops?.slackSigningSecret) handlers.slack = slackSlashCommand({ signingSecret: chatops.slackSigningSecret, commands, now });
  if (chatops?.discordPublicKey) {
    let publicKey;
    try {
      publicKey = ed25519PublicKey(chatops.discordPublicKey);
    } catch (err) {
      throw new ServerConfigError(`server.discord_public_key: ${(err as Error).message}`);
    }
    handlers.discord = discordInteractions({ publicKey, commands, now });
  }
  return handlers;
}

function requestUrl(req: http.IncomingMessage): URL {
  const target = req.url ?? '/';
  // Only origin-form targets ("/path?query"); absolute-form and "*" have no business here.
  if (!target.startsWith('/') || target.startsWith('//')) throw new HttpError(400, 'invalid request target');
  try {
    return new URL(target, 'http://rig.invalid');
  } catch {
    throw new HttpError(400, 'invalid request target');
  }
}

/** The path without its query, which may hold an api_key. */
function requestPath(req: http.IncomingMessage): string {
  return (req.url ?? '/').split('?')[0]!;
}
