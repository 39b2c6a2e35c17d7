// What the UI needs from its host, whichever it is: ask (request/result) and listen (events).
// The browser implementation speaks HTTP + SSE (transport-http.ts), the VS Code one postMessage
// (transport-vscode.ts); everything above this interface is the same code in both.
import type { HostEvent, Params, RequestName, Result } from './protocol';

export type ConnectionState = 'connecting' | 'live' | 'reconnecting';

export interface TransportListener {
  event(e: HostEvent): void;
  /** The event stream's state; `live` after `reconnecting` means events may have been missed. */
  connection(state: ConnectionState): void;
}

export interface Transport {
  readonly kind: 'http' | 'vscode';
  request<K extends RequestName>(method: K, params: Params<K>): Promise<Result<K>>;
  /** Starts the event stream; returns a function that stops it. */
  subscribe(listener: TransportListener): () => void;
  /** Only HTTP has credentials of its own; in VS Code the host is already trusted. */
  readonly auth?: ApiKeyStore;
}

export interface ApiKeyStore {
  has(): boolean;
  set(key: string): void;
  clear(): void;
}

/** A failed request, with an HTTP-like status so the UI can tell "needs a key" from "broken". */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'TransportError';
  }

  get needsKey(): boolean {
    return this.status === 401;
  }
}
