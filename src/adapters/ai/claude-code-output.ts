// Reading what `claude -p --output-format json` prints: one result object once the run is over.
// Anything less than that whole object (a killed process, a cut pipe, plain text) is refused
// rather than guessed at, because the worktree edits of such a run are never kept.
import { z } from 'zod';

const count = z.number().nonnegative();

const modelUsageSchema = z.looseObject({
  inputTokens: count.optional(),
  outputTokens: count.optional(),
  cacheReadInputTokens: count.optional(),
  cacheCreationInputTokens: count.optional(),
  costUSD: count.optional(),
});

/** The fields Rig relies on; the CLI adds others from version to version, and they are kept. */
const resultSchema = z.looseObject({
  type: z.literal('result'),
  subtype: z.string(),
  is_error: z.boolean(),
  result: z.string().optional(),
  num_turns: count.optional(),
  duration_ms: count.optional(),
  total_cost_usd: count.optional(),
  usage: z
    .looseObject({
      input_tokens: count.optional(),
      output_tokens: count.optional(),
      cache_read_input_tokens: count.optional(),
      cache_creation_input_tokens: count.optional(),
    })
    .optional(),
  modelUsage: z.record(z.string(), modelUsageSchema).optional(),
  permission_denials: z.array(z.looseObject({ tool_name: z.string().optional(), tool_input: z.unknown().optional() })).optional(),
});

export type CliResult = z.infer<typeof resultSchema>;

export type ParsedOutput =
  | { ok: true; result: CliResult }
  | { ok: false; problem: 'empty' | 'incomplete' | 'unexpected'; detail: string };

/**
 * The result object that ends the output. The CLI prints it as the last line; a line of its own
 * before it (a warning) is tolerated, a last line that does not parse is not.
 */
export function parseCliOutput(stdout: string): ParsedOutput {
  const text = stdout.trim();
  if (!text) return { ok: false, problem: 'empty', detail: 'it printed nothing on stdout' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    const last = text.slice(text.lastIndexOf('\n') + 1);
    try {
      value = JSON.parse(last);
    } catch {
      return { ok: false, problem: 'incomplete', detail: `its output ends without a complete JSON result (last characters: ${JSON.stringify(text.slice(-80))})` };
    }
  }
  const parsed = resultSchema.safeParse(value);
  if (!parsed.success) {
    return { ok: false, problem: 'unexpected', detail: `its JSON output is not a result object:\n${z.prettifyError(parsed.error)}` };
  }
  return { ok: true, result: parsed.data };
}

export interface ReportedUsage {
  model: string;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  /** What the CLI says the run cost, or null when it did not say. */
  costUsd: number | null;
}

/**
 * Usage per model: Claude Code may call more than one model in a run (a small one for side
 * tasks), and each is priced at its own rates. Without a per-model breakdown the run's totals are
 * attributed to `fallbackModel`.
 */
export function usageOf(result: CliResult, fallbackModel: string): ReportedUsage[] {
  const perModel = Object.entries(result.modelUsage ?? {});
  if (perModel.length > 0) {
    return perModel.map(([model, u]) => ({
      model,
      inputTokens: u.inputTokens ?? 0,
      outputTokens: u.outputTokens ?? 0,
      cacheReadTokens: u.cacheReadInputTokens ?? 0,
      cacheWriteTokens: u.cacheCreationInputTokens ?? 0,
      costUsd: u.costUSD ?? null,
    }));
  }
  const u = result.usage;
  if (!u && result.total_cost_usd === undefined) return [];
  return [
    {
      model: fallbackModel,
      inputTokens: u?.input_tokens ?? 0,
      outputTokens: u?.output_tokens ?? 0,
      cacheReadTokens: u?.cache_read_input_tokens ?? 0,
      cacheWriteTokens: u?.cache_creation_input_tokens ?? 0,
      costUsd: result.total_cost_usd ?? null,
    },
  ];
}

// ---------------------------------------------------------------- JSON answers inside the text

export type Extracted<T> = { ok: true; value: T } | { ok: false; problem: string };

/**
 * The JSON object an answer was asked to be. Models wrap it in a ```json fence, put a sentence
 * before it, or answer with the bare object; each reading is tried, the last object in the text
 * first (the final answer follows any thinking aloud), and the first that fits `schema` wins.
 */
export function extractJsonObject<T>(text: string, schema: z.ZodType<T>): Extracted<T> {
  let firstMismatch: string | null = null;
  let sawObject = false;
  for (const candidate of candidates(text)) {
    let value: unknown;
    try {
      value = JSON.parse(candidate);
    } catch {
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) continue;
    sawObject = true;
    const parsed = schema.safeParse(value);
    if (parsed.success) return { ok: true, value: parsed.data };
    firstMismatch ??= z.prettifyError(parsed.error);
  }
  if (firstMismatch) return { ok: false, problem: `the JSON object in the reply does not have the expected shape:\n${firstMismatch}` };
  return { ok: false, problem: sawObject ? 'the reply holds no usable JSON object' : 'the reply holds no JSON object' };
}

function* candidates(text: string): Generator<string> {
  const trimmed = text.trim();
  yield trimmed;
  const fences = [...trimmed.matchAll(/```[ \t]*(?:json|JSON|jsonc)?[ \t]*\r?\n([\s\S]*?)\r?\n?[ \t]*```/g)].map((m) => m[1]!);
  for (let i = fences.length - 1; i >= 0; i--) yield fences[i]!;
  // A fence can be cut short by ``` inside a JSON string (a Markdown file in a proposal), so the
  // balanced-brace reading of the whole text is always tried as well.
  const spans = objectSpans(trimmed);
  for (let i = spans.length - 1; i >= 0; i--) yield spans[i]!;
}

/**
 * Top-level `{…}` spans, braces inside JSON strings ignored. A `{` in prose that never closes is
 * skipped, and scanning resumes after it, so it cannot swallow the real object that follows.
 */
function objectSpans(text: string): string[] {
  const spans: string[] = [];
  let from = 0;
  for (;;) {
    const start = text.indexOf('{', from);
    if (start === -1) return spans;
    const end = matchingBrace(text, start);
    if (end === -1) {
      from = start + 1;
      continue;
    }
    spans.push(text.slice(start, end + 1));
    from = end + 1;
  }
}

function matchingBrace(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i;
  }
  return -1;
}
