import type { KeyObject } from 'node:crypto';
import type { HttpReply, RequestHeaders } from '../contracts';
import type { ChatCommands, ChatReply } from './commands';
import { verifyDiscordSignature } from './signatures';

// Interaction types and callback types from Discord's interactions reference.
const PING = 1;
const APPLICATION_COMMAND = 2;
const PONG = 1;
const CHANNEL_MESSAGE_WITH_SOURCE = 4;
const EPHEMERAL_FLAG = 1 << 6;
const STRING_OPTION = 3;

/** Discord's limit on the text a prefix command may carry before it is even parsed. */
const MAX_COMMAND_CHARS = 2000;

/** Echoed issue titles must never ping anyone: no @everyone, roles or users. */
const NO_MENTIONS = { parse: [] as string[] };

function header(headers: RequestHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

interface Interaction {
  type?: unknown;
  data?: { name?: unknown; options?: Array<{ type?: unknown; value?: unknown }> };
  member?: { user?: { id?: unknown; username?: unknown } };
  user?: { id?: unknown; username?: unknown };
  content?: unknown;
  author?: { id?: unknown; username?: unknown };
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/**
 * POST /api/chatops/discord. Every request must carry a valid Ed25519 signature of the configured
 * public key (401 otherwise). Two shapes are understood once verified: interactions (PING, and the
 * `rig` application command with one text option) and, for relay bots, a message whose `content`
 * starts with `!rig`. A relay signs with its own key pair, whose public key is then configured.
 */
export function discordInteractions(deps: { publicKey: KeyObject; commands: ChatCommands; now: () => number }) {
  return async (rawBody: Buffer, headers: RequestHeaders): Promise<HttpReply> => {
    const verdict = verifyDiscordSignature({
      publicKey: deps.publicKey,
      timestamp: header(headers, 'x-signature-timestamp'),
      signature: header(headers, 'x-signature-ed25519'),
      rawBody,
      nowMs: deps.now(),
    });
    if (!verdict.ok) return { status: 401, body: { error: `invalid Discord request: ${verdict.reason}` } };
    let body: Interaction;
    try {
      body = JSON.parse(rawBody.toString('utf8')) as Interaction;
    } catch {
      return { status: 400, body: { error: 'the body is not valid JSON' } };
    }
    if (!body || typeof body !== 'object') return { status: 400, body: { error: 'the body must be a JSON object' } };

    if (body.type === PING) return { status: 200, body: { type: PONG } };
    if (body.type === APPLICATION_COMMAND) {
      if (body.data?.name !== 'rig') return { status: 400, body: { error: 'unknown application command' } };
      const text = str(body.data.options?.find((o) => o.type === STRING_OPTION)?.value);
      const user = body.member?.user ?? body.user;
      const reply = await deps.commands.run({ platform: 'discord', userId: str(user?.id), userName: str(user?.username), text });
      return { status: 200, body: { type: CHANNEL_MESSAGE_WITH_SOURCE, data: messageData(reply) } };
    }
    if (body.type === undefined && typeof body.content === 'string') {
      const m = /^!rig(?:\s+([\s\S]*))?$/.exec(body.content.trim().slice(0, MAX_COMMAND_CHARS));
      // Chatter that is not addressed to Rig is acknowledged and ignored.
      if (!m) return { status: 204 };
      const reply = await deps.commands.run({ platform: 'discord', userId: str(body.author?.id), userName: str(body.author?.username), text: m[1] ?? '' });
      return { status: 200, body: { content: reply.text, allowed_mentions: NO_MENTIONS } };
    }
    return { status: 400, body: { error: 'unsupported interaction type' } };
  };
}

function messageData(reply: ChatReply) {
  return { content: reply.text, allowed_mentions: NO_MENTIONS, ...(reply.inChannel ? {} : { flags: EPHEMERAL_FLAG }) };
}
