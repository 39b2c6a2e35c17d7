// Polling instead of webhooks (server.poll_interval_seconds): for a Rig that GitHub cannot reach.
// Every interval it lists the open issues carrying a trigger label and starts a task for each one
// whose content changed since its last run. "Changed" is judged on a fingerprint of what the AI
// would read (title, body, labels, comments), leaving out Rig's own comments: otherwise the
// progress comment of one run would start the next.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../adapters/store/atomic-file';
import type { RigConfig } from '../core/config/schema';
import type { Issue, IssueRef } from '../core/model';
import type { CodeHost, IssueSummary } from '../core/ports';
import type { Project } from './contracts';
import { TriggerAccess } from './webhook/access';
import { startTask } from './webhook/admission';

type PollHost = Pick<CodeHost, 'listOpenIssues' | 'getIssue' | 'permissionOf'>;

export interface PollerOptions {
  projects: readonly Project[];
  /** Seconds between polls; by default the smallest server.poll_interval_seconds of the projects. */
  intervalSeconds?: number;
  /** Issues examined at once. */
  concurrency?: number;
  /** server.allow_users, added to each project's own. */
  allowUsers?: readonly string[];
  /** Logins Rig posts as: their comments are left out of fingerprints. */
  selfLogins?: readonly string[];
  /** The project's GitHub client; by default the one its workspace makes. */
  codeHost?: (project: Project) => PollHost;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

export type PollOutcome =
  | { kind: 'started'; taskId: string }
  | { kind: 'unchanged' }
  | { kind: 'skipped'; reason: string }
  | { kind: 'failed'; reason: string };

export interface PollResult {
  project: string;
  issue: number;
  outcome: PollOutcome;
}

interface SeenIssue {
  /** GitHub's updated_at when last examined: unchanged means nothing needs reading again. */
  updatedAt: string;
  checkedAt: string;
  /** Fingerprint of the content the last run started from. */
  fingerprint?: string;
  taskId?: string;
}

/** What a run starts from, as a digest; Rig's own comments and bots' are not part of it. */
export function issueFingerprint(issue: Pick<Issue, 'title' | 'body' | 'labels' | 'comments'>, selfLogins: readonly string[] = []): string {
  const self = new Set(selfLogins.map((l) => l.toLowerCase()));
  const comments = issue.comments
    .filter((c) => !self.has(c.author.toLowerCase()) && !c.author.toLowerCase().endsWith('[bot]'))
    .map((c) => [c.author, c.body]);
  const labels = issue.labels.map((l) => l.toLowerCase()).sort();
  return createHash('sha256').update(JSON.stringify([issue.title, issue.body, labels, comments])).digest('hex');
}

/**
 * Which open issues a poll looks at: those carrying a label of an issues trigger (any of them),
 * every open issue when an issues trigger has no labels, none when no trigger is about issues.
 * Comment keywords need every issue's comments read on every poll, so they are left to webhooks.
 */
export function pollLabels(config: Pick<RigConfig, 'workflow'>): string[][] {
  const issueTriggers = config.workflow.trigger.filter((t) => t.event === 'issues.opened' || t.event === 'issues.labeled');
  if (!issueTriggers.length) return [];
  if (issueTriggers.some((t) => !t.labels?.length)) return [[]];
  const labels = new Map(issueTriggers.flatMap((t) => t.labels ?? []).map((l) => [l.toLowerCase(), l]));
  return [...labels.values()].map((l) => [l]);
}

/** Fingerprints of one project's issues, kept in its state directory so a restart does not rerun anything. */
class SeenIssues {
  private loading: Promise<Record<string, SeenIssue>> | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly file: string) {}

  async get(number: number): Promise<SeenIssue | undefined> {
    return (await this.load())[String(number)];
  }

  async set(number: number, seen: SeenIssue): Promise<void> {
    const all = await this.load();
    all[String(number)] = seen;
    // Writes from issues examined side by side go out one after another, each with everything so
    // far; one failed write must not stop the ones after it.
    this.writing = this.writing
      .catch(() => {})
      .then(async () => {
        await fs.mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
        await writeFileAtomic(this.file, JSON.stringify(all, null, 2));
      });
    await this.writing;
  }

  /** Read once and shared, so issues examined side by side all write into the same record. */
  private load(): Promise<Record<string, SeenIssue>> {
    this.loading ??= (async () => {
      try {
        return JSON.parse(await fs.readFile(this.file, 'utf8')) as Record<string, SeenIssue>;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
        throw new Error(`${this.file} could not be read (${(err as Error).message}); remove it to start over`);
      }
    })();
    return this.loading;
  }
}

export class IssuePoller {
  private readonly intervalMs: number;
  private readonly concurrency: number;
  private readonly seen = new Map<string, SeenIssues>();
  private readonly hosts = new Map<string, PollHost>();
  private readonly access = new Map<string, TriggerAccess>();
  private readonly log: NonNullable<PollerOptions['log']>;
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<PollResult[]> | undefined;
  private running = false;
  /** Set by stop(): the poll under way finishes the issues in hand and looks at no more. */
  private halted = false;

  constructor(private readonly options: PollerOptions) {
    const configured = options.projects.map((p) => p.engine.config.server?.poll_interval_seconds).filter((s): s is number => s !== undefined);
    const seconds = options.intervalSeconds ?? (configured.length ? Math.min(...configured) : undefined);
    if (seconds === undefined || !(seconds > 0)) throw new Error('polling needs an interval: set server.poll_interval_seconds in rig.yaml');
    this.intervalMs = seconds * 1000;
    this.concurrency = Math.max(1, options.concurrency ?? 4);
    this.log = options.log ?? (() => {});
  }

  /** Polls now, then every interval until stopped; a poll never overlaps the previous one. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.halted = false;
    const tick = async () => {
      await this.pollOnce().catch((err: unknown) => this.log('error', `poll failed: ${(err as Error).message}`));
      if (this.running) this.timer = setTimeout(tick, this.intervalMs);
    };
    void tick();
  }

  /** No poll starts after this; the one under way ends after the issues it is examining. */
  async stop(): Promise<void> {
    this.running = false;
    this.halted = true;
    clearTimeout(this.timer);
    await this.current?.catch(() => {});
  }

  /** One pass over every project. */
  pollOnce(): Promise<PollResult[]> {
    if (!this.current) this.current = this.poll().finally(() => (this.current = undefined));
    return this.current;
  }

  private async poll(): Promise<PollResult[]> {
    const work: Array<{ project: Project; summary: IssueSummary }> = [];
    for (const project of this.options.projects) {
      const byNumber = new Map<number, IssueSummary>();
      try {
        for (const labels of pollLabels(project.engine.config)) {
          for (const summary of await this.hostOf(project).listOpenIssues(project.repo, labels)) byNumber.set(summary.number, summary);
        }
      } catch (err) {
        // One repository out of reach does not hold up the others.
        this.log('warn', `${project.name}: could not list open issues: ${project.workspace.redact((err as Error).message)}`);
        continue;
      }
      for (const summary of byNumber.values()) work.push({ project, summary });
    }
    const results: PollResult[] = [];
    let next = 0;
    const worker = async () => {
      while (next < work.length) {
        if (this.halted) return;
        const { project, summary } = work[next++]!;
        const outcome = await this.examine(project, summary).catch((err: unknown): PollOutcome => ({ kind: 'failed', reason: project.workspace.redact((err as Error).message) }));
        if (outcome.kind !== 'unchanged') this.log(outcome.kind === 'failed' ? 'warn' : 'info', `${project.name}#${summary.number}: ${describeOutcome(outcome)}`);
        results.push({ project: project.name, issue: summary.number, outcome });
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, work.length) }, worker));
    return results.sort((a, b) => a.project.localeCompare(b.project) || a.issue - b.issue);
  }

  private async examine(project: Project, summary: IssueSummary): Promise<PollOutcome> {
    const seen = this.seenOf(project);
    const before = await seen.get(summary.number);
    const now = new Date().toISOString();
    // updated_at has whole seconds: trust "unchanged" only when the last look came after that second.
    if (before && before.updatedAt === summary.updatedAt && Date.parse(before.checkedAt) >= Date.parse(summary.updatedAt) + 1000) return { kind: 'unchanged' };

    const ref: IssueRef = { ...project.repo, number: summary.number };
    const issue = await this.hostOf(project).getIssue(ref);
    const fingerprint = issueFingerprint(issue, this.options.selfLogins);
    const latest = (await project.engine.tasksForIssue(ref)).at(-1);
    // Without a record (first poll, or a run started elsewhere) the last task's copy of the issue tells.
    const lastRun = before?.fingerprint ?? (latest ? issueFingerprint(latest.issue, this.options.selfLogins) : undefined);
    if (lastRun === fingerprint) {
      await seen.set(summary.number, { ...before, updatedAt: summary.updatedAt, checkedAt: now, fingerprint, taskId: before?.taskId ?? latest?.id });
      return { kind: 'unchanged' };
    }
    const verdict = await this.accessOf(project).check(project.repo, issue.author);
    if (!verdict.allowed) {
      // Remembered as looked at, so the refusal is not fetched and logged again until the issue changes.
      await seen.set(summary.number, { ...before, updatedAt: summary.updatedAt, checkedAt: now });
      return { kind: 'skipped', reason: `opened by someone who may not start runs: ${verdict.reason}` };
    }
    const started = await startTask(project.engine, ref);
    // Left unrecorded, so the next poll after the run sees the change and runs again.
    if ('conflict' in started) return { kind: 'skipped', reason: project.workspace.redact(started.conflict) };
    started.done.catch((err: unknown) => this.log('error', `task ${started.task.id} stopped with an error: ${project.workspace.redact((err as Error).message)}`));
    await seen.set(summary.number, { updatedAt: summary.updatedAt, checkedAt: now, fingerprint, taskId: started.task.id });
    return { kind: 'started', taskId: started.task.id };
  }

  private hostOf(project: Project): PollHost {
    let host = this.hosts.get(project.name);
    if (!host) {
      host = this.options.codeHost?.(project) ?? project.workspace.codeHost();
      this.hosts.set(project.name, host);
    }
    return host;
  }

  private seenOf(project: Project): SeenIssues {
    let seen = this.seen.get(project.name);
    if (!seen) {
      seen = new SeenIssues(path.join(project.workspace.git.stateDir, 'poller', `${project.repo.owner}.${project.repo.repo}.json`));
      this.seen.set(project.name, seen);
    }
    return seen;
  }

  private accessOf(project: Project): TriggerAccess {
    let access = this.access.get(project.name);
    if (!access) {
      const allowUsers = [...(this.options.allowUsers ?? []), ...(project.engine.config.server?.allow_users ?? [])];
      access = new TriggerAccess(this.hostOf(project), { allowUsers });
      this.access.set(project.name, access);
    }
    return access;
  }
}

function describeOutcome(outcome: PollOutcome): string {
  switch (outcome.kind) {
    case 'started':
      return `content changed: started task ${outcome.taskId}`;
    case 'unchanged':
      return 'unchanged since its last run';
    case 'skipped':
      return `skipped: ${outcome.reason}`;
    case 'failed':
      return `failed: ${outcome.reason}`;
  }
}
