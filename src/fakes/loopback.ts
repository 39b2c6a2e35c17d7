// What the loopback stand-ins for the model APIs (Anthropic, OpenAI, Ollama) share: the part of
// being a server that does not depend on the API. What differs, routes, checks and error bodies,
// stays in each fake, since matching the real API's wire format there is the point of the fake.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeHandler = (req: http.IncomingMessage, raw: string, res: http.ServerResponse) => Promise<void>;

export interface LoopbackServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Serves `handle` on an ephemeral port of 127.0.0.1, each request with its whole body read. A
 * handler that throws is answered by `fail`, in the API's own error shape, while nothing has been
 * sent yet; once a reply has started, the connection is dropped as a server breaking mid-reply would.
 */
export async function startLoopbackServer(handle: FakeHandler, fail: (res: http.ServerResponse, message: string) => void): Promise<LoopbackServer> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void handle(req, Buffer.concat(chunks).toString('utf8'), res).catch((err: unknown) => {
        if (!res.headersSent) fail(res, `fake server failure: ${(err as Error).message}`);
        else res.destroy();
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Replies in order; a request past the end makes the script throw, which the fakes answer with a 400 that names the problem. */
export function scriptedSequence<Req, Reply>(replies: Array<Reply | ((request: Req) => Reply)>): (request: Req, callIndex: number) => Reply {
  return (request, callIndex) => {
    const reply = replies[callIndex];
    if (!reply) throw new Error(`the script has ${replies.length} replies but request ${callIndex + 1} arrived`);
    return typeof reply === 'function' ? (reply as (request: Req) => Reply)(request) : reply;
  };
}

/** Undefined for a body that is not JSON: each API refuses that in its own words, after recording the request. */
export function parseJsonBody(raw: string): any {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

export function header(headers: http.IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Headers as tests see them: a credential header is only said to be present, so no key ends up in a test's output. */
export function maskedHeaders(headers: http.IncomingHttpHeaders, credentials: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    out[k] = credentials.includes(k) ? '[present]' : Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/** Splits on code points so no chunk carries half a surrogate pair. */
export function split(text: string, parts: number): string[] {
  const chars = Array.from(text);
  if (chars.length === 0) return [];
  const size = Math.ceil(chars.length / parts);
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += size) out.push(chars.slice(i, i + size).join(''));
  return out;
}

export function write(res: http.ServerResponse, chunk: string): Promise<void> {
  return new Promise((resolve) => res.write(chunk, () => resolve()));
}

/**
 * Writes a stream's frames one at a time, so the client sees a reply arrive in pieces. `stopAfter`
 * ends it early (a reply cut off or failing mid-stream); `delayMs` before each frame lets a test act
 * while the reply is in flight. False when the client went away meanwhile.
 */
export async function writeFrames(res: http.ServerResponse, frames: string[], pace: { stopAfter?: number; delayMs?: number }): Promise<boolean> {
  for (const frame of frames.slice(0, pace.stopAfter ?? frames.length)) {
    if (pace.delayMs) await new Promise((r) => setTimeout(r, pace.delayMs));
    if (res.destroyed) return false;
    await write(res, frame);
  }
  return true;
}

/** A JSON body sent whole or, for a reply that never finishes, half of it before the connection drops. */
export function endBody(res: http.ServerResponse, body: string, cut: boolean): void {
  if (cut) res.write(body.slice(0, Math.floor(body.length / 2)), () => res.socket?.destroy());
  else res.end(body);
}
