// What the AI cost this task: totals, then each call as billed.
import { css, html, LitElement, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { AiCallRecord, Usage } from '../../../src/core/model';
import { cost, shortTime, tokens } from '../format';
import { base } from '../theme';

@customElement('rig-usage-view')
export class UsageView extends LitElement {
  static override styles = [
    base,
    css`
      dl {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(90px, 1fr));
        gap: 8px;
        margin: 0 0 8px;
      }
      dl div {
        display: flex;
        flex-direction: column-reverse;
      }
      dt {
        color: var(--rig-muted);
        font-size: 0.9em;
      }
      dd {
        margin: 0;
        font-size: 1.15em;
        font-variant-numeric: tabular-nums;
      }
      table {
        width: 100%;
        border-collapse: collapse;
        margin-top: 6px;
        font-variant-numeric: tabular-nums;
      }
      th,
      td {
        text-align: right;
        padding: 2px 6px;
        border-bottom: 1px solid var(--rig-border);
      }
      th:nth-child(-n + 3),
      td:nth-child(-n + 3) {
        text-align: left;
      }
      th {
        color: var(--rig-muted);
        font-weight: normal;
      }
    `,
  ];

  @property({ attribute: false }) usage!: Usage;
  @property({ attribute: false }) calls: AiCallRecord[] = [];

  override render() {
    const u = this.usage;
    return html`
      <dl>
        <div><dt>Cost</dt><dd>${cost(u.costUsd)}</dd></div>
        <div><dt>Calls</dt><dd>${u.calls}</dd></div>
        <div><dt>Input tokens</dt><dd title=${String(u.inputTokens)}>${tokens(u.inputTokens)}</dd></div>
        <div><dt>Output tokens</dt><dd title=${String(u.outputTokens)}>${tokens(u.outputTokens)}</dd></div>
        <div><dt>Cache read</dt><dd title=${String(u.cacheReadTokens)}>${tokens(u.cacheReadTokens)}</dd></div>
        <div><dt>Cache written</dt><dd title=${String(u.cacheWriteTokens)}>${tokens(u.cacheWriteTokens)}</dd></div>
      </dl>
      ${this.calls.length
        ? html`<details>
            <summary>Each call (${this.calls.length})</summary>
            <table>
              <thead>
                <tr><th scope="col">Time</th><th scope="col">Purpose</th><th scope="col">Model</th><th scope="col">In</th><th scope="col">Out</th><th scope="col">Cost</th></tr>
              </thead>
              <tbody>
                ${this.calls.map(
                  (c) => html`<tr>
                    <td>${shortTime(c.at)}</td>
                    <td>${c.purpose}</td>
                    <td>${c.model}</td>
                    <td>${tokens(c.inputTokens)}</td>
                    <td>${tokens(c.outputTokens)}</td>
                    <td>${cost(c.costUsd)}</td>
                  </tr>`,
                )}
              </tbody>
            </table>
          </details>`
        : nothing}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'rig-usage-view': UsageView;
  }
}
