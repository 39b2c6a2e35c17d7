// The board: every task of the selected project, in the four places a person looks for them.
import { css, html, LitElement, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import { cost, elapsed, groupOf, isTerminal, type BoardGroup } from '../format';
import type { TaskSummary } from '../protocol';
import { href } from '../routes';
import { StoreController, type Store } from '../store';
import { base } from '../theme';
import { Ticker } from '../ticker';
import { statusBadge, statusStyles } from './status';

const GROUPS: Array<{ key: BoardGroup; title: string; empty: string }> = [
  { key: 'running', title: 'Running', empty: 'Nothing is running.' },
  { key: 'awaiting', title: 'Awaiting approval', empty: 'No decisions waiting.' },
  { key: 'failed', title: 'Failed', empty: 'No failures.' },
  { key: 'completed', title: 'Completed', empty: 'Nothing completed yet.' },
];

@customElement('rig-task-board')
export class TaskBoard extends LitElement {
  static override styles = [
    base,
    statusStyles,
    css`
      .groups {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(250px, 1fr));
        gap: 14px;
        align-items: start;
      }
      section h2 {
        display: flex;
        align-items: baseline;
        gap: 6px;
        margin-bottom: 8px;
        font-size: 0.95em;
        text-transform: uppercase;
        letter-spacing: 0.05em;
        color: var(--rig-muted);
      }
      .count {
        font-weight: normal;
      }
      ul {
        display: flex;
        flex-direction: column;
        gap: 8px;
      }
      li.card {
        position: relative;
        padding: 9px 11px;
        background: var(--rig-surface);
        border: 1px solid var(--rig-border);
        border-left: 3px solid var(--status, var(--rig-running));
        border-radius: 3px;
      }
      li.card:hover {
        background: var(--rig-hover);
      }
      .title {
        display: block;
        color: var(--rig-fg);
        font-weight: 600;
        word-break: break-word;
      }
      /* The whole card opens the task; the PR link stays clickable above it. */
      .title::after {
        content: '';
        position: absolute;
        inset: 0;
      }
      .meta {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 4px 10px;
        margin-top: 6px;
        color: var(--rig-muted);
        font-size: 0.9em;
      }
      .meta a {
        position: relative;
      }
      .note {
        margin: 6px 0 0;
        font-size: 0.9em;
        color: var(--rig-muted);
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      .empty {
        color: var(--rig-muted);
        font-style: italic;
        padding: 4px 2px;
      }
      .welcome p {
        margin: 0 0 6px;
      }
    `,
  ];

  @property({ attribute: false }) store!: Store;
  private controller: StoreController | undefined;
  private readonly ticker = new Ticker(this, () => this.store.visibleTasks().some((t) => !isTerminal(t.status) && t.status !== 'awaiting_approval'));

  override connectedCallback(): void {
    super.connectedCallback();
    this.controller ??= new StoreController(this, this.store);
  }

  override render() {
    const s = this.store;
    if (!s.loaded) return s.loadError ? nothing : html`<p class="muted" role="status">Loading tasks…</p>`;
    const tasks = s.visibleTasks();
    if (tasks.length === 0) {
      return html`<div class="panel welcome">
        <h2>No tasks${s.project ? ` in ${s.project}` : ''} yet</h2>
        <p>Rig turns a GitHub issue into a tested pull request. Start with an issue's URL: <a href=${href({ name: 'new' })}>New task</a>.</p>
        <p class="muted">Tasks started from the command line, a webhook or the editor appear here too, as they happen.</p>
      </div>`;
    }
    return html`<div class="groups">
      ${GROUPS.map((g) => {
        const items = tasks.filter((t) => groupOf(t.status) === g.key);
        return html`<section aria-labelledby="h-${g.key}" data-group=${g.key}>
          <h2 id="h-${g.key}">${g.title} <span class="count">(${items.length})</span></h2>
          ${items.length === 0
            ? html`<p class="empty">${g.empty}</p>`
            : html`<ul>
                ${repeat(
                  items,
                  (t) => t.id,
                  (t) => this.renderCard(t),
                )}
              </ul>`}
        </section>`;
      })}
    </div>`;
  }

  private renderCard(t: TaskSummary) {
    const proposal = this.store.proposals.get(t.id);
    const reason = t.status !== 'completed' && t.status_reason ? t.status_reason.split('\n')[0] : undefined;
    return html`<li class="card s-${t.status}" data-task-id=${t.id}>
      <a class="title" href=${href({ name: 'task', id: t.id })}>#${t.issue.number} ${t.issue.title}</a>
      <div class="meta">
        ${statusBadge(t.status)}
        <span title="Elapsed time"><span class="sr-only">Elapsed </span>${elapsed(t.created_at, t.finished_at, this.ticker.now)}</span>
        <span>${t.issue.owner}/${t.issue.repo}</span>
        ${t.attempts > 1 ? html`<span>${t.attempts} attempts</span>` : nothing}
        ${t.usage.costUsd > 0 ? html`<span title="AI cost">${cost(t.usage.costUsd)}</span>` : nothing}
        ${t.pr ? html`<a href=${t.pr.url} target="_blank" rel="noopener noreferrer">PR #${t.pr.number}</a>` : nothing}
      </div>
      ${proposal ? html`<p class="note" title=${proposal.summary}>Proposal: ${proposal.summary}</p>` : reason ? html`<p class="note" title=${reason}>${reason}</p>` : nothing}
    </li>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'rig-task-board': TaskBoard;
  }
}
