// A change waiting for a human: what the AI proposes, why, the files before and after, and the
// two buttons. Nothing is applied until Approve reaches the host.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import { css, html, LitElement, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { Proposal } from '../../../src/core/model';
import { clock, duration } from '../format';
import { StoreController, type Store } from '../store';
import { base } from '../theme';
import './diff-view';

const KIND_TEXT: Record<Proposal['kind'], string> = {
  infra_fix: 'Infrastructure fix after a failed deploy',
  deploy_gate: 'Deploy waiting for approval',
};

@customElement('rig-proposal-view')
export class ProposalView extends LitElement {
  static override styles = [
    base,
    css`
      .proposal {
        border-color: var(--rig-waiting);
        display: grid;
        gap: 10px;
      }
      .head {
        display: flex;
        flex-wrap: wrap;
        gap: 6px 14px;
        align-items: baseline;
      }
      .kind {
        color: var(--rig-waiting);
      }
      p {
        margin: 0;
      }
      .label {
        color: var(--rig-muted);
        margin-right: 4px;
      }
      .files-head {
        display: flex;
        align-items: center;
        gap: 10px;
      }
      .toggle {
        display: inline-flex;
        border: 1px solid var(--rig-strong-border);
        border-radius: 3px;
        overflow: hidden;
      }
      .toggle button {
        background: none;
        border: none;
        color: var(--rig-muted);
        font: inherit;
        padding: 1px 9px;
        cursor: pointer;
      }
      .toggle button[aria-pressed='true'] {
        background: var(--rig-hover);
        color: var(--rig-fg);
      }
      .files {
        display: grid;
        gap: 10px;
      }
      .actions {
        display: flex;
        gap: 8px;
        align-items: center;
      }
    `,
  ];

  @property({ attribute: false }) store!: Store;
  @property() taskId = '';
  @property({ attribute: false }) proposal!: Proposal;
  @state() private mode: 'unified' | 'split' = 'unified';
  private controller: StoreController | undefined;

  override connectedCallback(): void {
    super.connectedCallback();
    this.controller ??= new StoreController(this, this.store);
  }

  override render() {
    const p = this.proposal;
    const s = this.store;
    const deciding = s.isBusy(`approve:${this.taskId}`) || s.isBusy(`reject:${this.taskId}`);
    const left = Date.parse(p.expiresAt) - Date.now();
    return html`<section class="panel proposal" aria-labelledby="proposal-title">
      <div class="head">
        <h2 id="proposal-title">Proposal awaiting your decision</h2>
        <span class="kind">${KIND_TEXT[p.kind]}</span>
        <span class="muted" title=${clock(p.expiresAt)}>${left > 0 ? `expires in ${duration(left)}` : 'expired'}</span>
      </div>
      <p><span class="label">Summary</span>${p.summary}</p>
      <p><span class="label">Reason</span>${p.reason}</p>
      ${p.files.length
        ? html`<div class="files-head">
              <h3>Files (${p.files.length})</h3>
              <div class="toggle" role="group" aria-label="Diff layout">
                <button type="button" aria-pressed=${this.mode === 'unified'} @click=${() => (this.mode = 'unified')}>Unified</button>
                <button type="button" aria-pressed=${this.mode === 'split'} @click=${() => (this.mode = 'split')}>Side by side</button>
              </div>
            </div>
            <div class="files">${p.files.map((f) => html`<rig-diff-view .file=${f} mode=${this.mode}></rig-diff-view>`)}</div>`
        : html`<p class="muted">No file changes: approving lets the deploy go ahead.</p>`}
      <div class="actions">
        <vscode-button ?disabled=${deciding} @click=${() => this.decide('approve')}>Approve</vscode-button>
        <vscode-button secondary ?disabled=${deciding} @click=${() => this.decide('reject')}>Reject</vscode-button>
        ${deciding ? html`<span class="muted" role="status">Sending…</span>` : nothing}
      </div>
    </section>`;
  }

  private decide(choice: 'approve' | 'reject'): void {
    void (choice === 'approve' ? this.store.approve(this.taskId) : this.store.reject(this.taskId));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'rig-proposal-view': ProposalView;
  }
}
