// One task in full: where it stands, the pipeline, the attempts, the pending decision, the cost.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import { css, html, LitElement, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { clock, elapsed, isTerminal, shortTime } from '../format';
import type { TaskDetail } from '../protocol';
import { href } from '../routes';
import { StoreController, type Store } from '../store';
import { base } from '../theme';
import { Ticker } from '../ticker';
import './attempts-view';
import './pipeline-view';
import './proposal-view';
import { statusBadge, statusStyles } from './status';
import './usage-view';

@customElement('rig-task-view')
export class TaskView extends LitElement {
  static override styles = [
    base,
    statusStyles,
    css`
      .stack > * + * {
        margin-top: 14px;
      }
      .back {
        display: inline-block;
        margin-bottom: 8px;
      }
      .title {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 6px 12px;
      }
      .title h2 {
        font-size: 1.35em;
        word-break: break-word;
      }
      .meta {
        display: flex;
        flex-wrap: wrap;
        gap: 4px 16px;
        margin-top: 6px;
        color: var(--rig-muted);
      }
      .actions {
        display: flex;
        gap: 8px;
        margin-top: 10px;
      }
      .pr {
        font-weight: 600;
      }
      .columns {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(320px, 1fr));
        gap: 14px;
        align-items: start;
      }
      section.panel > h3 {
        margin-bottom: 10px;
      }
      .plan ol {
        list-style: decimal;
        padding-left: 1.4em;
        margin-top: 6px;
      }
      .plan p {
        margin: 0;
      }
      .history li {
        display: flex;
        flex-wrap: wrap;
        gap: 4px 10px;
        align-items: baseline;
        padding: 3px 0;
      }
      pre.log {
        max-height: 18em;
      }
      .lvl-warn {
        color: var(--rig-waiting);
      }
      .lvl-error {
        color: var(--rig-failed);
      }
    `,
  ];

  @property({ attribute: false }) store!: Store;
  @property() taskId = '';
  private controller: StoreController | undefined;
  private readonly ticker = new Ticker(this, () => !!this.store.detail && !isTerminal(this.store.detail.status));

  override connectedCallback(): void {
    super.connectedCallback();
    this.controller ??= new StoreController(this, this.store);
  }

  override render() {
    const s = this.store;
    const back = html`<a class="back" href=${href({ name: 'board' })}>← All tasks</a>`;
    if (s.detailError) return html`${back}<p class="error" role="alert">${s.detailError}</p>`;
    const t = s.detail;
    if (!t || t.id !== this.taskId) return html`${back}<p class="muted" role="status">Loading task…</p>`;
    const pending = t.proposals.find((p) => p.status === 'pending');
    const decided = t.proposals.filter((p) => p.status !== 'pending');
    return html`<article class="stack" aria-labelledby="task-title">
      <header>
        ${back}
        <div class="title">
          <h2 id="task-title">#${t.issue.number} ${t.issue.title}</h2>
          ${statusBadge(t.status)}
        </div>
        <div class="meta">
          <a href=${t.issue.url} target="_blank" rel="noopener noreferrer">${t.issue.owner}/${t.issue.repo}#${t.issue.number}</a>
          <span>branch <code>${t.branch}</code> from <code>${t.baseBranch}</code></span>
          <span title=${`Started ${clock(t.createdAt)}`}>${isTerminal(t.status) ? 'took' : 'running for'} ${elapsed(t.createdAt, t.finishedAt, this.ticker.now)}</span>
          <span class="muted">${t.id}</span>
          ${t.pr ? html`<a class="pr" href=${t.pr.url} target="_blank" rel="noopener noreferrer">Pull request #${t.pr.number}${t.pr.draft ? ' (draft)' : ''}</a>` : nothing}
        </div>
        ${this.renderActions(t)}
      </header>
      ${t.statusReason && t.status !== 'completed' ? html`<div class="error" role=${t.status === 'failed' ? 'alert' : nothing}>${t.statusReason}</div>` : nothing}
      ${pending ? html`<rig-proposal-view .store=${s} taskId=${t.id} .proposal=${pending}></rig-proposal-view>` : nothing}
      <section class="panel" aria-labelledby="pipeline-title">
        <h3 id="pipeline-title">Pipeline</h3>
        <rig-pipeline-view .task=${t} .now=${this.ticker.now}></rig-pipeline-view>
      </section>
      <div class="columns">
        <section class="panel" aria-labelledby="attempts-title">
          <h3 id="attempts-title">Attempts</h3>
          <rig-attempts-view .attempts=${t.attempts}></rig-attempts-view>
        </section>
        <div class="stack">
          ${t.plan
            ? html`<section class="panel plan" aria-labelledby="plan-title">
                <h3 id="plan-title">Plan</h3>
                <p>${t.plan.summary}</p>
                ${t.plan.steps.length ? html`<ol>${t.plan.steps.map((step) => html`<li>${step}</li>`)}</ol>` : nothing}
              </section>`
            : nothing}
          <section class="panel" aria-labelledby="usage-title">
            <h3 id="usage-title">AI usage</h3>
            <rig-usage-view .usage=${t.usage} .calls=${t.aiCalls ?? []}></rig-usage-view>
          </section>
          ${decided.length
            ? html`<section class="panel" aria-labelledby="decided-title">
                <h3 id="decided-title">Earlier proposals</h3>
                <ul class="history">
                  ${decided.map(
                    (p) => html`<li>${statusBadge(p.status)}<span>${p.summary}</span>${p.decidedBy ? html`<span class="muted">by ${p.decidedBy}</span>` : nothing}</li>`,
                  )}
                </ul>
              </section>`
            : nothing}
        </div>
      </div>
      ${this.renderLog(t)}
    </article>`;
  }

  private renderActions(t: TaskDetail) {
    const s = this.store;
    const canCancel = !isTerminal(t.status);
    const canRetry = isTerminal(t.status) && t.status !== 'completed';
    if (!canCancel && !canRetry) return nothing;
    return html`<div class="actions">
      ${canCancel
        ? html`<vscode-button secondary ?disabled=${s.isBusy(`cancel:${t.id}`)} @click=${() => void s.cancel(t.id)}>Cancel task</vscode-button>`
        : nothing}
      ${canRetry ? html`<vscode-button ?disabled=${s.isBusy(`retry:${t.id}`)} @click=${() => void s.retry(t.id)}>Retry</vscode-button>` : nothing}
    </div>`;
  }

  private renderLog(t: TaskDetail) {
    const lines = this.store.log;
    if (lines.length === 0 && isTerminal(t.status)) return nothing;
    return html`<section class="panel" aria-labelledby="log-title">
      <h3 id="log-title">Log</h3>
      ${lines.length === 0
        ? html`<p class="muted">Lines appear here as the task prints them.</p>`
        : html`<pre class="log" role="log" aria-live="off">${lines.map(
            (l) => html`<span class="lvl-${l.level}">${shortTime(l.time)} ${l.level.toUpperCase().padEnd(5)} ${l.phase ? `[${l.phase}] ` : ''}${l.message}</span>\n`,
          )}</pre>`}
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'rig-task-view': TaskView;
  }
}
