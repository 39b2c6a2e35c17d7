import type { HttpReply, RequestHeaders } from '../contracts';
import type { ChatCommands } from './commands';
import { verifySlackSignature } from './signatures';

function header(headers: RequestHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Slack formats `&`, `<` and `>`; escaping them keeps an issue title from pinging @channel. */
export function escapeSlackText(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/**
 * POST /api/chatops/slack: a `/rig …` slash command. Nothing in the body is read before the
 * signature checks out; the answer is Slack's immediate response message.
 */
export function slackSlashCommand(deps: { signingSecret: string; commands: ChatCommands; now: () => number }) {
  return async (rawBody: Buffer, headers: RequestHeaders): Promise<HttpReply> => {
    const verdict = verifySlackSignature({
      signingSecret: deps.signingSecret,
      timestamp: header(headers, 'x-slack-request-timestamp'),
      signature: header(headers, 'x-slack-signature'),
      rawBody,
      nowMs: deps.now(),
    });
    if (!verdict.ok) return { status: 401, body: { error: `invalid Slack request: ${verdict.reason}` } };
    const form = new URLSearchParams(rawBody.toString('utf8'));
    const reply = await deps.commands.run({
      platform: 'slack',
      userId: form.get('user_id') ?? '',
      userName: form.get('user_name') ?? '',
      text: form.get('text') ?? '',
    });
    return { status: 200, body: { response_type: reply.inChannel ? 'in_channel' : 'ephemeral', text: escapeSlackText(reply.text) } };
  };
}
