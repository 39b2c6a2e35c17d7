import path from 'node:path';
import type { CodeHost } from '../../core/ports';
import type { HttpReply, Project, RequestHeaders, WebhookIntake } from '../contracts';
import { TriggerAccess } from './access';
import { admit, startTask } from './admission';
import { DeliveryQueue } from './delivery-queue';
import { readDelivery, textReply } from './delivery-request';
import { DeliveryStore, type DeliveryRecord, type DeliveryState } from './delivery-store';
import { eventKey, triage } from './triggers';

export type IntakeLog = (level: 'info' | 'warn' | 'error', message: string) => void;

export interface WebhookIntakeOptions {
  projects: readonly Project[];
  /** server.secret. Without one every delivery is refused: an unverified webhook lets anyone start runs. */
  secret: string | undefined;
  /** Accept unsigned deliveries when no secret is set: only with an explicit --insecure-no-signature. */
  acceptUnsigned?: boolean;
  /** Where deliveries are kept; by default `deliveries/` in the state directory of the only project. */
  dir?: string;
  /** server.allow_users, added to each project's own. */
  allowUsers?: readonly string[];
  /** Logins Rig posts as, so that its own comments never trigger it. */
  selfLogins?: readonly string[];
  /** Finished deliveries older than this are removed when the worker starts (GitHub redelivers up to 3 days back). */
  keepDays?: number;
  /** Where permissions are read; by default the project's GitHub client. */
  permissions?: (project: Project) => Pick<CodeHost, 'permissionOf'>;
  log?: IntakeLog;
  now?: () => Date;
}

export interface DurableWebhookIntake extends WebhookIntake {
  readonly dir: string;
  /** Resolves when every delivery handed to the worker so far has been dealt with. */
  idle(): Promise<void>;
}

const DAY_MS = 86_400_000;
/** The longest the worker stands aside for acknowledgements before taking its next delivery anyway. */
const MAX_YIELD_MS = 500;

export function defaultDeliveriesDir(projects: readonly Pick<Project, 'workspace'>[]): string {
  if (projects.length !== 1) throw new Error('an intake serving several projects needs a deliveries directory of its own');
  return path.join(projects[0]!.workspace.git.stateDir, 'deliveries');
}

/**
 * POST /webhook: a delivery is verified, written to disk and only then acknowledged (202); a
 * worker turns it into a task afterwards, off the request, so GitHub never waits on a pipeline and
 * a crash after the acknowledgement loses nothing.
 */
export function createWebhookIntake(options: WebhookIntakeOptions): DurableWebhookIntake {
  return new FileWebhookIntake(options);
}

class FileWebhookIntake implements DurableWebhookIntake {
  readonly dir: string;
  private readonly store: DeliveryStore;
  private readonly queue: DeliveryQueue;
  private readonly access = new Map<string, TriggerAccess>();
  private readonly log: IntakeLog;
  private readonly now: () => Date;
  private seq = 0;
  private answering = 0;
  private quietWaiters: Array<() => void> = [];

  constructor(private readonly options: WebhookIntakeOptions) {
    this.dir = options.dir ?? defaultDeliveriesDir(options.projects);
    this.store = new DeliveryStore(this.dir);
    this.log = options.log ?? (() => {});
    this.now = options.now ?? (() => new Date());
    this.queue = new DeliveryQueue(
      (record) => this.process(record),
      (record, err) => this.log('error', `delivery ${record.id}: left pending for the next start: ${this.describe(err)}`),
    );
  }

  async handle(rawBody: Buffer, headers: RequestHeaders): Promise<HttpReply> {
    this.answering++;
    try {
      return await this.acknowledge(rawBody, headers);
    } finally {
      if (--this.answering === 0) for (const wake of this.quietWaiters.splice(0)) wake();
    }
  }

  private async acknowledge(rawBody: Buffer, headers: RequestHeaders): Promise<HttpReply> {
    const request = readDelivery(rawBody, headers, this.options.secret, this.options.acceptUnsigned === true);
    if (!request.ok) return request.reply;
    const { event, id, payload } = request;
    if (event === 'ping') return textReply(200, 'pong');

    const decision = triage(this.options.projects, event, payload, { selfLogins: this.options.selfLogins });
    if (decision.kind === 'invalid') return textReply(400, decision.reason);
    const pending = decision.kind === 'trigger';
    const repository = (payload as { repository?: { full_name?: unknown } }).repository?.full_name;
    const record: DeliveryRecord = {
      schema: 1,
      id,
      event,
      key: eventKey(event, payload),
      repository: typeof repository === 'string' ? repository : undefined,
      receivedAt: this.now().toISOString(),
      seq: this.seq++,
      state: pending ? 'pending' : 'ignored',
      ...(pending
        ? { project: decision.project.name, issue: decision.issue.number, payload }
        : { reason: decision.reason, finishedAt: this.now().toISOString() }),
    };
    let created: boolean;
    try {
      created = await this.store.create(record);
    } catch (err) {
      this.log('error', `delivery ${id}: could not be stored: ${this.describe(err)}`);
      return textReply(500, 'the delivery could not be stored; it was not accepted');
    }
    if (!created) return textReply(200, 'duplicate');
    if (!pending) {
      this.log('info', `delivery ${id} (${record.key}) ignored: ${record.reason}`);
      return textReply(200, `ignored: ${record.reason}`);
    }
    this.queue.add(record);
    return textReply(202, 'accepted');
  }

  async start(): Promise<void> {
    const pruned = await this.store.prune((this.options.keepDays ?? 7) * DAY_MS, this.now().getTime());
    if (pruned) this.log('info', `removed ${pruned} finished deliveries older than ${this.options.keepDays ?? 7} days`);
    const left = (await this.store.list((name, err) => this.log('warn', `${name} in ${this.dir} is not a delivery record: ${this.describe(err)}`))).filter(
      (r) => r.state === 'pending',
    );
    if (left.length) this.log('info', `${left.length} deliveries received before the last stop are taken up again`);
    this.queue.add(...left);
    this.queue.start();
  }

  async stop(): Promise<void> {
    await this.queue.stop();
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** One delivery's work. Every outcome is written back to its record; nothing throws past here but a disk failure. */
  private async process(record: DeliveryRecord): Promise<void> {
    await this.quiet();
    const decision = triage(this.options.projects, record.event, record.payload, { selfLogins: this.options.selfLogins });
    if (decision.kind !== 'trigger') {
      // The configuration changed between arrival and now (a project or trigger was removed).
      return this.finish(record, decision.kind === 'invalid' ? 'failed' : 'ignored', decision.reason);
    }
    const { project, issue } = decision;
    const redact = project.workspace.redact;
    try {
      const admission = await admit(project.engine, this.accessFor(project), decision, record.receivedAt);
      if (admission.kind === 'ignored') return await this.finish(record, 'ignored', admission.reason);
      if (admission.kind === 'covered') {
        return await this.finish(record, 'done', `task ${admission.task.id} was already started for this trigger`, admission.task.id);
      }
      const started = await startTask(project.engine, issue);
      if ('conflict' in started) return await this.finish(record, 'ignored', redact(started.conflict));
      started.done.catch((err: unknown) => this.log('error', `task ${started.task.id} stopped with an error: ${redact(this.describe(err))}`));
      await this.finish(record, 'done', `started task ${started.task.id} for ${project.name}#${issue.number}: ${decision.trigger}; ${admission.because}`, started.task.id);
    } catch (err) {
      await this.finish(record, 'failed', redact(this.describe(err)));
    }
  }

  private async finish(record: DeliveryRecord, state: Exclude<DeliveryState, 'pending'>, reason: string, taskId?: string): Promise<void> {
    const finished: DeliveryRecord = { ...record, state, reason, ...(taskId ? { taskId } : {}), finishedAt: this.now().toISOString() };
    await this.store.update(finished);
    this.log(state === 'failed' ? 'warn' : 'info', `delivery ${record.id} (${record.key}) ${state}: ${reason}`);
  }

  /**
   * Waits while deliveries are being answered (for a while at most): GitHub gives up on an
   * answer after 10 seconds, and the worker's disk and API traffic would otherwise slow every
   * answer of a burst. What the worker does can wait; it is on disk already.
   */
  private quiet(): Promise<void> {
    if (this.answering === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.quietWaiters.push(resolve);
      setTimeout(resolve, MAX_YIELD_MS).unref();
    });
  }

  private accessFor(project: Project): TriggerAccess {
    let access = this.access.get(project.name);
    if (!access) {
      const codeHost = this.options.permissions?.(project) ?? project.workspace.codeHost();
      const allowUsers = [...(this.options.allowUsers ?? []), ...(project.engine.config.server?.allow_users ?? [])];
      access = new TriggerAccess(codeHost, { allowUsers });
      this.access.set(project.name, access);
    }
    return access;
  }

  private describe(err: unknown): string {
    return err instanceof Error ? err.message : String(err);
  }
}
