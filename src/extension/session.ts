import { existsSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { EngineEvent, Task } from '../core/model';
import type { Workspace } from '../runtime/workspace';
import { loadRuntime } from './runtime';
import { githubApiUrlSetting, silentGitHubToken, storedAiKey } from './credentials';

/**
 * The repository the extension works on, opened the first time something needs it. Opening runs
 * git and reads credentials, which activation must not do, and the engine, GitHub and AI clients
 * come with it, so `../runtime/workspace` is imported only here, on demand.
 */
export class RigSession implements vscode.Disposable {
  private opening: Promise<Workspace> | undefined;
  private readonly unsubscribes: (() => void)[] = [];
  private readonly events = new vscode.EventEmitter<EngineEvent>();
  /** Engine events of this process: tasks started here, and their logs. */
  readonly onEvent = this.events.event;

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** The first folder of the window: Rig works on one repository at a time. */
  get folder(): string | undefined {
    return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  }

  /** A cheap look at the folder (no git): does it have a rig.yaml at its top? */
  hasConfigFile(): boolean {
    const folder = this.folder;
    return !!folder && existsSync(path.join(folder, 'rig.yaml'));
  }

  workspace(): Promise<Workspace> {
    if (!this.opening) {
      this.opening = this.open();
      // A failed open (no git repository yet) is retried next time rather than remembered.
      this.opening.catch(() => (this.opening = undefined));
    }
    return this.opening;
  }

  /**
   * Credentials or rig.yaml changed: the next workspace() reads them again. Tasks already running
   * keep their engine and keep reporting through onEvent.
   */
  invalidate(): void {
    this.opening = undefined;
  }

  async tasks(): Promise<Task[]> {
    if (!this.folder) return [];
    return (await this.workspace()).store.list();
  }

  private async open(): Promise<Workspace> {
    const cwd = this.folder;
    if (!cwd) throw new Error(vscode.l10n.t('Open a folder with a git repository to use Rig.'));
    const started = Date.now();
    const { openWorkspace } = await loadRuntime();
    const apiUrl = githubApiUrlSetting();
    const env = { ...process.env, ...(apiUrl ? { GITHUB_API_URL: apiUrl } : {}) };
    const githubToken = await silentGitHubToken(this.secrets);
    let ws = await openWorkspace({ cwd, env, secrets: { githubToken } });
    // The AI key to hand over depends on the provider rig.yaml names, known only once it is read.
    const aiKey = await storedAiKey(this.secrets, ws.config?.ai?.provider ?? 'anthropic');
    if (aiKey) ws = await openWorkspace({ cwd, env, secrets: { githubToken, aiKey } });
    const engine = ws.engine();
    this.unsubscribes.push(engine.onEvent((e) => this.events.fire(e)));
    this.log.info(
      `opened ${ws.root} in ${Date.now() - started} ms; GitHub token from ${ws.endpoints.github.tokenSource}, AI key from ${ws.endpoints.ai.keySource}`,
    );
    return ws;
  }

  /** Whether any GitHub credential is known, found without prompting. */
  async hasGitHubCredentials(): Promise<boolean> {
    if (await silentGitHubToken(this.secrets)) return true;
    const ws = await this.workspace().catch(() => undefined);
    return !!ws?.endpoints.github.token || !!process.env.GITHUB_TOKEN;
  }

  dispose(): void {
    for (const off of this.unsubscribes) off();
    this.events.dispose();
  }
}
