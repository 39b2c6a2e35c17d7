// Asked for only when the server answers 401. The key is typed by the user, kept for this tab
// only, and sent as a header (as a query parameter only for the event stream, which cannot
// carry headers).
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { VscodeTextfield } from '@vscode-elements/elements/dist/vscode-textfield/vscode-textfield.js';
import { css, html, LitElement } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import type { Store } from '../store';
import { base } from '../theme';

@customElement('rig-api-key-form')
export class ApiKeyForm extends LitElement {
  static override styles = [
    base,
    css`
      form {
        max-width: 480px;
        display: grid;
        gap: 10px;
      }
      p {
        margin: 0;
      }
      vscode-textfield {
        width: 100%;
      }
    `,
  ];

  @property({ attribute: false }) store!: Store;
  @state() private sending = false;
  @query('#api-key') private field!: VscodeTextfield;

  override render() {
    return html`<form class="panel" @submit=${this.submit} aria-labelledby="key-title">
      <h2 id="key-title">API key needed</h2>
      <p class="muted">This Rig server asks for its API key (<code>server.api_key</code> in rig.yaml). It is kept in this browser tab only.</p>
      <vscode-label for="api-key">API key</vscode-label>
      <vscode-textfield id="api-key" type="password" autocomplete="off" required ?disabled=${this.sending}></vscode-textfield>
      <div><vscode-button type="submit" ?disabled=${this.sending}>Connect</vscode-button></div>
    </form>`;
  }

  private async submit(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    const key = this.field.value.trim();
    if (!key || this.sending) return;
    this.sending = true;
    try {
      await this.store.setApiKey(key);
    } finally {
      this.sending = false;
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'rig-api-key-form': ApiKeyForm;
  }
}
