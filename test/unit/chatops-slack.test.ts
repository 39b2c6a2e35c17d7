import { describe, expect, it } from 'vitest';
import { ProjectRegistry } from '../../src/server/api/projects';
import { TaskActions } from '../../src/server/api/task-actions';
import { CHAT_HELP, ChatCommands } from '../../src/server/chatops/commands';
import { MAX_SIGNATURE_AGE_SECONDS, verifySlackSignature } from '../../src/server/chatops/signatures';
import { escapeSlackText, slackSlashCommand } from '../../src/server/chatops/slack';

// Slack's documented signing example: https://api.slack.com/authentication/verifying-requests-from-slack
const v = {
  signing_secret: '8f742231b10e8888abcd99yyyzzz85a5',
  x_slack_request_timestamp: '1531420618',
  body: 'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
  x_slack_signature: 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
};
const SIGNED_AT_MS = Number(v.x_slack_request_timestamp) * 1000;

function verify(overrides: Partial<Parameters<typeof verifySlackSignature>[0]> = {}) {
  return verifySlackSignature({
    signingSecret: v.signing_secret,
    timestamp: v.x_slack_request_timestamp,
    signature: v.x_slack_signature,
    rawBody: Buffer.from(v.body),
    nowMs: SIGNED_AT_MS,
    ...overrides,
  });
}

describe('Slack request signature', () => {
  it("accepts Slack's documented example with the clock pinned to its timestamp", () => {
    expect(verify()).toEqual({ ok: true });
  });

  it('accepts up to five minutes of clock difference either way, and no more', () => {
    expect(verify({ nowMs: SIGNED_AT_MS + MAX_SIGNATURE_AGE_SECONDS * 1000 })).toEqual({ ok: true });
    expect(verify({ nowMs: SIGNED_AT_MS + MAX_SIGNATURE_AGE_SECONDS * 1000 + 1000 }).ok).toBe(false);
    expect(verify({ nowMs: SIGNED_AT_MS - MAX_SIGNATURE_AGE_SECONDS * 1000 - 1000 }).ok).toBe(false);
  });

  it('refuses the same example on the real clock: it is years old, a replay', () => {
    expect(verify({ nowMs: Date.now() })).toEqual({ ok: false, reason: 'timestamp is more than 5 minutes away from now' });
  });

  it('refuses a changed body, another secret, a changed timestamp or a malformed signature', () => {
    expect(verify({ rawBody: Buffer.from(v.body.replace('text=', 'text=approve+t1')) })).toEqual({ ok: false, reason: 'signature does not match' });
    expect(verify({ signingSecret: `${v.signing_secret}x` })).toEqual({ ok: false, reason: 'signature does not match' });
    expect(verify({ timestamp: String(Number(v.x_slack_request_timestamp) + 1) })).toEqual({ ok: false, reason: 'signature does not match' });
    expect(verify({ signature: v.x_slack_signature.replace('v0=', 'v1=') }).ok).toBe(false);
    expect(verify({ signature: undefined }).ok).toBe(false);
    expect(verify({ timestamp: undefined }).ok).toBe(false);
    expect(verify({ timestamp: '1531420618.5' }).ok).toBe(false);
  });
});

describe('Slack slash command endpoint', () => {
  const commands = new ChatCommands(new ProjectRegistry([]), new TaskActions(new ProjectRegistry([]), () => {}), [], () => {});
  const headers = { 'x-slack-request-timestamp': v.x_slack_request_timestamp, 'x-slack-signature': v.x_slack_signature };

  it('answers the documented request (empty text) with the help, shown to the asker only', async () => {
    const handler = slackSlashCommand({ signingSecret: v.signing_secret, commands, now: () => SIGNED_AT_MS });
    const reply = await handler(Buffer.from(v.body), headers);
    expect(reply).toEqual({ status: 200, body: { response_type: 'ephemeral', text: escapeSlackText(CHAT_HELP) } });
  });

  it('answers 401 without running anything when the request is stale', async () => {
    const handler = slackSlashCommand({ signingSecret: v.signing_secret, commands, now: () => SIGNED_AT_MS + 6 * 60_000 });
    const reply = await handler(Buffer.from(v.body), headers);
    expect(reply.status).toBe(401);
    expect(JSON.stringify(reply.body)).not.toContain(v.signing_secret);
  });

  it('escapes the characters Slack treats as markup', () => {
    expect(escapeSlackText('<!channel> & <@U1>')).toBe('&lt;!channel&gt; &amp; &lt;@U1&gt;');
  });
});
