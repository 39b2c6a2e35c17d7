// Plays VS Code's part for the end-to-end test: injects `acquireVsCodeApi` before the UI loads
// and answers its postMessage requests the way the extension host will, through
// `answerWebviewMessage`. Behind it the answers come from the test's fake API over HTTP, so the
// page under test really runs on the postMessage transport, envelopes and validation included.
import { answerWebviewMessage, eventMessage, requests, type RequestHandlers, type RequestName } from '../src/protocol';
import { HttpTransport } from '../src/transport-http';

// Messages cross the webview boundary as JSON, never as shared objects.
const across = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
const deliver = (msg: unknown) => window.postMessage(across(msg), '*');

const backend = new HttpTransport();
const handlers = Object.fromEntries(
  (Object.keys(requests) as RequestName[]).map((name) => [name, (params: never) => backend.request(name, params)]),
) as unknown as RequestHandlers;

let acquired = false;
// Read by the test: proof that the page's requests came through this host, not over HTTP.
const counter = globalThis as { rigHostAnswered?: number };
counter.rigHostAnswered = 0;
(globalThis as { acquireVsCodeApi?: unknown }).acquireVsCodeApi = () => {
  // VS Code allows one call per page; a second one would be a bug in the UI.
  if (acquired) throw new Error('acquireVsCodeApi called twice');
  acquired = true;
  backend.subscribe({
    event: (e) => deliver(eventMessage(e.name, e.data as never)),
    connection: () => undefined,
  });
  return {
    postMessage(message: unknown) {
      void answerWebviewMessage(handlers, across(message)).then((reply) => {
        if (!reply) return;
        counter.rigHostAnswered! += 1;
        deliver(reply);
      });
    },
    getState: () => undefined,
    setState: () => undefined,
  };
};
