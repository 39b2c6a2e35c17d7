// The VS Code webview's transport: requests and events travel by postMessage to the extension
// host, which answers with `answerWebviewMessage` from protocol.ts.
import { hostMessageSchema, parseEvent, parseResult, type Params, type RequestName, type Result } from './protocol';
import { TransportError, type Transport, type TransportListener } from './transport';

interface VsCodeApi {
  postMessage(message: unknown): void;
}

declare global {
  // Injected by VS Code into every webview; callable once per page.
  function acquireVsCodeApi(): VsCodeApi;
}

const REQUEST_TIMEOUT_MS = 60_000;

interface Pending {
  method: RequestName;
  resolve(value: unknown): void;
  reject(err: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

export class VsCodeTransport implements Transport {
  readonly kind = 'vscode';
  private readonly api: VsCodeApi;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<TransportListener>();
  private nextId = 1;

  constructor() {
    this.api = acquireVsCodeApi();
    window.addEventListener('message', (e: MessageEvent) => this.receive(e.data));
  }

  request<K extends RequestName>(method: K, params: Params<K>): Promise<Result<K>> {
    const id = this.nextId++;
    return new Promise<Result<K>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new TransportError(`the editor did not answer ${method}`));
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(id, { method, resolve: resolve as (v: unknown) => void, reject, timer });
      this.api.postMessage({ kind: 'request', id, method, params });
    });
  }

  subscribe(listener: TransportListener): () => void {
    this.listeners.add(listener);
    // The host is in-process: there is no stream to open, events simply start arriving.
    listener.connection('live');
    return () => this.listeners.delete(listener);
  }

  private receive(raw: unknown): void {
    const parsed = hostMessageSchema.safeParse(raw);
    // Other senders (VS Code itself, extensions' own messages) share the channel: ignore them.
    if (!parsed.success) return;
    const msg = parsed.data;
    if (msg.kind === 'event') {
      try {
        const event = parseEvent(msg.name, msg.data);
        if (event) for (const l of this.listeners) l.event(event);
      } catch (err) {
        console.warn(`ignored a malformed ${msg.name} event:`, err instanceof Error ? err.message : err);
      }
      return;
    }
    const waiting = this.pending.get(msg.id);
    if (!waiting) return;
    this.pending.delete(msg.id);
    clearTimeout(waiting.timer);
    if (!msg.ok) {
      waiting.reject(new TransportError(msg.error.message, msg.error.status));
      return;
    }
    try {
      waiting.resolve(parseResult(waiting.method, msg.result));
    } catch (err) {
      waiting.reject(new TransportError(`unexpected reply to ${waiting.method}: ${err instanceof Error ? err.message : String(err)}`));
    }
  }
}
