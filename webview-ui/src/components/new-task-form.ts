// Start a task from an issue URL. One click is one task: the button stays disabled until the
// host has answered, since a second POST would start a second run of the same issue.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { VscodeSingleSelect } from '@vscode-elements/elements/dist/vscode-single-select/vscode-single-select.js';
import type { VscodeTextfield } from '@vscode-elements/elements/dist/vscode-textfield/vscode-textfield.js';
import { css, html, LitElement, nothing } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { href } from '../routes';
import { StoreController, type Store } from '../store';
import { base } from '../theme';

const ISSUE_URL = /^https?:\/\/[^/\s]+\/([^/\s]+)\/([^/\s]+)\/issues\/\d+\/?$/;

@customElement('rig-new-task-form')
export class NewTaskForm extends LitElement {
  static override styles = [
    base,
    css`
      form {
        max-width: 640px;
        display: grid;
        gap: 14px;
      }
      .field {
        display: grid;
        gap: 4px;
      }
      vscode-textfield,
      vscode-single-select {
        width: 100%;
      }
      .hint {
        color: var(--rig-muted);
        font-size: 0.9em;
        margin: 0;
      }
      .invalid {
        color: var(--rig-failed);
        margin: 0;
      }
      .actions {
        display: flex;
        gap: 10px;
        align-items: center;
      }
      h2 {
        margin-bottom: 4px;
      }
    `,
  ];

  @property({ attribute: false }) store!: Store;
  @state() private problem: string | undefined;
  @query('#issue-url') private urlField!: VscodeTextfield;
  @query('#project') private projectField: VscodeSingleSelect | undefined;
  private controller: StoreController | undefined;

  override connectedCallback(): void {
    super.connectedCallback();
    this.controller ??= new StoreController(this, this.store);
  }

  override render() {
    const s = this.store;
    const busy = s.isBusy('create');
    const chosen = s.project || s.projects[0]?.name || '';
    return html`<form class="panel" novalidate @submit=${this.submit} aria-labelledby="new-title">
      <div>
        <h2 id="new-title">New task</h2>
        <p class="hint">Rig plans and codes the change in its own worktree, deploys and tests it, and opens a pull request.</p>
      </div>
      <div class="field">
        <vscode-label for="issue-url" required>Issue URL</vscode-label>
        <vscode-textfield
          id="issue-url"
          name="issue_url"
          type="url"
          required
          placeholder="https://github.com/owner/repo/issues/42"
          ?invalid=${!!this.problem}
          ?disabled=${busy}
          @input=${this.onUrlInput}
        ></vscode-textfield>
        ${this.problem ? html`<p class="invalid" role="alert">${this.problem}</p>` : nothing}
      </div>
      ${s.projects.length
        ? html`<div class="field">
            <vscode-label for="project">Project</vscode-label>
            <vscode-single-select id="project" name="project" ?disabled=${busy}>
              ${s.projects.map((p) => html`<vscode-option value=${p.name} description=${p.repo} ?selected=${p.name === chosen}>${p.name}</vscode-option>`)}
            </vscode-single-select>
            <p class="hint">The project whose rig.yaml runs the task; its repository must be the issue's.</p>
          </div>`
        : nothing}
      <div class="actions">
        <vscode-button type="submit" ?disabled=${busy}>Start task</vscode-button>
        <a href=${href({ name: 'board' })}>Back to tasks</a>
        ${busy ? html`<span class="muted" role="status">Starting…</span>` : nothing}
      </div>
    </form>`;
  }

  /** Pasting an issue of a known repository picks that repository's project. */
  private onUrlInput(): void {
    this.problem = undefined;
    const m = ISSUE_URL.exec(this.urlField.value.trim());
    if (!m || !this.projectField) return;
    const repo = `${m[1]}/${m[2]}`.toLowerCase();
    const matches = this.store.projects.filter((p) => p.repo.toLowerCase() === repo);
    if (matches.length === 1) this.projectField.value = matches[0]!.name;
  }

  private async submit(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    if (this.store.isBusy('create')) return;
    const url = this.urlField.value.trim();
    if (!ISSUE_URL.test(url)) {
      this.problem = url ? 'That is not an issue URL: expected https://HOST/OWNER/REPO/issues/NUMBER.' : 'Paste the URL of the issue to work on.';
      this.urlField.focus();
      return;
    }
    const project = this.projectField?.value || undefined;
    const started = await this.store.createTask(url, project);
    if (!started.ok) return;
    this.urlField.value = '';
    location.hash = started.id ? href({ name: 'task', id: started.id }) : href({ name: 'board' });
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'rig-new-task-form': NewTaskForm;
  }
}
