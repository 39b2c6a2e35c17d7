import { createHash } from 'node:crypto';
import type { BudgetConfig } from './config/schema';
import type { Usage } from './model';

/** The first per-task limit the usage has passed, in words; null while within every limit. */
export function budgetBreach(usage: Usage, budget: BudgetConfig): string | null {
  if (usage.calls >= budget.max_calls) return `ai.budget.max_calls ${budget.max_calls} reached (${usage.calls} model calls)`;
  if (usage.inputTokens + usage.cacheReadTokens + usage.cacheWriteTokens >= budget.max_input_tokens) {
    return `ai.budget.max_input_tokens ${budget.max_input_tokens} reached (${usage.inputTokens + usage.cacheReadTokens + usage.cacheWriteTokens} input tokens)`;
  }
  if (usage.outputTokens >= budget.max_output_tokens) return `ai.budget.max_output_tokens ${budget.max_output_tokens} reached (${usage.outputTokens} output tokens)`;
  if (usage.costUsd >= budget.max_cost_usd) return `ai.budget.max_cost_usd $${budget.max_cost_usd} reached ($${usage.costUsd.toFixed(4)} spent)`;
  return null;
}

// Test output differs run to run in durations, timestamps, pids and addresses; none of that makes
// two failures different.
const NOISE: Array<[RegExp, string]> = [
  [/\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?/g, '<time>'],
  [/\b\d+(?:\.\d+)?\s?(?:ms|s|sec|seconds|µs|us|ns|m)\b/g, '<duration>'],
  [/\b0x[0-9a-f]+\b/gi, '<addr>'],
  [/\bpid[ =:]?\d+\b/gi, '<pid>'],
  [/[ \t]+$/gm, ''],
];

/** A short fingerprint of a text with run-to-run noise removed. */
export function fingerprint(text: string): string {
  let normal = text;
  for (const [re, replacement] of NOISE) normal = normal.replace(re, replacement);
  return createHash('sha256').update(normal.trim()).digest('hex').slice(0, 16);
}
