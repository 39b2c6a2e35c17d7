import { PHASES } from '../../core/model';
import { HttpError } from '../http/errors';
import type { ProjectRegistry } from '../api/projects';
import type { ServerLog, TaskActions } from '../api/task-actions';

export type ChatPlatform = 'slack' | 'discord';

/** A command as a verified chat request carries it, whichever platform sent it. */
export interface ChatRequest {
  platform: ChatPlatform;
  userId: string;
  userName: string;
  /** What follows `/rig` or `!rig`: `status`, `logs t250301-4-ab12`, … */
  text: string;
}

export interface ChatReply {
  text: string;
  /** Actions are announced to the channel; lookups are shown to the asker only. */
  inChannel: boolean;
}

export const CHAT_HELP = 'Rig commands: `status` · `tasks` · `logs <task-id>` · `exec <issue-url>` · `approve <task-id>` · `reject <task-id>`';

/** Both platforms cap a message (Discord at 2000 characters); longer replies are cut, not refused. */
const MAX_REPLY_CHARS = 1900;

/**
 * Whether a chat user may change things (exec, approve, reject). Entries are `slack:U123`,
 * `discord:8123…` or a bare id for either platform. An empty list allows nobody: a verified
 * signature proves the request came from the workspace, not that its sender should deploy.
 */
export function mayAct(allowUsers: readonly string[], platform: ChatPlatform, userId: string): boolean {
  if (!userId) return false;
  return allowUsers.some((entry) => entry === `${platform}:${userId}` || entry === userId);
}

/** Slack wraps links it received in a slash command: `<https://…>` or `<https://…|label>`. */
function unwrapLink(arg: string): string {
  const m = /^<([^|>]+)(?:\|[^>]*)?>$/.exec(arg);
  return m ? m[1]! : arg;
}

function seconds(from: string, to?: string): string {
  if (!to) return 'running';
  return `${((Date.parse(to) - Date.parse(from)) / 1000).toFixed(1)}s`;
}

const MARK: Record<string, string> = { success: '✓', failed: '✗', skipped: '–', running: '…' };

/** The six ChatOps commands, run against the same projects and actions as the REST API. */
export class ChatCommands {
  constructor(
    private readonly registry: ProjectRegistry,
    private readonly actions: TaskActions,
    private readonly allowUsers: readonly string[],
    private readonly log: ServerLog,
    /** Chat platforms give an endpoint about 3 seconds to answer. */
    private readonly replyWaitMs = 2000,
  ) {}

  async run(req: ChatRequest): Promise<ChatReply> {
    const [command = '', ...args] = req.text.trim().split(/\s+/).filter(Boolean);
    try {
      const reply = await this.dispatch(command.toLowerCase(), args.map(unwrapLink), req);
      return { ...reply, text: cut(reply.text) };
    } catch (err) {
      if (err instanceof HttpError) return { text: cut(`${command}: ${err.message}`), inChannel: false };
      this.log('error', `chatops ${req.platform} ${command}: ${err instanceof Error ? err.message : String(err)}`);
      return { text: `${command}: internal error`, inChannel: false };
    }
  }

  private async dispatch(command: string, args: string[], req: ChatRequest): Promise<ChatReply> {
    switch (command) {
      case 'status':
        return { text: await this.status(), inChannel: false };
      case 'tasks':
        return { text: await this.recentTasks(), inChannel: false };
      case 'logs':
        return { text: await this.logs(required(args, 'logs <task-id>')), inChannel: false };
      case 'exec':
        this.checkAllowed(req, 'exec');
        return { text: await this.exec(required(args, 'exec <issue-url>')), inChannel: true };
      case 'approve':
      case 'reject':
        this.checkAllowed(req, command);
        return { text: await this.decide(required(args, `${command} <task-id>`), command === 'approve', req), inChannel: true };
      case '':
      case 'help':
        return { text: CHAT_HELP, inChannel: false };
      default:
        return { text: `Unknown command "${command.slice(0, 40)}". ${CHAT_HELP}`, inChannel: false };
    }
  }

  private checkAllowed(req: ChatRequest, command: string): void {
    if (!mayAct(this.allowUsers, req.platform, req.userId)) {
      throw new HttpError(403, `you may not ${command} from chat; an operator can allow it by adding "${req.platform}:${req.userId}" to server.chatops_allow_users`);
    }
  }

  private async status(): Promise<string> {
    const tasks = await this.registry.tasks();
    if (!tasks.length) return 'No tasks yet.';
    const counts = new Map<string, number>();
    for (const { task } of tasks) counts.set(task.status, (counts.get(task.status) ?? 0) + 1);
    const parts = PHASES.filter((p) => counts.has(p)).map((p) => `${p.replace('_', ' ')} ${counts.get(p)}`);
    return `${tasks.length} task${tasks.length === 1 ? '' : 's'}: ${parts.join(' · ')}`;
  }

  private async recentTasks(): Promise<string> {
    const tasks = (await this.registry.tasks()).slice(0, 5);
    if (!tasks.length) return 'No tasks yet.';
    return tasks.map(({ project, task }) => `\`${task.id}\` ${task.status} · ${project.name} #${task.issue.number} ${task.issue.title}${task.pr ? ` · ${task.pr.url}` : ''}`).join('\n');
  }

  private async logs(id: string): Promise<string> {
    const { task } = await this.registry.findTask(id);
    const head = `\`${task.id}\` ${task.status}${task.statusReason ? ` — ${task.statusReason.split('\n')[0]}` : ''}`;
    const steps = task.pipeline.slice(-5).map((s) => `${MARK[s.status] ?? '?'} ${s.phase} (try ${s.attempt}, ${seconds(s.startedAt, s.endedAt)})${s.error ? ` ${s.error.split('\n')[0]}` : ''}`);
    return [head, ...(steps.length ? steps : ['no pipeline steps yet'])].join('\n');
  }

  private async exec(url: string): Promise<string> {
    const { project, task } = await this.actions.create(url);
    return `Started task \`${task.id}\` (${project.name}) for #${task.issue.number} ${task.issue.title}`;
  }

  private async decide(id: string, approved: boolean, req: ChatRequest): Promise<string> {
    const by = `${req.platform}:${req.userName || req.userId} (${req.userId})`;
    const { task, done } = await this.actions.decide(id, approved, by, this.replyWaitMs);
    const verb = approved ? 'Approved' : 'Rejected';
    if (!done) return `${verb}; the decision is recorded and the process running \`${task.id}\` applies it.`;
    return `${verb} by ${req.userName || req.userId}: task \`${task.id}\` ${approved ? 'carries on' : `is ${task.status}`}.`;
  }
}

function required(args: string[], usage: string): string {
  if (!args[0]) throw new HttpError(400, `usage: ${usage}`);
  return args[0];
}

function cut(text: string): string {
  return text.length > MAX_REPLY_CHARS ? `${text.slice(0, MAX_REPLY_CHARS - 1)}…` : text;
}
