// What a call costs, from the token counts the API reports. Prices are USD per million tokens as
// published on Anthropic's pricing page; cache writes are priced at the 5-minute rate because that
// is the only cache lifetime Rig asks for. Unknown models are priced high, never at zero, so a
// budget still stops a task that runs on a model this table has not heard of.

export interface TokenRates {
  input: number;
  output: number;
  cacheWrite: number;
  cacheRead: number;
}

export interface ModelPrice extends TokenRates {
  /** Some models bill every token of a request at other rates once its prompt passes a threshold. */
  longPrompt?: TokenRates & { thresholdTokens: number };
}

export interface TokenCounts {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

const rates = (input: number, output: number, cacheWrite: number, cacheRead: number): TokenRates => ({
  input,
  output,
  cacheWrite,
  cacheRead,
});

/** Keyed by model id prefix; the longest matching prefix wins, so dated and suffixed ids find their family. */
export const DEFAULT_PRICES: Readonly<Record<string, ModelPrice>> = {
  'claude-fable-5-1': rates(10, 50, 12.5, 0.25),
  'claude-mythos-5-1': rates(10, 50, 12.5, 0.25),
  'claude-fable-5': rates(10, 50, 12.5, 1),
  'claude-mythos-5': rates(10, 50, 12.5, 1),
  'claude-opus-5-5': rates(4, 20, 5, 0.2),
  'claude-opus-5': rates(5, 25, 6.25, 0.5),
  'claude-opus-4-8': rates(5, 25, 6.25, 0.5),
  'claude-opus-4-7': rates(5, 25, 6.25, 0.5),
  'claude-opus-4-6': rates(5, 25, 6.25, 0.5),
  'claude-opus-4-5': rates(5, 25, 6.25, 0.5),
  'claude-opus-4-1': rates(15, 75, 18.75, 1.5),
  'claude-opus-4': rates(15, 75, 18.75, 1.5),
  'claude-3-opus': rates(15, 75, 18.75, 1.5),
  'claude-sonnet-5-5': rates(2, 10, 2.5, 0.1),
  'claude-sonnet-5': rates(2, 10, 2.5, 0.2),
  'claude-sonnet-4': rates(3, 15, 3.75, 0.3),
  'claude-3-7-sonnet': rates(3, 15, 3.75, 0.3),
  'claude-haiku-5-5': {
    ...rates(0.1, 0.5, 0.125, 0.01),
    longPrompt: { ...rates(0.5, 2.5, 0.625, 0.05), thresholdTokens: 100_000 },
  },
  'claude-haiku-4-5': rates(1, 5, 1.25, 0.1),
  'claude-3-5-haiku': rates(0.8, 4, 1, 0.08),
  'claude-3-haiku': rates(0.25, 1.25, 0.3, 0.03),
};

/** The priciest current model of each family: what an unrecognised id of that family is charged. */
const FAMILY_FALLBACK: ReadonlyArray<[RegExp, string]> = [
  [/fable|mythos/, 'claude-fable-5-1'],
  [/opus/, 'claude-opus-4-1'],
  [/sonnet/, 'claude-sonnet-4'],
  [/haiku/, 'claude-haiku-4-5'],
];
const UNKNOWN_MODEL_PRICE_KEY = 'claude-fable-5-1';

export interface PriceLookup {
  price: ModelPrice;
  /** The table key used; `exact` is false when the model was priced by family or as unknown. */
  key: string;
  exact: boolean;
}

export class PriceBook {
  private readonly table: Record<string, ModelPrice>;

  /** `overrides` replace or add entries (same prefix rules), e.g. negotiated rates or a new model. */
  constructor(overrides: Record<string, ModelPrice> = {}) {
    for (const [key, price] of Object.entries(overrides)) validatePrice(key, price);
    this.table = { ...DEFAULT_PRICES, ...overrides };
  }

  lookup(model: string): PriceLookup {
    const id = normaliseModelId(model);
    let best: string | undefined;
    for (const key of Object.keys(this.table)) {
      if (matchesPrefix(id, key) && (!best || key.length > best.length)) best = key;
    }
    if (best) return { price: this.table[best]!, key: best, exact: true };
    const family = FAMILY_FALLBACK.find(([re]) => re.test(id))?.[1] ?? UNKNOWN_MODEL_PRICE_KEY;
    return { price: this.table[family] ?? DEFAULT_PRICES[family]!, key: family, exact: false };
  }

  cost(model: string, tokens: TokenCounts): number {
    return costOf(this.lookup(model).price, tokens);
  }
}

export function costOf(price: ModelPrice, tokens: TokenCounts): number {
  const prompt = tokens.inputTokens + tokens.cacheReadTokens + tokens.cacheWriteTokens;
  const r = price.longPrompt && prompt > price.longPrompt.thresholdTokens ? price.longPrompt : price;
  const micro =
    tokens.inputTokens * r.input + tokens.outputTokens * r.output + tokens.cacheWriteTokens * r.cacheWrite + tokens.cacheReadTokens * r.cacheRead;
  return micro / 1_000_000;
}

/** Cloud platforms decorate the id ("us.anthropic.claude-…", "claude-…@2025…", "claude-…[1m]"). */
function normaliseModelId(model: string): string {
  return model.trim().toLowerCase().replace(/^(?:[a-z]{2,6}\.)?anthropic\./, '');
}

/** A prefix only counts at a word boundary: "claude-opus-4" prices "claude-opus-4-20250514", not "claude-opus-45". */
function matchesPrefix(id: string, key: string): boolean {
  if (!id.startsWith(key)) return false;
  const next = id.charAt(key.length);
  return next === '' || next === '-' || next === '@' || next === '[' || next === ':' || next === '.';
}

function validatePrice(key: string, price: ModelPrice): void {
  const fields: Array<keyof TokenRates> = ['input', 'output', 'cacheWrite', 'cacheRead'];
  for (const f of fields) {
    const v = price?.[f];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new Error(`price override for "${key}": ${f} must be a non-negative number of USD per million tokens, got ${JSON.stringify(v)}`);
    }
  }
}
