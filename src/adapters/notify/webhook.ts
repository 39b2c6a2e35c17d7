// Delivery of a JSON payload to a chat webhook. The URL is the credential (whoever has it can post),
// so it never appears in what this module reports: failures name the platform and host only, and
// anything echoed back (error text, response bodies) is scrubbed of it.
import { createRedactor, type Redactor } from '../../core/redact';

export interface WebhookDeliveryOptions {
  timeoutMs: number;
  /** A 429/5xx asking for a longer wait than this is not retried. */
  maxRetryWaitMs: number;
  /** Multiplies the wait before the retry; tests pass a small value. */
  waitScale: number;
}

export class WebhookError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
    this.name = 'WebhookError';
  }
}

/** "slack webhook (hooks.slack.com)": enough to tell which one failed, nothing to post with. */
export function describeWebhook(platform: string, url: string): string {
  try {
    return `${platform} webhook (${new URL(url).host})`;
  } catch {
    return `${platform} webhook`;
  }
}

export function webhookRedactor(url: string): Redactor {
  let parsed: URL | null = null;
  try {
    parsed = new URL(url);
  } catch {
    // An unparseable URL is still masked as a whole below.
  }
  const parts = parsed ? [parsed.href, `${parsed.pathname}${parsed.search}`, parsed.search.slice(1)] : [];
  // Path segments are where the token lives (…/services/T000/B000/XXXX, …/webhooks/ID/TOKEN); plain
  // words such as "services" or "webhooks" are left readable.
  const segments = parsed ? parsed.pathname.split('/').filter((s) => !/^[a-z]*$/.test(s)) : [];
  return createRedactor([url, ...parts, ...segments]);
}

/** POSTs `payload` as JSON; retries once on 429/5xx, honouring retry-after. Throws a WebhookError with a redacted message. */
export async function postWebhook(url: string, payload: unknown, options: WebhookDeliveryOptions): Promise<void> {
  const redact = webhookRedactor(url);
  const body = JSON.stringify(payload);
  for (let attempt = 1; ; attempt++) {
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'rig-notifier' },
        body,
        signal: AbortSignal.timeout(options.timeoutMs),
        redirect: 'error',
      });
    } catch (error) {
      throw new WebhookError(redact(describeFetchFailure(error, options.timeoutMs)), null);
    }
    const text = await response.text().catch(() => '');
    if (response.ok) return;
    const retryable = response.status === 429 || response.status >= 500;
    const snippet = redact(text.trim().slice(0, 200));
    const answered = `answered ${response.status}${snippet ? `: ${snippet}` : ''}`;
    if (!retryable || attempt >= 2) throw new WebhookError(attempt >= 2 ? `${answered} (after one retry)` : answered, response.status);
    const waitMs = retryWaitMs(response, text);
    if (waitMs > options.maxRetryWaitMs) {
      throw new WebhookError(`${answered}; asked to wait ${Math.ceil(waitMs / 1000)} s, longer than the ${Math.round(options.maxRetryWaitMs / 1000)} s worth waiting`, response.status);
    }
    await new Promise((resolve) => setTimeout(resolve, waitMs * options.waitScale));
  }
}

/** retry-after (seconds) from the header, or from Discord's JSON body; 1 s when neither says. */
function retryWaitMs(response: Response, text: string): number {
  const header = Number(response.headers.get('retry-after'));
  if (Number.isFinite(header) && header >= 0 && response.headers.has('retry-after')) return header * 1000;
  try {
    const fromBody = Number((JSON.parse(text) as { retry_after?: unknown }).retry_after);
    if (Number.isFinite(fromBody) && fromBody >= 0) return fromBody * 1000;
  } catch {
    // Not JSON: Slack answers plain text.
  }
  return 1000;
}

function describeFetchFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return `no answer within ${timeoutMs} ms`;
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `could not be reached (${error instanceof Error ? error.message : String(error)}${cause})`;
}
