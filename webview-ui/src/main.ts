// Entry point, the same bundle in the browser and in a VS Code webview: only the transport is
// chosen here, by whether VS Code injected its messaging API into the page.
import './components/rig-app';
import { Store } from './store';
import { applyDocumentTheme } from './theme';
import type { Transport } from './transport';
import { HttpTransport } from './transport-http';
import { VsCodeTransport } from './transport-vscode';

const inEditor = typeof acquireVsCodeApi === 'function';
const transport: Transport = inEditor ? new VsCodeTransport() : new HttpTransport();
applyDocumentTheme(inEditor);

const store = new Store(transport);
const app = document.createElement('rig-app');
app.store = store;
document.body.append(app);
store.start();
