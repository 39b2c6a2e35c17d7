// The UI's state and the only code that talks to the transport. Components read it and call its
// actions; it announces every change with one `change` event, which is plenty at this size.
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { LogEntry } from '../../src/core/model';
import { isTerminal } from './format';
import {
  proposalSummaryOf,
  summaryOf,
  type DoraMetrics,
  type HostEvent,
  type Params,
  type ProjectInfo,
  type ProposalSummary,
  type RequestName,
  type Result,
  type TaskDetail,
  type TaskSummary,
} from './protocol';
import { TransportError, type ConnectionState, type Transport } from './transport';

const LOG_LIMIT = 1000;

export interface Notice {
  id: number;
  kind: 'info' | 'error';
  text: string;
}

export class Store extends EventTarget {
  tasks = new Map<string, TaskSummary>();
  /** Pending proposals by task id. */
  proposals = new Map<string, ProposalSummary>();
  projects: ProjectInfo[] = [];
  /** Selected project name; empty = every project. */
  project = '';
  dora: DoraMetrics | undefined;
  connection: ConnectionState = 'connecting';
  loaded = false;
  needsKey = false;
  /** Why the board could not load; cleared by the next successful load. */
  loadError: string | undefined;
  detail: TaskDetail | undefined;
  detailId: string | undefined;
  detailError: string | undefined;
  log: LogEntry[] = [];
  /** Actions in flight, as "approve:<taskId>": buttons stay disabled so nothing is sent twice. */
  busy = new Set<string>();
  notices: Notice[] = [];
  private noticeSeq = 0;
  /** The "key refused" notice, withdrawn once a key works. */
  private keyRefused: number | undefined;
  private unsubscribe: (() => void) | undefined;
  private doraTimer: ReturnType<typeof setTimeout> | undefined;
  private loading: Promise<void> | undefined;

  constructor(readonly transport: Transport) {
    super();
  }

  start(): void {
    this.unsubscribe = this.transport.subscribe({
      event: (e) => this.onEvent(e),
      connection: (state) => {
        const missedEvents = state === 'live' && this.connection === 'reconnecting';
        this.connection = state;
        this.changed();
        if (missedEvents) void this.refresh();
      },
    });
    void this.refresh();
  }

  stop(): void {
    this.unsubscribe?.();
    clearTimeout(this.doraTimer);
  }

  /** Reloads everything the board shows, and the open task. Concurrent calls share one load. */
  refresh(): Promise<void> {
    this.loading ??= this.load().finally(() => (this.loading = undefined));
    return this.loading;
  }

  private async load(): Promise<void> {
    try {
      const [tasks, projects, proposals, dora] = await Promise.all([
        this.transport.request('tasks/list', {}),
        this.transport.request('projects/list', {}),
        this.transport.request('proposals/list', {}),
        // DORA is a nicety: the board must not fail because the metrics cannot be computed.
        this.transport.request('metrics/dora', {}).catch((err: unknown) => {
          if (err instanceof TransportError && err.needsKey) throw err;
          return undefined;
        }),
      ]);
      this.tasks = new Map(tasks.map((t) => [t.id, t]));
      this.projects = projects;
      if (this.project && !projects.some((p) => p.name === this.project)) this.project = '';
      this.proposals = new Map(proposals.filter((p) => p.status === 'pending').map((p) => [p.task_id, p]));
      this.dora = dora;
      this.needsKey = false;
      this.loadError = undefined;
      this.loaded = true;
    } catch (err) {
      this.needsKey = err instanceof TransportError && err.needsKey;
      this.loadError = this.needsKey ? undefined : messageOf(err);
    }
    this.changed();
    if (this.detailId && !this.needsKey) await this.loadDetail(this.detailId);
  }

  visibleTasks(): TaskSummary[] {
    const all = [...this.tasks.values()];
    const selected = this.projects.find((p) => p.name === this.project);
    // The server names each task's project; a host that does not is matched by repository.
    const inProject = (t: TaskSummary) =>
      t.project !== undefined ? t.project === selected!.name : `${t.issue.owner}/${t.issue.repo}`.toLowerCase() === selected!.repo.toLowerCase();
    const shown = selected ? all.filter(inProject) : all;
    return shown.sort((a, b) => b.updated_at.localeCompare(a.updated_at));
  }

  setProject(name: string): void {
    this.project = name;
    this.changed();
  }

  async setApiKey(key: string): Promise<void> {
    this.transport.auth?.set(key);
    await this.refresh();
    if (this.keyRefused) this.dismiss(this.keyRefused);
    this.keyRefused = this.needsKey ? this.notify('error', 'The server did not accept that API key.') : undefined;
  }

  async openTask(id: string): Promise<void> {
    if (this.detailId !== id) {
      this.detailId = id;
      this.detail = undefined;
      this.log = [];
    }
    this.detailError = undefined;
    this.changed();
    await this.loadDetail(id);
  }

  closeTask(): void {
    this.detailId = undefined;
    this.detail = undefined;
    this.detailError = undefined;
    this.log = [];
    this.changed();
  }

  private async loadDetail(id: string): Promise<void> {
    try {
      const [task] = await Promise.all([this.transport.request('tasks/get', { id }), this.loadLog(id)]);
      if (this.detailId === id) {
        this.acceptTask(task);
        this.changed();
      }
    } catch (err) {
      if (this.detailId !== id) return;
      if (err instanceof TransportError && err.needsKey) this.needsKey = true;
      else this.detailError = err instanceof TransportError && err.status === 404 ? `There is no task ${id}.` : messageOf(err);
      this.changed();
    }
  }

  /** The open task's log: what is not shown yet, so a reload after a gap only fetches the gap. */
  private async loadLog(id: string): Promise<void> {
    const after = this.log[this.log.length - 1]?.seq;
    let entries: LogEntry[];
    try {
      entries = await this.transport.request('tasks/logs', after === undefined ? { id } : { id, after });
    } catch (err) {
      // Without its history the log still fills from live lines; only a missing key matters here.
      if (err instanceof TransportError && err.needsKey) throw err;
      return;
    }
    if (this.detailId === id) this.appendLog(entries);
  }

  private appendLog(entries: LogEntry[]): void {
    const last = this.log[this.log.length - 1]?.seq ?? -1;
    // A reconnecting stream, or history loaded while lines streamed in, may repeat lines.
    const fresh = entries.filter((e) => e.seq > last);
    if (fresh.length) this.log = [...this.log, ...fresh].slice(-LOG_LIMIT);
  }

  /** Starts a task; false when it did not start (the reason is already shown as a notice). */
  async createTask(issueUrl: string, project: string | undefined): Promise<{ ok: boolean; id?: string }> {
    const outcome = await this.act('create', 'tasks/create', { issue_url: issueUrl, ...(project ? { project } : {}) }, 'Task created.');
    if (!outcome.ok) return { ok: false };
    const id = pickId(outcome.result);
    if (id && !this.tasks.has(id)) void this.refresh();
    return { ok: true, id };
  }

  async approve(taskId: string): Promise<boolean> {
    return (await this.act(`approve:${taskId}`, 'proposals/approve', { taskId }, 'Proposal approved.')).ok;
  }

  async reject(taskId: string): Promise<boolean> {
    return (await this.act(`reject:${taskId}`, 'proposals/reject', { taskId }, 'Proposal rejected.')).ok;
  }

  async retry(id: string): Promise<boolean> {
    return (await this.act(`retry:${id}`, 'tasks/retry', { id }, 'Task restarted.')).ok;
  }

  async cancel(id: string): Promise<boolean> {
    return (await this.act(`cancel:${id}`, 'tasks/cancel', { id }, 'Cancel requested.')).ok;
  }

  isBusy(key: string): boolean {
    return this.busy.has(key);
  }

  dismiss(id: number): void {
    this.notices = this.notices.filter((n) => n.id !== id);
    this.changed();
  }

  private async act<K extends RequestName>(key: string, method: K, params: Params<K>, done: string): Promise<{ ok: true; result: Result<K> } | { ok: false }> {
    if (this.busy.has(key)) return { ok: false };
    this.busy.add(key);
    this.changed();
    try {
      const result = await this.transport.request(method, params);
      this.notify('info', done);
      // Events bring the new state too; reloading the open task covers a host that sends none.
      const ids = params as { id?: string; taskId?: string };
      const id = ids.id ?? ids.taskId;
      if (id && id === this.detailId) await this.loadDetail(id);
      return { ok: true, result };
    } catch (err) {
      if (err instanceof TransportError && err.needsKey) this.needsKey = true;
      this.notify('error', messageOf(err));
      return { ok: false };
    } finally {
      this.busy.delete(key);
      this.changed();
    }
  }

  private onEvent(e: HostEvent): void {
    switch (e.name) {
      case 'task.updated': {
        const before = this.tasks.get(e.data.task.id);
        this.acceptTask(e.data.task);
        if (isTerminal(e.data.task.status) && before?.status !== e.data.task.status) this.refreshDoraSoon();
        break;
      }
      case 'log.line':
        if (e.data.taskId !== this.detailId) return;
        this.appendLog([e.data.entry]);
        break;
      case 'resync':
        void this.refresh();
        return;
    }
    this.changed();
  }

  private acceptTask(task: TaskDetail): void {
    this.tasks.set(task.id, summaryOf(task));
    const pending = task.proposals.find((p) => p.status === 'pending');
    if (pending) this.proposals.set(task.id, proposalSummaryOf(task, pending));
    else this.proposals.delete(task.id);
    if (this.detailId === task.id) {
      this.detail = task;
      this.detailError = undefined;
    }
  }

  private refreshDoraSoon(): void {
    clearTimeout(this.doraTimer);
    this.doraTimer = setTimeout(() => {
      this.transport.request('metrics/dora', {}).then(
        (d) => {
          this.dora = d;
          this.changed();
        },
        () => undefined,
      );
    }, 2000);
  }

  private notify(kind: Notice['kind'], text: string): number {
    const notice = { id: ++this.noticeSeq, kind, text };
    this.notices = [...this.notices.slice(-4), notice];
    this.changed();
    // Errors stay until dismissed: they may need reading twice.
    if (kind === 'info') setTimeout(() => this.dismiss(notice.id), 6000);
    return notice.id;
  }

  private changed(): void {
    this.dispatchEvent(new Event('change'));
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function pickId(result: unknown): string | undefined {
  if (!result || typeof result !== 'object') return undefined;
  const r = result as Record<string, unknown>;
  const nested = r.task && typeof r.task === 'object' ? (r.task as Record<string, unknown>).id : undefined;
  for (const v of [r.id, r.task_id, nested]) if (typeof v === 'string' && v) return v;
  return undefined;
}

/** Re-renders a component whenever the store changes, for as long as it is on the page. */
export class StoreController implements ReactiveController {
  private readonly onChange = () => this.host.requestUpdate();

  constructor(
    private readonly host: ReactiveControllerHost,
    readonly store: Store,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    this.store.addEventListener('change', this.onChange);
  }

  hostDisconnected(): void {
    this.store.removeEventListener('change', this.onChange);
  }
}
