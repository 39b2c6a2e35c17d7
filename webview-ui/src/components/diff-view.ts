// One file of a proposal, before against after: unified (like `git diff`) or side by side.
import { css, html, LitElement, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { ProposalFile } from '../../../src/core/model';
import { diffLines, diffStats, toHunks, toSplitRows, type DiffLine } from '../diff';
import { base } from '../theme';

@customElement('rig-diff-view')
export class DiffView extends LitElement {
  static override styles = [
    base,
    css`
      .file {
        border: 1px solid var(--rig-border);
        border-radius: 3px;
        overflow: hidden;
      }
      .file-head {
        display: flex;
        flex-wrap: wrap;
        gap: 4px 12px;
        align-items: center;
        padding: 5px 10px;
        background: var(--rig-raised);
        border-bottom: 1px solid var(--rig-border);
      }
      .file-head code {
        font-weight: 600;
      }
      .plus {
        color: var(--rig-added-fg);
      }
      .minus {
        color: var(--rig-removed-fg);
      }
      .scroll {
        overflow-x: auto;
        max-height: 32em;
      }
      table {
        width: 100%;
        border-collapse: collapse;
        font-family: var(--rig-mono);
        font-size: var(--rig-mono-size);
        line-height: 1.5;
      }
      td {
        padding: 0 8px;
        vertical-align: top;
        white-space: pre-wrap;
        word-break: break-all;
      }
      td.no {
        width: 1%;
        min-width: 3.5em;
        text-align: right;
        color: var(--rig-muted);
        user-select: none;
        white-space: nowrap;
      }
      td.mark {
        width: 1%;
        padding: 0 2px;
        user-select: none;
      }
      tr.add td,
      td.add {
        background: var(--rig-added-bg);
      }
      tr.del td,
      td.del {
        background: var(--rig-removed-bg);
      }
      tr.hunk td {
        color: var(--rig-muted);
        background: var(--rig-surface);
        padding: 2px 8px;
      }
      .split td.text {
        width: 49%;
      }
      .split td.no.right {
        border-left: 1px solid var(--rig-border);
      }
      .same-file {
        padding: 6px 10px;
      }
    `,
  ];

  @property({ attribute: false }) file!: ProposalFile;
  @property() mode: 'unified' | 'split' = 'unified';

  override render() {
    const f = this.file;
    const lines = diffLines(f.before, f.after);
    const { added, removed } = diffStats(lines);
    const hunks = toHunks(lines);
    return html`<section class="file" aria-label=${`Changes to ${f.path}`}>
      <div class="file-head">
        <code>${f.path}</code>
        ${f.before === '' ? html`<span class="muted">new file</span>` : f.after === '' ? html`<span class="muted">deleted</span>` : nothing}
        <span class="plus" aria-label=${`${added} lines added`}>+${added}</span>
        <span class="minus" aria-label=${`${removed} lines removed`}>−${removed}</span>
      </div>
      ${hunks.length === 0
        ? html`<p class="same-file muted">No change in this file.</p>`
        : html`<div class="scroll">${this.mode === 'split' ? this.renderSplit(hunks) : this.renderUnified(hunks)}</div>`}
    </section>`;
  }

  private renderUnified(hunks: ReturnType<typeof toHunks>) {
    return html`<table class="unified">
      <thead class="sr-only">
        <tr><th>Line before</th><th>Line after</th><th>Change</th><th>Text</th></tr>
      </thead>
      <tbody>
        ${hunks.map(
          (h) => html`<tr class="hunk"><td colspan="4">@@ −${h.oldStart} +${h.newStart} @@</td></tr>
            ${h.lines.map(
              (l) => html`<tr class=${l.kind}>
                <td class="no">${l.oldNo ?? ''}</td>
                <td class="no">${l.newNo ?? ''}</td>
                <td class="mark">${markOf(l)}</td>
                <td class="text">${l.text}</td>
              </tr>`,
            )}`,
        )}
      </tbody>
    </table>`;
  }

  private renderSplit(hunks: ReturnType<typeof toHunks>) {
    const cell = (l: DiffLine | undefined, side: 'left' | 'right') => {
      const no = side === 'left' ? l?.oldNo : l?.newNo;
      const kind = l && l.kind !== 'same' ? l.kind : '';
      return html`<td class="no ${side}">${no ?? ''}</td><td class="text ${kind}">${l ? html`<span class="sr-only">${kind === 'add' ? 'added: ' : kind === 'del' ? 'removed: ' : ''}</span>${l.text}` : ''}</td>`;
    };
    return html`<table class="split">
      <thead class="sr-only">
        <tr><th>Line before</th><th>Before</th><th>Line after</th><th>After</th></tr>
      </thead>
      <tbody>
        ${hunks.map(
          (h) => html`<tr class="hunk"><td colspan="4">@@ −${h.oldStart} +${h.newStart} @@</td></tr>
            ${toSplitRows(h.lines).map((r) => html`<tr>${cell(r.left, 'left')}${cell(r.right, 'right')}</tr>`)}`,
        )}
      </tbody>
    </table>`;
  }
}

function markOf(l: DiffLine) {
  if (l.kind === 'add') return html`<span aria-hidden="true">+</span><span class="sr-only">added</span>`;
  if (l.kind === 'del') return html`<span aria-hidden="true">−</span><span class="sr-only">removed</span>`;
  return '';
}

declare global {
  interface HTMLElementTagNameMap {
    'rig-diff-view': DiffView;
  }
}
