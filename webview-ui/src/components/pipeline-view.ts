// The pipeline stage by stage: a strip with where the task is, then every step as it was lived
// (a retry runs deploy and test again, so one stage can hold several steps).
import { css, html, LitElement, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { Phase, PipelineStep } from '../../../src/core/model';
import { between, clock, isTerminal, phaseLabel, shortTime, stepDuration } from '../format';
import type { TaskDetail } from '../protocol';
import { base } from '../theme';
import { glyph, statusStyles } from './status';

const MAIN_STAGES: Phase[] = ['planning', 'coding', 'committing', 'deploying', 'testing', 'reporting'];

interface Stage {
  phase: Phase;
  status: PipelineStep['status'] | 'waiting';
  runs: number;
  ms: number | undefined;
}

function stagesOf(task: TaskDetail): Stage[] {
  // Stages in the order the task lived them: an approval can come before a deploy (the gate) or
  // after a failed one (an infrastructure fix). Main stages not reached yet take their usual place.
  const order: Phase[] = [];
  for (const step of task.pipeline) if (!order.includes(step.phase)) order.push(step.phase);
  for (const phase of MAIN_STAGES) {
    if (order.includes(phase)) continue;
    const rank = MAIN_STAGES.indexOf(phase);
    let at = 0;
    order.forEach((p, i) => {
      const r = MAIN_STAGES.indexOf(p);
      if (r !== -1 && r < rank) at = i + 1;
    });
    // An approval or a rollback lived after that stage stays next to it.
    while (at < order.length && !MAIN_STAGES.includes(order[at]!)) at++;
    order.splice(at, 0, phase);
  }
  return order
    .filter((phase) => phase !== 'queued')
    .map((phase) => {
      const steps = task.pipeline.filter((s) => s.phase === phase);
      const last = steps[steps.length - 1];
      const status = last ? last.status : isTerminal(task.status) ? 'skipped' : 'waiting';
      return { phase, status, runs: steps.length, ms: last ? between(last.startedAt, last.endedAt) : undefined };
    });
}

@customElement('rig-pipeline-view')
export class PipelineView extends LitElement {
  static override styles = [
    base,
    statusStyles,
    css`
      ol.stages {
        display: flex;
        flex-wrap: wrap;
        gap: 6px;
        margin-bottom: 14px;
        counter-reset: stage;
      }
      .stage {
        flex: 1 1 110px;
        min-width: 110px;
        padding: 7px 9px;
        border: 1px solid var(--rig-border);
        border-top: 3px solid var(--status, var(--rig-strong-border));
        border-radius: 3px;
        background: var(--rig-raised);
      }
      .stage.s-waiting {
        opacity: 0.6;
      }
      .stage[aria-current='step'] {
        box-shadow: inset 0 0 0 1px var(--rig-running);
      }
      .stage .name {
        display: flex;
        gap: 5px;
        font-weight: 600;
        text-transform: capitalize;
      }
      .stage .name [aria-hidden] {
        color: var(--status, var(--rig-muted));
      }
      .stage .time {
        color: var(--rig-muted);
        font-size: 0.9em;
      }
      .s-running .glyph {
        animation: pulse 1.2s ease-in-out infinite;
      }
      @keyframes pulse {
        50% {
          opacity: 0.3;
        }
      }
      @media (prefers-reduced-motion: reduce) {
        .s-running .glyph {
          animation: none;
        }
      }
      h3 {
        margin: 0 0 6px;
      }
      ul.steps > li {
        border-bottom: 1px solid var(--rig-border);
      }
      .row {
        display: grid;
        grid-template-columns: 1.2em 12em 4em 5.5em 6em;
        gap: 8px;
        align-items: baseline;
        padding: 4px 2px;
      }
      summary.row {
        list-style: none;
      }
      summary.row::-webkit-details-marker {
        display: none;
      }
      .row .glyph {
        color: var(--status, var(--rig-muted));
      }
      .row .phase {
        text-transform: capitalize;
      }
      .row .num {
        color: var(--rig-muted);
        font-variant-numeric: tabular-nums;
      }
      .more::after {
        content: ' ▸';
        color: var(--rig-muted);
      }
      details[open] .more::after {
        content: ' ▾';
      }
      .body {
        padding: 0 0 10px 1.8em;
        display: grid;
        gap: 6px;
      }
    `,
  ];

  @property({ attribute: false }) task!: TaskDetail;
  @property({ type: Number }) now = Date.now();

  override render() {
    const t = this.task;
    const stages = stagesOf(t);
    return html`
      <ol class="stages" aria-label="Pipeline stages">
        ${stages.map(
          (s) => html`<li class="stage s-${s.status}" aria-current=${s.status === 'running' ? 'step' : nothing} data-stage=${s.phase} data-status=${s.status}>
            <div class="name"><span class="glyph" aria-hidden="true">${s.status === 'waiting' ? glyph('waiting') : glyph(s.status)}</span>${phaseLabel(s.phase)}</div>
            <div class="time">
              ${s.status}${s.ms !== undefined ? html` · ${stepDuration(s.ms)}` : nothing}${s.runs > 1 ? html` · ${s.runs} runs` : nothing}
            </div>
          </li>`,
        )}
      </ol>
      <h3>Steps</h3>
      ${t.pipeline.length === 0
        ? html`<p class="muted">No step has started yet.</p>`
        : html`<ul class="steps" aria-label="Pipeline steps">
            ${t.pipeline.map((step) => html`<li>${this.renderStep(step)}</li>`)}
          </ul>`}
    `;
  }

  private renderStep(step: PipelineStep) {
    const ms = step.endedAt ? between(step.startedAt, step.endedAt)! : this.now - Date.parse(step.startedAt);
    const row = (more: boolean) => html`
      <span class="glyph s-${step.status}" aria-hidden="true">${glyph(step.status)}</span>
      <span class="phase ${more ? 'more' : ''}">${phaseLabel(step.phase)}</span>
      <span class="num">try ${step.attempt}</span>
      <span class="num" title=${step.endedAt ? 'Duration' : 'Running for'}>${stepDuration(ms)}</span>
      <span class="num" title=${clock(step.startedAt)}>${shortTime(step.startedAt)}</span>
      <span class="sr-only">${step.status}</span>
    `;
    if (!step.output && !step.error) return html`<div class="row s-${step.status}">${row(false)}</div>`;
    return html`<details ?open=${step.status === 'failed'}>
      <summary class="row s-${step.status}">${row(true)}</summary>
      <div class="body">
        ${step.error ? html`<div class="error">${step.error}</div>` : nothing}
        ${step.output ? html`<pre>${step.output}</pre>` : nothing}
      </div>
    </details>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'rig-pipeline-view': PipelineView;
  }
}
