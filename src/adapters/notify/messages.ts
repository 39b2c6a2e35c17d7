// What a notification says, in each destination's own dialect. Issue titles and failure text come
// from the outside world, so each format escapes what its platform would otherwise interpret
// (Slack's <links>, Discord's @everyone) instead of trusting it.
import type { NotifyEventName } from '../../core/config/schema';
import type { Task } from '../../core/model';

const HEADLINES: Record<NotifyEventName, string> = {
  deploy: 'Deployed',
  test_fail: 'Tests failed',
  test_pass: 'Tests passed',
  pr_created: 'Pull request opened',
  failed: 'Task failed',
  awaiting_approval: 'Waiting for approval',
  all: 'Update',
};

// Slack shows at most 40,000 characters of `text`; Discord refuses `content` over 2,000.
const SLACK_LIMIT = 3_000;
const DISCORD_LIMIT = 2_000;

export function headline(event: NotifyEventName): string {
  return HEADLINES[event];
}

function issueLabel(task: Task): string {
  return `${task.issue.owner}/${task.issue.repo}#${task.issue.number}`;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Markdown for an issue comment: the reader is already on the issue, so it is not linked again. */
export function commentBody(event: NotifyEventName, task: Task, message: string): string {
  const lines = [`**Rig · ${headline(event)}**`, '', message.trim()];
  if (task.pr) lines.push('', `Pull request: ${task.pr.url}`);
  return lines.join('\n');
}

const slackEscape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Slack incoming-webhook payload (https://api.slack.com/messaging/webhooks). */
export function slackPayload(event: NotifyEventName, task: Task, message: string): { text: string } {
  const head = `*Rig · ${headline(event)}* — <${task.issue.url}|${issueLabel(task)}> ${slackEscape(task.issue.title)}`;
  const pr = task.pr ? `\nPull request: <${task.pr.url}>` : '';
  const room = SLACK_LIMIT - head.length - pr.length - 1;
  return { text: `${head}\n${clip(slackEscape(message.trim()), Math.max(0, room))}${pr}` };
}

// The title sits mid-line, so only inline markup (emphasis, code, spoilers, masked links) matters.
const discordEscape = (text: string) => text.replace(/([\\*_~`|[\]()])/g, '\\$1');

/** Discord webhook payload; mentions are switched off so no text can ping @everyone. */
export function discordPayload(
  event: NotifyEventName,
  task: Task,
  message: string,
): { username: string; content: string; allowed_mentions: { parse: never[] } } {
  const head = `**Rig · ${headline(event)}** — [${issueLabel(task)}](<${task.issue.url}>) ${discordEscape(task.issue.title)}`;
  const pr = task.pr ? `\nPull request: <${task.pr.url}>` : '';
  const room = DISCORD_LIMIT - head.length - pr.length - 1;
  return {
    username: 'Rig',
    content: clip(`${head}\n${clip(message.trim(), Math.max(0, room))}${pr}`, DISCORD_LIMIT),
    allowed_mentions: { parse: [] },
  };
}
