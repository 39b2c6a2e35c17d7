import crypto from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EngineEvent } from '../../core/model';
import type { Redactor } from '../../core/redact';
import type { Project } from '../contracts';
import { HttpError } from '../http/errors';
import { redactDeep } from '../http/redact-deep';
import { logEntryJson, taskDetailJson } from './task-json';

export interface EventHubOptions {
  /** Events kept for clients that reconnect with Last-Event-ID. */
  bufferSize?: number;
  heartbeatMs?: number;
  maxClients?: number;
  /** A client this far behind is dropped rather than buffered without end. */
  maxBufferedBytes?: number;
}

interface BufferedEvent {
  seq: number;
  project: string;
  taskId: string;
  /** The whole SSE frame, rendered once for every client. */
  frame: string;
}

interface Client {
  res: ServerResponse;
  project?: string;
  taskId?: string;
}

export interface EventFilter {
  project?: string;
  taskId?: string;
}

/**
 * Server-Sent Events from every project's engine, pushed as they happen. Each event carries an id
 * `<epoch>-<seq>`; a bounded ring of recent events lets a client that reconnects with
 * Last-Event-ID receive what it missed. When it missed more than the ring holds, or the server
 * restarted (another epoch), it gets a `resync` event and reloads instead of silently losing events.
 */
export class EventHub {
  private readonly epoch = `${Date.now().toString(36)}${crypto.randomBytes(3).toString('hex')}`;
  private seq = 0;
  private readonly ring: BufferedEvent[] = [];
  private readonly clients = new Set<Client>();
  private readonly unsubscribes: Array<() => void> = [];
  private readonly heartbeat: NodeJS.Timeout;
  private readonly bufferSize: number;
  private readonly maxClients: number;
  private readonly maxBufferedBytes: number;

  constructor(
    projects: readonly Project[],
    private readonly redact: Redactor,
    opts: EventHubOptions = {},
  ) {
    this.bufferSize = opts.bufferSize ?? 1000;
    this.maxClients = opts.maxClients ?? 100;
    this.maxBufferedBytes = opts.maxBufferedBytes ?? 4 * 1024 * 1024;
    for (const project of projects) this.unsubscribes.push(project.engine.onEvent((event) => this.publish(project.name, event)));
    // Comments keep proxies and load balancers from closing an idle stream.
    this.heartbeat = setInterval(() => this.broadcast(': heartbeat\n\n'), opts.heartbeatMs ?? 15_000);
    this.heartbeat.unref();
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** Takes the response over as an event stream until the client goes away. */
  attach(req: IncomingMessage, res: ServerResponse, filter: EventFilter): void {
    if (this.clients.size >= this.maxClients) throw new HttpError(503, 'too many event streams open', { 'Retry-After': '30' });
    const client: Client = { res, project: filter.project, taskId: filter.taskId };
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      // nginx would otherwise buffer the stream and deliver it in lumps.
      'X-Accel-Buffering': 'no',
    });
    res.write('retry: 3000\n\n');
    const lastId = req.headers['last-event-id'];
    if (typeof lastId === 'string' && lastId) this.replay(client, lastId);
    this.clients.add(client);
    const drop = () => this.clients.delete(client);
    req.once('close', drop);
    res.once('close', drop);
    res.once('error', drop);
  }

  /** Ends every stream and stops listening to the engines (server shutdown). */
  close(): void {
    clearInterval(this.heartbeat);
    for (const off of this.unsubscribes.splice(0)) off();
    for (const client of this.clients) client.res.end();
    this.clients.clear();
  }

  private replay(client: Client, lastId: string): void {
    const m = /^([a-z0-9]+)-(\d+)$/.exec(lastId.trim());
    const oldest = this.ring[0]?.seq ?? this.seq + 1;
    const seq = m ? Number(m[2]) : NaN;
    // Seen everything kept, or more than was ever sent: either way the gap cannot be filled.
    if (!m || m[1] !== this.epoch || seq > this.seq || seq < oldest - 1) {
      const reason = m && m[1] !== this.epoch ? 'server restarted' : 'events were missed';
      client.res.write(`event: resync\ndata: ${JSON.stringify({ reason })}\n\n`);
      return;
    }
    for (const event of this.ring) if (event.seq > seq && this.wants(client, event)) client.res.write(event.frame);
  }

  private publish(project: string, event: EngineEvent): void {
    const seq = ++this.seq;
    const taskId = event.type === 'task.updated' ? event.task.id : event.taskId;
    const data =
      event.type === 'task.updated'
        ? { project, task: taskDetailJson(project, event.task) }
        : { project, task_id: event.taskId, entry: logEntryJson(event.entry) };
    const frame = `id: ${this.epoch}-${seq}\nevent: ${event.type}\ndata: ${JSON.stringify(redactDeep(data, this.redact))}\n\n`;
    const buffered: BufferedEvent = { seq, project, taskId, frame };
    this.ring.push(buffered);
    if (this.ring.length > this.bufferSize) this.ring.shift();
    for (const client of this.clients) if (this.wants(client, buffered)) this.send(client, frame);
  }

  private wants(client: Client, event: BufferedEvent): boolean {
    return (!client.project || client.project === event.project) && (!client.taskId || client.taskId === event.taskId);
  }

  private broadcast(text: string): void {
    for (const client of this.clients) this.send(client, text);
  }

  private send(client: Client, text: string): void {
    if (client.res.writableLength > this.maxBufferedBytes) {
      this.clients.delete(client);
      client.res.destroy();
      return;
    }
    client.res.write(text);
  }
}
