import crypto from 'node:crypto';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { WebhookIntake } from '../../src/server/contracts';
import { secretEquals } from '../../src/server/http/api-key';
import { createHttpServer, ServerConfigError, type HttpServerOptions } from '../../src/server/http';

const KEY = 'k3y-Rig-test-2f9c81d0a4b7e6';

interface Response {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

let servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  servers = [];
  vi.restoreAllMocks();
});

async function start(opts: Omit<Partial<HttpServerOptions>, 'security'> & { security?: Partial<HttpServerOptions['security']> } = {}) {
  const server = createHttpServer({ projects: [], ...opts, security: { port: 0, ...opts.security } });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  /** Raw HTTP, so Host, Origin and the body can be anything a hostile client might send. */
  const send = (method: string, target: string, headers: Record<string, string> = {}, body?: string | Buffer): Promise<Response> =>
    new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method, path: target, headers: { host: `127.0.0.1:${port}`, ...headers }, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => {
          chunks.push(c);
          // An event stream never ends on its own: the first chunk is all a test needs.
          if (String(res.headers['content-type']).startsWith('text/event-stream')) res.destroy();
        });
        const done = () => resolve({ status: res.statusCode!, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') });
        res.on('end', done);
        res.on('close', done);
      });
      req.on('error', reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
  return { server, port, send };
}

const auth = { authorization: `Bearer ${KEY}` };
const json = { 'content-type': 'application/json' };

describe('binding', () => {
  it.each(['0.0.0.0', '::', '192.168.1.10', 'rig.example.com'])('refuses to serve %s without an API key', (host) => {
    expect(() => createHttpServer({ projects: [], security: { host, port: 8080 } })).toThrow(ServerConfigError);
    expect(() => createHttpServer({ projects: [], security: { host, port: 8080 } })).toThrow(/without an API key.*server\.api_key/);
  });

  it('serves loopback without a key, and any address with one', () => {
    for (const host of ['127.0.0.1', 'localhost', '::1', undefined]) expect(() => createHttpServer({ projects: [], security: { host, port: 0 } })).not.toThrow();
    expect(() => createHttpServer({ projects: [], security: { host: '0.0.0.0', port: 0, apiKey: KEY } })).not.toThrow();
  });

  it('refuses a short key and a wildcard origin without a key', () => {
    expect(() => createHttpServer({ projects: [], security: { port: 0, apiKey: 'short' } })).toThrow(/too short/);
    expect(() => createHttpServer({ projects: [], security: { port: 0, corsOrigins: ['*'] } })).toThrow(/only accepted together with an API key/);
    expect(() => createHttpServer({ projects: [], security: { port: 0, corsOrigins: ['not an origin'] } })).toThrow(ServerConfigError);
  });
});

describe('API key', () => {
  it('is required on /api/* when set: missing or wrong is 401', async () => {
    const { send } = await start({ security: { apiKey: KEY } });
    const missing = await send('GET', '/api/tasks');
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="rig"');
    expect((await send('GET', '/api/tasks', { authorization: `Bearer ${KEY}x` })).status).toBe(401);
    expect((await send('GET', '/api/tasks', { 'x-api-key': KEY.slice(0, -1) })).status).toBe(401);
    expect((await send('GET', '/api/tasks', { authorization: `Basic ${KEY}` })).status).toBe(401);
  });

  it('is accepted as Bearer or X-API-Key', async () => {
    const { send } = await start({ security: { apiKey: KEY } });
    expect(await send('GET', '/api/tasks', auth)).toMatchObject({ status: 200, text: '{"tasks":[]}' });
    expect((await send('GET', '/api/tasks', { 'x-api-key': KEY })).status).toBe(200);
  });

  it('is accepted in the query string only by the event stream', async () => {
    const { send } = await start({ security: { apiKey: KEY } });
    const events = await send('GET', `/api/events?api_key=${KEY}`);
    expect(events.status).toBe(200);
    expect(events.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    const tasks = await send('GET', `/api/tasks?api_key=${KEY}`);
    expect(tasks.status).toBe(401);
    expect(JSON.parse(tasks.text).error).toContain('only accepted by /api/events');
    expect((await send('GET', `/api/config?api_key=${KEY}`)).status).toBe(401);
    expect((await send('GET', '/api/events?api_key=wrong-key-wrong-key')).status).toBe(401);
  });

  it('is compared in constant time', async () => {
    const spy = vi.spyOn(crypto, 'timingSafeEqual');
    const { send } = await start({ security: { apiKey: KEY } });
    expect((await send('GET', '/api/tasks', { 'x-api-key': 'a' })).status).toBe(401);
    expect(spy).toHaveBeenCalledTimes(1);
    // Hashing first makes the compared buffers the same length whatever was sent.
    const [a, b] = spy.mock.calls[0]! as [Buffer, Buffer];
    expect(a.length).toBe(32);
    expect(b.length).toBe(32);
    expect(secretEquals(KEY, KEY)).toBe(true);
    expect(secretEquals(`${KEY} `, KEY)).toBe(false);
    expect(secretEquals('', KEY)).toBe(false);
  });

  it('is not asked of the webhook and ChatOps endpoints, which verify their own signatures', async () => {
    const received: string[] = [];
    const webhook: WebhookIntake = {
      handle: async (raw) => {
        received.push(raw.toString());
        return { status: 202, body: { queued: true } };
      },
      start: async () => {},
      stop: async () => {},
    };
    const { send } = await start({ webhook, security: { apiKey: KEY }, chatops: { slackSigningSecret: 'slack-signing-secret-123456' } });
    const hook = await send('POST', '/webhook', { 'content-type': 'application/x-www-form-urlencoded' }, 'payload=%7B%7D');
    expect(hook).toMatchObject({ status: 202, text: '{"queued":true}' });
    expect(received).toEqual(['payload=%7B%7D']);
    // Reached the Slack verifier (401 from it, not from the API key check).
    const slack = await send('POST', '/api/chatops/slack', { 'content-type': 'application/x-www-form-urlencoded' }, 'text=status');
    expect(slack.status).toBe(401);
    expect(JSON.parse(slack.text).error).toMatch(/^invalid Slack request/);
    expect((await send('POST', '/api/chatops/discord', json, '{}')).status).toBe(404);
  });
});

describe('Host and Origin (DNS rebinding, cross-site requests)', () => {
  it('refuses a Host the server does not answer to', async () => {
    const { send, port } = await start();
    const rebound = await send('GET', '/api/tasks', { host: `evil.example:${port}` });
    expect(rebound.status).toBe(403);
    expect(JSON.parse(rebound.text).error).toContain('allowed_hosts');
    expect((await send('GET', '/api/tasks', { host: `localhost:${port}` })).status).toBe(200);
    expect((await send('GET', '/api/tasks', { host: `[::1]:${port}` })).status).toBe(200);
  });

  it('answers the host names it is told to', async () => {
    const { send } = await start({ security: { allowedHosts: ['rig.example.com'] } });
    expect((await send('GET', '/api/tasks', { host: 'rig.example.com' })).status).toBe(200);
    expect((await send('GET', '/api/tasks', { host: 'RIG.example.com:443' })).status).toBe(200);
    expect((await send('GET', '/api/tasks', { host: 'other.example.com' })).status).toBe(403);
  });

  it('refuses a foreign Origin before doing anything, GET or POST', async () => {
    const received: string[] = [];
    const webhook: WebhookIntake = { handle: async (raw) => (received.push(raw.toString()), { status: 202 }), start: async () => {}, stop: async () => {} };
    const { send } = await start({ webhook });
    const evil = { origin: 'https://evil.example' };
    const read = await send('GET', '/api/tasks', evil);
    expect(read.status).toBe(403);
    expect(read.headers['access-control-allow-origin']).toBeUndefined();
    expect((await send('POST', '/api/tasks', { ...evil, ...json }, '{"issue_url":"acme/shop#1"}')).status).toBe(403);
    expect((await send('POST', '/webhook', evil, '{}')).status).toBe(403);
    expect(received).toEqual([]);
    expect((await send('GET', '/api/tasks', { origin: 'null' })).status).toBe(403);
    expect((await send('GET', '/api/tasks', { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
  });

  it('lets same-origin requests through without CORS headers', async () => {
    const { send, port } = await start();
    const same = await send('GET', '/api/tasks', { origin: `http://127.0.0.1:${port}` });
    expect(same.status).toBe(200);
    expect(same.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('lets listed origins through with their own origin echoed, never *', async () => {
    const dashboard = 'https://dashboard.example.com';
    const { send } = await start({ security: { corsOrigins: [`${dashboard}/`] } });
    const ok = await send('GET', '/api/tasks', { origin: dashboard });
    expect(ok.status).toBe(200);
    expect(ok.headers['access-control-allow-origin']).toBe(dashboard);
    expect(ok.headers.vary).toBe('Origin');
    expect(ok.headers['access-control-allow-credentials']).toBeUndefined();
    const preflight = await send('OPTIONS', '/api/tasks', { origin: dashboard, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-api-key' });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-headers']).toContain('X-API-Key');
    expect(preflight.headers['access-control-allow-methods']).toContain('POST');
    expect((await send('OPTIONS', '/api/tasks', { origin: 'https://dashboard.example.com.evil.example' })).status).toBe(403);
  });
});

describe('rate limit', () => {
  it('answers 429 with Retry-After after 120 requests a minute, before checking the key', async () => {
    let now = 1_000_000;
    const { send } = await start({ security: { apiKey: KEY }, now: () => now });
    for (let i = 0; i < 120; i++) expect((await send('GET', '/api/tasks')).status).toBe(401);
    const limited = await send('GET', '/api/tasks', auth);
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('60');
    expect(JSON.parse(limited.text)).toEqual({ error: 'too many requests' });
    now += 30_000;
    expect((await send('GET', '/api/tasks', auth)).headers['retry-after']).toBe('30');
    now += 30_000;
    expect((await send('GET', '/api/tasks', auth)).status).toBe(200);
  });

  it('ignores X-Forwarded-For unless the proxy is trusted', async () => {
    const { send } = await start({ security: { rateLimitPerMinute: 2 } });
    expect((await send('GET', '/api/tasks', { 'x-forwarded-for': '203.0.113.1' })).status).toBe(200);
    expect((await send('GET', '/api/tasks', { 'x-forwarded-for': '203.0.113.2' })).status).toBe(200);
    expect((await send('GET', '/api/tasks', { 'x-forwarded-for': '203.0.113.3' })).status).toBe(429);
  });

  it('limits each forwarded client apart behind a trusted proxy, by the address the proxy appended', async () => {
    const { send } = await start({ security: { rateLimitPerMinute: 2, trustProxy: true } });
    for (let i = 0; i < 2; i++) expect((await send('GET', '/api/tasks', { 'x-forwarded-for': '203.0.113.1' })).status).toBe(200);
    expect((await send('GET', '/api/tasks', { 'x-forwarded-for': '203.0.113.1' })).status).toBe(429);
    expect((await send('GET', '/api/tasks', { 'x-forwarded-for': '203.0.113.2' })).status).toBe(200);
    // A forged first entry changes nothing: the last one is what the proxy saw.
    expect((await send('GET', '/api/tasks', { 'x-forwarded-for': '198.51.100.7, 203.0.113.1' })).status).toBe(429);
  });
});

describe('requests with bodies', () => {
  it('refuses bodies over the limit with 413, declared or streamed', async () => {
    const { send } = await start({ security: { maxBodyBytes: 1024 } });
    const big = JSON.stringify({ issue_url: `https://github.com/acme/shop/issues/1?${'x'.repeat(2000)}` });
    const declared = await send('POST', '/api/tasks', json, big);
    expect(declared.status).toBe(413);
    const streamed = await send('POST', '/api/tasks', { ...json, 'transfer-encoding': 'chunked' }, big);
    expect(streamed.status).toBe(413);
    expect(JSON.parse(streamed.text)).toEqual({ error: 'request body larger than 1024 bytes' });
  });

  it('requires Content-Type: application/json on API POSTs', async () => {
    const { send } = await start();
    const body = '{"issue_url":"acme/shop#1"}';
    expect((await send('POST', '/api/tasks', { 'content-type': 'text/plain' }, body)).status).toBe(415);
    expect((await send('POST', '/api/tasks', { 'content-type': 'application/x-www-form-urlencoded' }, body)).status).toBe(415);
    expect((await send('POST', '/api/approve/t1', {}, '')).status).toBe(415);
    expect((await send('POST', '/api/tasks', { 'content-type': 'application/json; charset=utf-8' }, body)).status).toBe(404);
  });

  it('answers bad input with a JSON error and nothing else', async () => {
    const { send } = await start();
    const bad = await send('POST', '/api/tasks', json, '{"issue_url":');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text)).toEqual({ error: 'the body is not valid JSON' });
    const extra = await send('POST', '/api/tasks', json, '{"issue_url":"acme/shop#1","steps":["deploy"]}');
    expect(extra.status).toBe(400);
    expect(JSON.parse(extra.text).error).toMatch(/steps/);
    expect((await send('GET', '/api/tasks/..%2F..%2Fetc')).status).toBe(400);
    expect((await send('DELETE', '/api/tasks')).headers.allow).toBe('GET, POST');
  });
});

describe('errors and headers', () => {
  it('never puts a stack trace or a secret in a response, and redacts the log', async () => {
    const logged: string[] = [];
    const webhook: WebhookIntake = {
      handle: async () => {
        throw new Error(`could not write /var/lib/rig/queue with key ${KEY}`);
      },
      start: async () => {},
      stop: async () => {},
    };
    const { send } = await start({ webhook, security: { apiKey: KEY }, log: (level, m) => logged.push(`${level} ${m}`) });
    const res = await send('POST', '/webhook', json, '{}');
    expect(res.status).toBe(500);
    expect(JSON.parse(res.text)).toEqual({ error: 'internal error' });
    expect(res.text).not.toMatch(/at .*\.ts|\/var\/lib|Error:/);
    expect(logged).toEqual(['error POST /webhook: could not write /var/lib/rig/queue with key [REDACTED]']);
  });

  it('sends its security headers on every answer, errors included', async () => {
    const { send } = await start({ security: { apiKey: KEY } });
    for (const res of [await send('GET', '/api/tasks', auth), await send('GET', '/api/tasks'), await send('GET', '/nowhere')]) {
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    }
  });
});

describe('dashboard files', () => {
  function dashboardDir(): string {
    const root = mkdtempSync(path.join(os.tmpdir(), 'rig-dash-'));
    const dist = path.join(root, 'dist');
    mkdirSync(path.join(dist, 'assets'), { recursive: true });
    writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>Rig</title>');
    writeFileSync(path.join(dist, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(path.join(dist, '.env'), 'SECRET=1');
    writeFileSync(path.join(root, 'outside.txt'), 'outside');
    symlinkSync(path.join(root, 'outside.txt'), path.join(dist, 'assets', 'leak.txt'));
    return dist;
  }

  it('serves index.html and assets with the dashboard CSP', async () => {
    const { send } = await start({ dashboardDir: dashboardDir() });
    const index = await send('GET', '/');
    expect(index).toMatchObject({ status: 200, text: '<!doctype html><title>Rig</title>' });
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.headers['content-security-policy']).toContain("default-src 'self'");
    expect(index.headers['x-content-type-options']).toBe('nosniff');
    const js = await send('GET', '/assets/app.js');
    expect(js).toMatchObject({ status: 200, text: 'console.log(1)' });
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    // A dashboard route reloaded in the browser.
    expect((await send('GET', '/tasks/t1')).text).toContain('<title>Rig</title>');
  });

  it('never serves a file outside its directory or a dotfile', async () => {
    const { send } = await start({ dashboardDir: dashboardDir() });
    for (const target of ['/../outside.txt', '/%2e%2e/outside.txt', '/assets/..%2f..%2foutside.txt', '/assets/leak.txt', '/.env', '/assets/%00x.js', '/assets\\..\\..\\outside.txt']) {
      const res = await send('GET', target);
      expect([400, 404], target).toContain(res.status);
      expect(res.text, target).not.toContain('outside');
      expect(res.text, target).not.toContain('SECRET');
    }
  });
});

describe('event streams', () => {
  /** Opens a stream and gathers what arrives; `close` hangs up like a browser tab being closed. */
  function openStream(port: number) {
    const stream = { text: '', status: 0, close: () => {}, opened: Promise.resolve() };
    stream.opened = new Promise<void>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/api/events', agent: false }, (res) => {
        stream.status = res.statusCode!;
        res.setEncoding('utf8');
        res.on('data', (c: string) => (stream.text += c));
        res.on('error', () => {});
        resolve();
      });
      req.on('error', (err) => ((err as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(err)));
      stream.close = () => req.destroy();
    });
    return stream;
  }
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('sends heartbeats on an idle stream', async () => {
    const { port } = await start({ events: { heartbeatMs: 50 } });
    const s = openStream(port);
    await s.opened;
    await sleep(300);
    s.close();
    expect(s.text.startsWith('retry: 3000\n\n')).toBe(true);
    expect(s.text.split(': heartbeat\n\n').length - 1).toBeGreaterThanOrEqual(2);
  });

  it('caps open streams and frees the place of a client that hangs up', async () => {
    const { port, send } = await start({ events: { maxClients: 2 } });
    const a = openStream(port);
    const b = openStream(port);
    await Promise.all([a.opened, b.opened]);
    const third = await send('GET', '/api/events');
    expect(third.status).toBe(503);
    expect(third.headers['retry-after']).toBe('30');
    a.close();
    await sleep(100);
    const again = openStream(port);
    await again.opened;
    expect(again.status).toBe(200);
    b.close();
    again.close();
  });

  it('ends open streams when the server closes', async () => {
    const { server, port } = await start();
    const s = openStream(port);
    await s.opened;
    servers = servers.filter((x) => x !== server);
    await new Promise((resolve) => server.close(resolve));
    expect(s.status).toBe(200);
  });
});
