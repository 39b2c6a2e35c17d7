// The browser's transport: `rig web` serves this page and its REST API + SSE from one origin.
// URLs are relative to the page so the dashboard also works behind a path prefix.
import { doraFrom, listFrom, logEntriesFrom, logLineFrom, taskEventFrom, taskFrom } from './api-json';
import { parseEvent, parseResult, type EventName, type Params, type RequestName, type Result } from './protocol';
import { TransportError, type ApiKeyStore, type Transport, type TransportListener } from './transport';

type Route = {
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
  /** From the REST JSON to the protocol's shape; validation follows. */
  decode?: (body: unknown) => unknown;
  /** A 404 that means "nothing", answered with this value instead of an error. */
  empty404?: unknown;
};

const seg = encodeURIComponent;

/** Each protocol request as the REST API spells it. */
function route<K extends RequestName>(name: K, params: Params<K>): Route {
  const p = params as Record<string, string | number | undefined>;
  const id = seg(String(p.id ?? p.taskId ?? ''));
  switch (name) {
    case 'tasks/list':
      return { method: 'GET', path: 'api/tasks', decode: (b) => listFrom(b, 'tasks') };
    case 'tasks/get':
      return { method: 'GET', path: `api/tasks/${id}`, decode: taskFrom };
    case 'tasks/logs':
      return { method: 'GET', path: `api/tasks/${id}/logs${p.after ? `?after=${p.after}` : ''}`, decode: logEntriesFrom };
    case 'tasks/create':
      return { method: 'POST', path: 'api/tasks', body: params };
    case 'tasks/retry':
      return { method: 'POST', path: `api/tasks/${id}/retry` };
    case 'tasks/cancel':
      return { method: 'POST', path: `api/tasks/${id}/cancel` };
    case 'projects/list':
      return { method: 'GET', path: 'api/projects', decode: (b) => listFrom(b, 'projects') };
    case 'proposals/list':
      return p.taskId
        ? { method: 'GET', path: `api/proposals/${id}`, decode: proposalsFrom, empty404: [] }
        : { method: 'GET', path: 'api/proposals', decode: proposalsFrom };
    case 'proposals/approve':
      return { method: 'POST', path: `api/approve/${id}` };
    case 'proposals/reject':
      return { method: 'POST', path: `api/reject/${id}` };
    case 'metrics/dora':
      return { method: 'GET', path: 'api/metrics/dora', decode: doraFrom };
  }
  throw new TransportError(`unknown request ${String(name)}`);
}

/** One proposal or a list, bare or wrapped: all mean "the proposals". */
function proposalsFrom(body: unknown): unknown {
  const list = listFrom(body, 'proposals');
  return list && typeof list === 'object' && !Array.isArray(list) ? [list] : list;
}

/** SSE event names and how each payload becomes the protocol's. */
const STREAM_EVENTS: Array<[EventName, (data: unknown) => unknown]> = [
  ['task.updated', taskEventFrom],
  ['log.line', logLineFrom],
  ['resync', (data) => data],
];

const KEY_SLOT = 'rig.apiKey';
const REQUEST_TIMEOUT_MS = 30_000;
const RETRY_DELAYS_MS = [1_000, 2_000, 5_000, 10_000, 30_000];

/**
 * The API key lives in sessionStorage, never in the page: the server does not put it in the HTML,
 * the user types it once per browser tab.
 */
class SessionKeyStore implements ApiKeyStore {
  private memory: string | undefined;

  constructor(private readonly onChange: () => void) {
    try {
      this.memory = sessionStorage.getItem(KEY_SLOT) ?? undefined;
    } catch {
      // Storage can be disabled (privacy settings); the key then lasts as long as the page.
    }
  }

  get value(): string | undefined {
    return this.memory;
  }

  has(): boolean {
    return !!this.memory;
  }

  set(key: string): void {
    this.memory = key;
    try {
      sessionStorage.setItem(KEY_SLOT, key);
    } catch {
      /* see constructor */
    }
    this.onChange();
  }

  clear(): void {
    this.memory = undefined;
    try {
      sessionStorage.removeItem(KEY_SLOT);
    } catch {
      /* see constructor */
    }
    this.onChange();
  }
}

export class HttpTransport implements Transport {
  readonly kind = 'http';
  readonly auth: SessionKeyStore;
  private listener: TransportListener | undefined;
  private stream: EventSource | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private failures = 0;

  constructor(private readonly base: string = document.baseURI) {
    // A new key must reach the event stream too, which carries it in its URL.
    this.auth = new SessionKeyStore(() => this.listener && this.openStream());
  }

  async request<K extends RequestName>(method: K, params: Params<K>): Promise<Result<K>> {
    const r = route(method, params);
    const headers: Record<string, string> = { Accept: 'application/json' };
    // Every POST carries JSON, even an empty object: a server that demands it (a cross-site
    // form cannot send it) must not refuse the dashboard's own approve and cancel.
    if (r.method === 'POST') headers['Content-Type'] = 'application/json';
    if (this.auth.value) headers.Authorization = `Bearer ${this.auth.value}`;
    let res: Response;
    try {
      res = await fetch(new URL(r.path, this.base), {
        method: r.method,
        headers,
        body: r.method === 'POST' ? JSON.stringify(r.body ?? {}) : undefined,
        credentials: 'same-origin',
        cache: 'no-store',
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (err) {
      throw new TransportError(`the server cannot be reached (${err instanceof Error ? err.message : String(err)})`);
    }
    if (r.empty404 !== undefined && res.status === 404) return parseResult(method, r.empty404);
    const body = await readBody(res);
    if (!res.ok) throw new TransportError(errorText(res, body), res.status);
    try {
      return parseResult(method, r.decode ? r.decode(body) : body);
    } catch (err) {
      throw new TransportError(`unexpected reply to ${method}: ${err instanceof Error ? err.message : String(err)}`, res.status);
    }
  }

  subscribe(listener: TransportListener): () => void {
    this.listener = listener;
    this.openStream();
    return () => {
      this.listener = undefined;
      this.closeStream();
    };
  }

  private openStream(): void {
    this.closeStream();
    const listener = this.listener;
    if (!listener) return;
    const url = new URL('api/events', this.base);
    // EventSource cannot send headers: SSE is the one place the API accepts the key in the query.
    if (this.auth.value) url.searchParams.set('api_key', this.auth.value);
    listener.connection(this.failures ? 'reconnecting' : 'connecting');
    const es = new EventSource(url);
    this.stream = es;
    es.onopen = () => {
      this.failures = 0;
      listener.connection('live');
    };
    es.onerror = () => {
      listener.connection('reconnecting');
      // The browser retries a dropped stream itself, but gives up for good on an HTTP error
      // (401, 503…): from then on the retries are ours, spaced out.
      if (es.readyState === EventSource.CLOSED) {
        this.closeStream();
        const delay = RETRY_DELAYS_MS[Math.min(this.failures, RETRY_DELAYS_MS.length - 1)]!;
        this.failures++;
        this.retryTimer = setTimeout(() => this.openStream(), delay);
      }
    };
    for (const [name, decode] of STREAM_EVENTS) {
      es.addEventListener(name, (msg) => {
        try {
          const event = parseEvent(name, decode(JSON.parse((msg as MessageEvent<string>).data)));
          if (event) listener.event(event);
        } catch (err) {
          // One malformed event must not stop the stream; the next refresh repairs the view.
          console.warn(`ignored a malformed ${name} event:`, err instanceof Error ? err.message : err);
        }
      });
    }
  }

  private closeStream(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.stream?.close();
    this.stream = undefined;
  }
}

async function readBody(res: Response): Promise<unknown> {
  const text = await res.text();
  if (!text) return null;
  if (!(res.headers.get('content-type') ?? '').includes('json')) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function errorText(res: Response, body: unknown): string {
  if (body && typeof body === 'object') {
    const o = body as Record<string, unknown>;
    const message = o.error ?? o.message;
    if (typeof message === 'string') return message;
    if (message && typeof message === 'object' && typeof (message as { message?: unknown }).message === 'string') {
      return (message as { message: string }).message;
    }
  }
  if (typeof body === 'string' && body.length > 0 && body.length < 300) return body;
  return `${res.status} ${res.statusText || 'error'}`;
}
