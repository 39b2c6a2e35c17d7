// The four DORA numbers over the server's window (30 days).
import { css, html, LitElement, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { nanos } from '../format';
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
    return html`<section class="panel" aria-labelledby="dora-title">
      <h2 id="dora-title">Last 30 days</h2>
      <dl>
        <div><dt>Deploys per day</dt><dd>${value(d.deploy_frequency, (n) => n.toFixed(n < 10 ? 2 : 0))}</dd></div>
        <div><dt>Lead time</dt><dd>${value(d.lead_time, nanos)}</dd></div>
        <div><dt>Time to restore</dt><dd>${value(d.mttr, nanos)}</dd></div>
        <div><dt>Change failure rate</dt><dd>${value(d.change_failure_rate, (n) => `${n.toFixed(1)}%`)}</dd></div>
      </dl>
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'rig-dora-panel': DoraPanel;
  }
}
