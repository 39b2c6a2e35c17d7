// Status marks shared by the board and the task view: a glyph for the eye, a word for everyone.
import { css, html, type TemplateResult } from 'lit';
import { phaseLabel } from '../format';
import type { Phase } from '../../../src/core/model';

const GLYPHS: Record<string, string> = {
  success: '✓',
  passed: '✓',
  completed: '✓',
  approved: '✓',
  failed: '✗',
  test_failed: '✗',
  deploy_failed: '✗',
  policy_blocked: '✗',
  rejected: '✗',
  timed_out: '✗',
  interrupted: '✗',
  aborted: '✗',
  skipped: '–',
  cancelled: '–',
  withdrawn: '–',
  expired: '–',
  pending: '◷',
  awaiting_approval: '◷',
  waiting: '○',
};

export function glyph(status: string): string {
  return GLYPHS[status] ?? '●';
}

/** A pill with the status word; in-progress phases share the "running" colour. */
export function statusBadge(status: Phase | string): TemplateResult {
  return html`<span class="badge s-${status}"><span aria-hidden="true">${glyph(status)}</span> ${phaseLabel(status as Phase)}</span>`;
}

export const statusStyles = css`
  .badge {
    display: inline-flex;
    align-items: center;
    gap: 4px;
    padding: 0 7px;
    border-radius: 9px;
    border: 1px solid var(--status, var(--rig-running));
    color: var(--status, var(--rig-running));
    font-size: 0.85em;
    line-height: 1.5;
    white-space: nowrap;
  }
`;
