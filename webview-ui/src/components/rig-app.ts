// The shell: header (navigation, project selector, connection), notices, and the current route.
import '@vscode-elements/elements/dist/vscode-label/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import { css, html, LitElement, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { href, parseRoute, type Route } from '../routes';
import { StoreController, type Store } from '../store';
import { base } from '../theme';
import './api-key-form';
import './dora-panel';
import './new-task-form';
import './task-board';
import './task-view';

const CONNECTION_TEXT = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…' } as const;
const VIEW_NAMES = { board: 'Task board', task: 'Task', new: 'New task' } as const;

@customElement('rig-app')
export class RigApp extends LitElement {
  static override styles = [
    base,
    css`
      :host {
        min-height: 100vh;
      }
      header {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 8px 18px;
        padding: 8px 16px;
        background: var(--rig-surface);
        border-bottom: 1px solid var(--rig-border);
      }
      header h1 {
        font-size: 1.1em;
        letter-spacing: 0.04em;
      }
      nav ul {
        display: flex;
        gap: 14px;
      }
      nav a[aria-current='page'] {
        color: var(--rig-fg);
        font-weight: 600;
      }
      .project {
        display: flex;
        align-items: center;
        gap: 6px;
        margin-left: auto;
      }
      .project vscode-single-select {
        width: 200px;
      }
      .conn {
        display: inline-flex;
        align-items: center;
        gap: 5px;
        color: var(--rig-muted);
      }
      .dot {
        width: 8px;
        height: 8px;
        border-radius: 50%;
        background: var(--rig-waiting);
      }
      .conn.live .dot {
        background: var(--rig-success);
      }
      main {
        outline: none;
        padding: 14px 16px 32px;
        max-width: 1280px;
      }
      .notices {
        position: fixed;
        right: 16px;
        bottom: 16px;
        display: flex;
        flex-direction: column;
        gap: 6px;
        z-index: 10;
        max-width: min(420px, calc(100vw - 32px));
      }
      .notice {
        display: flex;
        gap: 10px;
        align-items: start;
        padding: 8px 10px;
        background: var(--rig-raised);
        border: 1px solid var(--rig-strong-border);
        border-left: 3px solid var(--rig-success);
        border-radius: 3px;
        box-shadow: 0 2px 8px rgba(0, 0, 0, 0.36);
      }
      .notice.error {
        border-left-color: var(--rig-failed);
      }
      .notice p {
        margin: 0;
        flex: 1;
        word-break: break-word;
      }
      .notice button {
        background: none;
        border: none;
        color: var(--rig-muted);
        cursor: pointer;
        font: inherit;
      }
      .load-error {
        margin-bottom: 12px;
      }
      .stack > * + * {
        margin-top: 14px;
      }
    `,
  ];

  @property({ attribute: false }) store!: Store;
  @state() private route: Route = parseRoute(location.hash);
  private controller: StoreController | undefined;
  private readonly onHash = () => this.navigate(parseRoute(location.hash));

  override connectedCallback(): void {
    super.connectedCallback();
    this.controller ??= new StoreController(this, this.store);
    window.addEventListener('hashchange', this.onHash);
    this.navigate(this.route);
  }

  override disconnectedCallback(): void {
    window.removeEventListener('hashchange', this.onHash);
    super.disconnectedCallback();
  }

  private navigate(route: Route): void {
    const moved = this.route !== route;
    this.route = route;
    if (route.name === 'task') void this.store.openTask(route.id);
    else if (this.store.detailId) this.store.closeTask();
    // A screen reader follows focus: after a navigation it belongs on the new view, not on the
    // link that has just disappeared.
    if (moved) void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>('main')?.focus());
  }

  override updated(): void {
    const t = this.store.detail;
    document.title =
      this.route.name === 'task' && t?.id === this.route.id
        ? `#${t.issue.number} ${t.issue.title} · Rig`
        : this.route.name === 'new'
          ? 'New task · Rig'
          : 'Tasks · Rig';
  }

  override render() {
    const s = this.store;
    return html`
      <header>
        <h1>Rig</h1>
        <nav aria-label="Main">
          <ul>
            <li><a href=${href({ name: 'board' })} aria-current=${this.route.name === 'board' ? 'page' : nothing}>Tasks</a></li>
            <li><a href=${href({ name: 'new' })} aria-current=${this.route.name === 'new' ? 'page' : nothing}>New task</a></li>
          </ul>
        </nav>
        ${s.projects.length > 0 ? this.renderProjectSelector() : nothing}
        <span class="conn ${s.connection}" role="status"><span class="dot" aria-hidden="true"></span>${CONNECTION_TEXT[s.connection]}</span>
      </header>
      <main tabindex="-1" aria-label=${VIEW_NAMES[this.route.name]}>${s.needsKey ? html`<rig-api-key-form .store=${s}></rig-api-key-form>` : this.renderRoute()}</main>
      <div class="notices" role="log" aria-live="polite" aria-label="Notifications">
        ${s.notices.map(
          (n) => html`<div class="notice ${n.kind}" role=${n.kind === 'error' ? 'alert' : nothing}>
            <p>${n.text}</p>
            <button type="button" aria-label="Dismiss" @click=${() => s.dismiss(n.id)}>✕</button>
          </div>`,
        )}
      </div>
    `;
  }

  private renderProjectSelector() {
    const s = this.store;
    return html`<div class="project">
      <vscode-label for="project-filter">Project</vscode-label>
      <vscode-single-select id="project-filter" @change=${(e: Event) => s.setProject((e.target as HTMLSelectElement).value)}>
        <vscode-option value="" ?selected=${s.project === ''}>All projects</vscode-option>
        ${s.projects.map((p) => html`<vscode-option value=${p.name} ?selected=${s.project === p.name} description=${p.repo}>${p.name}</vscode-option>`)}
      </vscode-single-select>
    </div>`;
  }

  private renderRoute() {
    const s = this.store;
    const loadError = s.loadError ? html`<p class="error load-error" role="alert">The tasks could not be loaded: ${s.loadError}</p>` : nothing;
    switch (this.route.name) {
      case 'task':
        return html`<rig-task-view .store=${s} taskId=${this.route.id}></rig-task-view>`;
      case 'new':
        return html`${loadError}<rig-new-task-form .store=${s}></rig-new-task-form>`;
      case 'board':
        return html`<div class="stack">${loadError}<rig-dora-panel .dora=${s.dora}></rig-dora-panel><rig-task-board .store=${s}></rig-task-board></div>`;
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'rig-app': RigApp;
  }
}
