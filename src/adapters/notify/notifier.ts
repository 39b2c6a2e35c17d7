import type { NotifyConfig, NotifyEventName } from '../../core/config/schema';
import type { LogLevel, Task } from '../../core/model';
import type { CodeHost, Notifier } from '../../core/ports';
import { createRedactor } from '../../core/redact';
import { commentBody, discordPayload, slackPayload } from './messages';
import { describeWebhook, postWebhook, webhookRedactor, type WebhookDeliveryOptions } from './webhook';

export type NotifyLog = (level: LogLevel, message: string) => void;

export type NotifierOptions = Partial<WebhookDeliveryOptions>;

const DEFAULTS: WebhookDeliveryOptions = { timeoutMs: 10_000, maxRetryWaitMs: 30_000, waitScale: 1 };

interface Destination {
  name: string;
  on: readonly NotifyEventName[];
  deliver(event: NotifyEventName, task: Task, message: string): Promise<void>;
  redact(text: string): string;
}

/**
 * One Notifier for all of rig.yaml's `notify:` entries. Delivery is best effort: a failure is logged
 * (without the webhook URL, which is a credential) and never reaches the task.
 */
export function createNotifier(configs: readonly NotifyConfig[], codeHost: CodeHost, log: NotifyLog, options: NotifierOptions = {}): Notifier {
  const delivery: WebhookDeliveryOptions = { ...DEFAULTS, ...options };
  const destinations = configs.map((config, index) => destinationFor(config, index, codeHost, delivery));
  // Token-shaped text (a GitHub token echoed in a test log, say) is masked before it leaves.
  const scrub = createRedactor([]);

  return {
    async notify(event, task, message) {
      const text = scrub(message);
      const chosen = destinations.filter((d) => event === 'all' || d.on.includes('all') || d.on.includes(event));
      await Promise.all(
        chosen.map(async (d) => {
          try {
            await d.deliver(event, task, text);
            log('debug', `notified ${d.name} of ${event} for task ${task.id}`);
          } catch (error) {
            const why = d.redact(error instanceof Error ? error.message : String(error));
            log('warn', `notification of ${event} for task ${task.id} to ${d.name} failed: ${why}`);
          }
        }),
      );
    },
  };
}

function destinationFor(config: NotifyConfig, index: number, codeHost: CodeHost, delivery: WebhookDeliveryOptions): Destination {
  const on = config.on ?? ['all'];
  switch (config.type) {
    case 'comment':
      return {
        name: 'issue comment',
        on,
        deliver: async (event, task, message) => {
          await codeHost.createComment(task.issue, commentBody(event, task, message));
        },
        redact: (text) => text,
      };
    case 'slack':
    case 'discord': {
      checkWebhookUrl(config.webhook, index, config.type);
      const format = config.type === 'slack' ? slackPayload : discordPayload;
      return {
        name: describeWebhook(config.type, config.webhook),
        on,
        deliver: (event, task, message) => postWebhook(config.webhook, format(event, task, message), delivery),
        redact: webhookRedactor(config.webhook),
      };
    }
    default:
      throw new Error(`notify[${index}]: unknown type ${JSON.stringify((config as { type?: unknown }).type)}; expected comment, slack or discord`);
  }
}

function checkWebhookUrl(url: string, index: number, type: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // The value itself is a secret: say what is wrong with it, not what it is.
    throw new Error(`notify[${index}] (${type}): webhook is not a valid URL`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new Error(`notify[${index}] (${type}): webhook must be an http(s) URL, got ${parsed.protocol.replace(/:$/, '')}`);
  }
}
