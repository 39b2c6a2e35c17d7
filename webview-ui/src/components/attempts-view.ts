// Each try at the issue, oldest first: what the AI changed and what deploy and tests said of it.
import { css, html, LitElement, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { Attempt, CommandOutcome, TestOutcome } from '../../../src/core/model';
import { between, clock, shortTime, stepDuration } from '../format';
import { base } from '../theme';
import { statusBadge, statusStyles } from './status';

@customElement('rig-attempts-view')
export class AttemptsView extends LitElement {
  static override styles = [
    base,
    statusStyles,
    css`
      ol.timeline {
        position: relative;
        padding-left: 18px;
      }
      ol.timeline::before {
        content: '';
        position: absolute;
        left: 5px;
        top: 6px;
        bottom: 6px;
        width: 1px;
        background: var(--rig-strong-border);
      }
      li.attempt {
        position: relative;
        padding-bottom: 14px;
      }
      li.attempt::before {
        content: '';
        position: absolute;
        left: -17px;
        top: 5px;
        width: 9px;
        height: 9px;
        border-radius: 50%;
        background: var(--status, var(--rig-running));
      }
      .head {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 4px 10px;
      }
      .head h4 {
        font-size: 1em;
      }
      .when {
        color: var(--rig-muted);
        font-size: 0.9em;
      }
      .reason {
        margin: 6px 0 0;
      }
      dl {
        display: grid;
        grid-template-columns: max-content 1fr;
        gap: 3px 12px;
        margin: 6px 0 0;
      }
      dt {
        color: var(--rig-muted);
      }
      dd {
        margin: 0;
        word-break: break-word;
      }
      .files {
        display: flex;
        flex-wrap: wrap;
        gap: 4px 10px;
      }
      .outcomes {
        margin-top: 6px;
        display: grid;
        gap: 4px;
      }
      .outcome summary,
      .outcome .line {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 4px 10px;
      }
      .outcome .body {
        margin: 4px 0 6px 1.2em;
        display: grid;
        gap: 4px;
      }
      .cmd {
        color: var(--rig-muted);
      }
    `,
  ];

  @property({ attribute: false }) attempts: Attempt[] = [];

  override render() {
    if (this.attempts.length === 0) return html`<p class="muted">No attempt yet: the AI has not changed any code.</p>`;
    return html`<ol class="timeline" aria-label="Attempts">
      ${this.attempts.map((a) => this.renderAttempt(a))}
    </ol>`;
  }

  private renderAttempt(a: Attempt) {
    const outcome = a.outcome ?? 'running';
    const ms = between(a.startedAt, a.endedAt);
    return html`<li class="attempt s-${outcome}" data-attempt=${a.number}>
      <div class="head">
        <h4>Attempt ${a.number}</h4>
        ${a.outcome ? statusBadge(a.outcome) : statusBadge('running')}
        <span class="when" title=${clock(a.startedAt)}>${shortTime(a.startedAt)}${ms !== undefined ? ` · ${stepDuration(ms)}` : ''}</span>
      </div>
      ${a.reason ? html`<p class="reason">${a.reason}</p>` : nothing}
      <dl>
        <dt>Files</dt>
        <dd>
          ${a.filesChanged.length ? html`<span class="files">${a.filesChanged.map((f) => html`<code>${f}</code>`)}</span>` : html`<span class="muted">none</span>`}
        </dd>
        ${a.commit ? html`<dt>Commit</dt><dd><code title=${a.commit}>${a.commit.slice(0, 12)}</code></dd>` : nothing}
      </dl>
      ${a.deploy ? this.renderDeploy(a.deploy.success, a.deploy.commands) : nothing}
      ${a.tests?.length ? this.renderTests(a.tests) : nothing}
    </li>`;
  }

  private renderDeploy(success: boolean, commands: CommandOutcome[]) {
    return html`<div class="outcomes" aria-label="Deploy">
      <div class="line">Deploy ${statusBadge(success ? 'success' : 'failed')}</div>
      ${commands.map((c) => this.renderCommand(c.name, c.exitCode === 0 && !c.timedOut ? 'success' : 'failed', c))}
    </div>`;
  }

  private renderTests(tests: TestOutcome[]) {
    return html`<div class="outcomes" aria-label="Tests">
      ${tests.map((t) => this.renderCommand(`test ${t.name}`, t.status, t.result, t.reason))}
    </div>`;
  }

  private renderCommand(label: string, status: string, result: CommandOutcome | undefined, reason?: string) {
    const summary = html`<span>${label}</span>${statusBadge(status)}
      ${result ? html`<span class="when">${exitText(result)} · ${stepDuration(result.durationMs)}</span>` : nothing}
      ${reason ? html`<span class="when">${reason}</span>` : nothing}`;
    if (!result) return html`<div class="outcome"><div class="line">${summary}</div></div>`;
    return html`<details class="outcome" ?open=${status === 'failed'}>
      <summary>${summary}</summary>
      <div class="body">
        <code class="cmd">$ ${result.command}</code>
        ${result.output ? html`<pre>${result.output}</pre>` : html`<span class="muted">no output</span>`}
      </div>
    </details>`;
  }
}

function exitText(c: CommandOutcome): string {
  if (c.timedOut) return 'timed out';
  if (c.signal) return `killed by ${c.signal}`;
  return c.exitCode === null ? 'no exit code' : `exit ${c.exitCode}`;
}

declare global {
  interface HTMLElementTagNameMap {
    'rig-attempts-view': AttemptsView;
  }
}
