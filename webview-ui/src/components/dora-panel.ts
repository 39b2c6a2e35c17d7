// The four DORA numbers over the host's window (30 days unless configured). Durations are
// medians: one task stuck for a week should not hide a team's usual day.
import { css, html, LitElement, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { duration } from '../format';
import type { DoraMetrics } from '../protocol';
import { base } from '../theme';

function value(n: number | null | undefined, show: (n: number) => string): string {
  return n === null || n === undefined || !Number.isFinite(n) ? '—' : show(n);
}

@customElement('rig-dora-panel')
export class DoraPanel extends LitElement {
  static override styles = [
    base,
    css`
      section {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 8px 28px;
        padding: 8px 14px;
      }
      h2 {
        font-size: 0.95em;
        text-transform: uppercase;
        letter-spacing: 0.05em;
        color: var(--rig-muted);
      }
      dl {
        display: flex;
        flex-wrap: wrap;
        gap: 8px 28px;
        margin: 0;
      }
      dl div {
        display: flex;
        flex-direction: column-reverse;
      }
      dt {
        color: var(--rig-muted);
        font-size: 0.85em;
      }
      .open {
        color: var(--rig-failed);
      }
      dd {
        margin: 0;
        font-size: 1.2em;
        font-variant-numeric: tabular-nums;
      }
    `,
  ];

  @property({ attribute: false }) dora: DoraMetrics | undefined;

  override render() {
    const d = this.dora;
    if (!d) return nothing;
    const open = d.timeToRestore.openIncidents;
    return html`<section class="panel" aria-labelledby="dora-title">
      <h2 id="dora-title">Last ${d.windowDays} days</h2>
      <dl>
        <div><dt>Deploys per day</dt><dd title=${`${d.deployments} deployments`}>${value(d.deploymentsPerDay, (n) => n.toFixed(n < 10 ? 2 : 0))}</dd></div>
        <div><dt>Lead time (median)</dt><dd title=${`${d.leadTime.samples} completed tasks`}>${value(d.leadTime.medianMs, duration)}</dd></div>
        <div>
          <dt>Time to restore (median)${open ? html` · <span class="open">${open} open</span>` : nothing}</dt>
          <dd title=${`${d.timeToRestore.samples} incidents restored`}>${value(d.timeToRestore.medianMs, duration)}</dd>
        </div>
        <div>
          <dt>Change failure rate</dt>
          <dd title=${`${d.changeFailure.failed} of ${d.changeFailure.decided} deployments`}>${value(d.changeFailure.percent, (n) => `${n.toFixed(1)}%`)}</dd>
        </div>
      </dl>
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'rig-dora-panel': DoraPanel;
  }
}
