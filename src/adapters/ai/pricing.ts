// What a call costs, from the token counts the API reports. Prices are USD per million tokens as
// published on each provider's pricing page. Anthropic cache writes are priced at the 5-minute rate
// because that is the only cache lifetime Rig asks for; OpenAI caches on its own and bills no
// writes, only cheaper reads. Models served by a local Ollama cost nothing per token. Unknown
// models of a paid provider are priced high, never at zero, so a budget still stops a task that
// runs on a model this table has not heard of.

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
export const ANTHROPIC_PRICES: Readonly<Record<string, ModelPrice>> = {
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

/**
 * OpenAI bills cached input at a discount and charges nothing extra to write the cache, so
 * cacheWrite is the plain input rate (the API never reports cache writes anyway). Sources:
 * platform.openai.com/docs/pricing for the gpt-4o, gpt-4.1, o-series and gpt-5 rows; GitHub's
 * published Copilot model price table for gpt-5.4 and gpt-5.5 and their long-context tiers.
 */
const openai = (input: number, cachedInput: number, output: number): TokenRates => rates(input, output, input, cachedInput);

export const OPENAI_PRICES: Readonly<Record<string, ModelPrice>> = {
  'gpt-5.5': { ...openai(5, 0.5, 30), longPrompt: { ...openai(10, 1, 45), thresholdTokens: 272_000 } },
  'gpt-5.4': { ...openai(2.5, 0.25, 15), longPrompt: { ...openai(5, 0.5, 22.5), thresholdTokens: 272_000 } },
  'gpt-5.4-mini': openai(0.75, 0.075, 4.5),
  'gpt-5.4-nano': openai(0.2, 0.02, 1.25),
  'gpt-5': openai(1.25, 0.125, 10),
  'gpt-5-mini': openai(0.25, 0.025, 2),
  'gpt-5-nano': openai(0.05, 0.005, 0.4),
  'gpt-4.1': openai(2, 0.5, 8),
  'gpt-4.1-mini': openai(0.4, 0.1, 1.6),
  'gpt-4.1-nano': openai(0.1, 0.025, 0.4),
  'gpt-4o': openai(2.5, 1.25, 10),
  // The first gpt-4o snapshot kept its launch price and has no cache discount.
  'gpt-4o-2024-05-13': openai(5, 5, 15),
  'gpt-4o-mini': openai(0.15, 0.075, 0.6),
  o1: openai(15, 7.5, 60),
  'o1-mini': openai(1.1, 0.55, 4.4),
  'o1-pro': openai(150, 150, 600),
  o3: openai(2, 0.5, 8),
  'o3-mini': openai(1.1, 0.55, 4.4),
  'o3-pro': openai(20, 20, 80),
  'o4-mini': openai(1.1, 0.275, 4.4),
};

export type PricedProvider = 'anthropic' | 'openai' | 'ollama';

interface ProviderPricing {
  table: Readonly<Record<string, ModelPrice>>;
  /** The priciest current model of each family: what an unrecognised id of that family is charged. */
  families: ReadonlyArray<[RegExp, string]>;
  /** What a model of no known family is charged; null when the provider's models cost nothing per token. */
  unknown: string | null;
  /** Characters that may follow a table key for the key to cover a longer id. */
  boundary: RegExp;
}

const PROVIDERS: Record<PricedProvider, ProviderPricing> = {
  anthropic: {
    table: ANTHROPIC_PRICES,
    families: [
      [/fable|mythos/, 'claude-fable-5-1'],
      [/opus/, 'claude-opus-4-1'],
      [/sonnet/, 'claude-sonnet-4'],
      [/haiku/, 'claude-haiku-4-5'],
    ],
    unknown: 'claude-fable-5-1',
    boundary: /^[-@[:.]?$/,
  },
  openai: {
    table: OPENAI_PRICES,
    // o1 rather than o1-pro for unknown ids: high enough to stop a runaway task, not so high that
    // one call of a new model exhausts a budget.
    families: [
      [/gpt-5/, 'gpt-5.5'],
      [/gpt-4/, 'gpt-4o'],
      [/^o\d/, 'o1'],
    ],
    unknown: 'o1',
    // Not ".": "gpt-5.6" is a different model from "gpt-5", not a snapshot of it.
    boundary: /^[-:]?$/,
  },
  ollama: { table: {}, families: [], unknown: null, boundary: /^[-:]?$/ },
};

const FREE: ModelPrice = rates(0, 0, 0, 0);

export interface PriceLookup {
  price: ModelPrice;
  /** The table key used; `exact` is false when the model was priced by family or as unknown. */
  key: string;
  exact: boolean;
}

export class PriceBook {
  private readonly table: Record<string, ModelPrice>;
  private readonly provider: ProviderPricing;

  /** `overrides` replace or add entries (same prefix rules), e.g. negotiated rates or a new model. */
  constructor(overrides: Record<string, ModelPrice> = {}, provider: PricedProvider = 'anthropic') {
    for (const [key, price] of Object.entries(overrides)) validatePrice(key, price);
    this.provider = PROVIDERS[provider];
    if (!this.provider) throw new Error(`no price table for provider ${JSON.stringify(provider)}`);
    this.table = { ...this.provider.table, ...Object.fromEntries(Object.entries(overrides).map(([k, v]) => [k.toLowerCase(), v])) };
  }

  lookup(model: string): PriceLookup {
    const id = normaliseModelId(model);
    let best: string | undefined;
    for (const key of Object.keys(this.table)) {
      if (matchesPrefix(id, key, this.provider.boundary) && (!best || key.length > best.length)) best = key;
    }
    if (best) return { price: this.table[best]!, key: best, exact: true };
    if (this.provider.unknown === null) return { price: FREE, key: 'local model', exact: true };
    const family = this.provider.families.find(([re]) => re.test(id))?.[1] ?? this.provider.unknown;
    return { price: this.table[family] ?? this.provider.table[family]!, key: family, exact: false };
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
function matchesPrefix(id: string, key: string, boundary: RegExp): boolean {
  return id.startsWith(key) && boundary.test(id.charAt(key.length));
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
