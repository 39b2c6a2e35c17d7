// Lays the map out within a token budget: the ranked files with their definitions first, because
// that is what the planner reads to choose files; then every other file, grouped by directory and
// compressed as far as the remaining budget needs, so the planner still sees the whole shape.
import type { RankedFile } from '../../core/ports';
import type { CodeSymbol } from './symbols';
import { fullTreeCost, lineCost, renderTree } from './render-tree';
import { estimateTokens } from './tokens';

export interface RenderInput {
  files: string[];
  ranked: RankedFile[];
  symbols: ReadonlyMap<string, CodeSymbol[]>;
  /** Symbol names that matched the issue, shown before a file's other definitions. */
  matchedNames: ReadonlySet<string>;
  budgetTokens: number;
  /** Short notes for the reader (a search cut short, files not read). */
  notes: string[];
}

export interface RenderedMap {
  map: string;
  tokens: number;
  /** Files shown with their definitions. */
  detailed: string[];
}

/** Files scoring below this share of the best are noise in the detailed section. */
const MIN_SHARE_OF_TOP = 0.05;
const MAX_DETAILED = 60;
/** Most of the budget the directory tree may claim from the ranked files: the planner needs both. */
const TREE_SHARE = 0.35;
/** Ranked files whose directories the tree unfolds first. */
const TREE_GUIDES = 10;

export function renderMap(input: RenderInput): RenderedMap {
  const { budgetTokens } = input;
  const header = [`# Repository map: ${input.files.length} files. Files ranked by relevance to the issue come first with their definitions (line, kind, name); then the other files by directory.`];
  for (const note of input.notes) header.push(`# Note: ${note}`);
  const used = header.reduce((n, l) => n + lineTokens(l), 0);

  const treeNeed = Math.min(fullTreeCost(input.files) + lineTokens(TREE_TITLE), Math.floor(budgetTokens * TREE_SHARE));
  let remaining = budgetTokens - used - treeNeed;

  const detailedLines: string[] = [];
  const detailed: string[] = [];
  const top = input.ranked[0]?.score ?? 0;
  const candidates = input.ranked.filter((r) => r.score >= top * MIN_SHARE_OF_TOP).slice(0, MAX_DETAILED);
  if (candidates.length > 0) {
    const title = '## Most relevant files';
    remaining -= lineTokens(title);
    detailedLines.push(title);
    for (const [i, r] of candidates.entries()) {
      const entry = fitEntry(r, input.symbols.get(r.path) ?? [], input.matchedNames, symbolCap(i), remaining);
      if (!entry) break;
      detailedLines.push(...entry.lines);
      detailed.push(r.path);
      remaining -= entry.tokens;
    }
    if (detailed.length === 0) detailedLines.pop();
  }

  const shown = new Set(detailed);
  const rest = input.files.filter((f) => !shown.has(f));
  remaining += treeNeed;
  // Only the best few guide the tree: unfolding the way to every ranked file would unfold everything.
  const relevance = new Map(input.ranked.slice(0, TREE_GUIDES).map((r) => [r.path, r.score]));
  const treeLines = renderTree(rest, remaining - lineTokens(TREE_TITLE), relevance);
  const lines = [...header, ...detailedLines];
  if (treeLines.length > 0) lines.push(detailed.length > 0 ? TREE_TITLE : '## Files by directory', ...treeLines);
  return finish(lines, budgetTokens, detailed);
}

const TREE_TITLE = '## Other files by directory';

/** A line's share of the estimate, its line break included; these add up to the joined text's estimate. */
const lineTokens = lineCost;

function symbolCap(rank: number): number {
  if (rank < 5) return 25;
  if (rank < 15) return 10;
  return 4;
}

function fitEntry(
  r: RankedFile,
  symbols: CodeSymbol[],
  matched: ReadonlySet<string>,
  cap: number,
  budget: number,
): { lines: string[]; tokens: number } | null {
  const head = `${r.path}${r.reasons.length ? `  (${r.reasons.slice(0, 2).join('; ')})` : ''}`;
  const headTokens = lineTokens(head);
  if (headTokens > budget) return null;
  // Definitions the issue named first, then exported and top-level ones, then the rest; shown in file order.
  const order = symbols
    .map((s, i) => ({ s, i, rank: matched.has(s.name) ? 0 : s.exported ? 1 : s.kind === 'method' || s.kind === 'key' ? 3 : 2 }))
    .sort((a, b) => a.rank - b.rank || a.i - b.i);
  const lines = [head];
  let tokens = headTokens;
  const chosen: typeof order = [];
  for (const o of order.slice(0, cap)) {
    const t = lineTokens(symbolLine(o.s));
    if (tokens + t > budget) break;
    chosen.push(o);
    tokens += t;
  }
  chosen.sort((a, b) => a.i - b.i);
  lines.push(...chosen.map((o) => symbolLine(o.s)));
  const hidden = symbols.length - chosen.length;
  if (hidden > 0) {
    const more = `  … ${hidden} more definitions`;
    const t = lineTokens(more);
    if (tokens + t <= budget) {
      lines.push(more);
      tokens += t;
    }
  }
  return { lines, tokens };
}

function symbolLine(s: CodeSymbol): string {
  return `  ${s.line} ${s.kind} ${s.name}`;
}

/** The budget is a promise: if per-line estimates drifted from the estimate of the whole, cut lines. */
function finish(lines: string[], budgetTokens: number, detailed: string[]): RenderedMap {
  let map = lines.join('\n');
  let tokens = estimateTokens(map);
  while (tokens > budgetTokens && lines.length > 0) {
    lines.pop();
    map = lines.join('\n');
    tokens = estimateTokens(map);
  }
  const kept = new Set(lines.map((l) => l.split('  (')[0]));
  return { map, tokens, detailed: detailed.filter((d) => kept.has(d)) };
}
