// Lays the map out within a token budget: the ranked files with their definitions first, because
// that is what the planner reads to choose files; then every other file, grouped by directory and
// compressed as far as the remaining budget needs, so the planner still sees the whole shape.
import type { RankedFile } from '../../core/ports';
import { vendoredRoot } from './file-kinds';
import type { CodeSymbol } from './symbols';
import { estimateTokens, LINE_BREAK_WEIGHT, tokenWeight } from './tokens';

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
/** The tree detail worth reserving room for: every directory, up to this many names in each. */
const RESERVED_NAMES = 12;

export function renderMap(input: RenderInput): RenderedMap {
  const { budgetTokens } = input;
  const header = [`# Repository map: ${input.files.length} files. Files ranked by relevance to the issue come first with their definitions (line, kind, name); then the other files by directory.`];
  for (const note of input.notes) header.push(`# Note: ${note}`);
  const used = header.reduce((n, l) => n + lineTokens(l), 0);

  const treeNeed = Math.min(treeCost(input.files), Math.floor(budgetTokens * TREE_SHARE));
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
  const treeLines = rest.length > 0 ? renderTree(rest, remaining - lineTokens('## Other files by directory')) : [];
  const lines = [...header, ...detailedLines];
  if (treeLines.length > 0) lines.push(detailed.length > 0 ? '## Other files by directory' : '## Files by directory', ...treeLines);
  return finish(lines, budgetTokens, detailed);
}

/** A line's share of the estimate, its line break included; these add up to the joined text's estimate. */
function lineTokens(line: string): number {
  return tokenWeight(line) + LINE_BREAK_WEIGHT;
}

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

// ---------------------------------------------------------------- the tree

interface Level {
  /** File names listed per directory, at most. */
  names: number;
  /** Directories deeper than this are folded into their ancestor. */
  depth: number;
}

const NAME_CAPS = [Infinity, 40, 20, 12, 8, 4, 2, 0];

function levels(maxDepth: number): Level[] {
  const out: Level[] = NAME_CAPS.map((names) => ({ names, depth: maxDepth }));
  for (let d = maxDepth - 1; d >= 1; d--) out.push({ names: 0, depth: d });
  return out;
}

interface DirGroup {
  /** Directory segments; empty for the top. */
  segments: string[];
  /** Names of the files directly in it. */
  names: string[];
  /** Files folded in from deeper directories. */
  deep: number;
  vendored: boolean;
  exts: Map<string, number>;
}

/** Files grouped by directory, parents before children; vendored trees folded into one group. */
export function groupByDirectory(files: string[]): DirGroup[] {
  const groups = new Map<string, DirGroup>();
  for (const file of files) {
    const vendored = vendoredRoot(file);
    const slash = file.lastIndexOf('/');
    const dir = vendored ?? (slash >= 0 ? file.slice(0, slash + 1) : '');
    let g = groups.get(dir);
    if (!g) {
      g = { segments: dir ? dir.slice(0, -1).split('/') : [], names: [], deep: 0, vendored: Boolean(vendored), exts: new Map() };
      groups.set(dir, g);
    }
    const base = file.slice(slash + 1);
    if (vendored) g.deep++;
    else g.names.push(base);
    const dot = base.lastIndexOf('.');
    const ext = dot > 0 ? base.slice(dot) : '(none)';
    g.exts.set(ext, (g.exts.get(ext) ?? 0) + 1);
  }
  return [...groups.values()].sort((a, b) => compareSegments(a.segments, b.segments));
}

/** What a useful tree costs, so the ranked section leaves room for it (up to TREE_SHARE of the budget). */
function treeCost(files: string[]): number {
  const groups = groupByDirectory(files);
  return linesCost(renderLevel(groups, { names: RESERVED_NAMES, depth: maxDepthOf(groups) })) + lineTokens('## Other files by directory');
}

function linesCost(lines: string[], stopAbove = Infinity): number {
  let n = 0;
  for (const l of lines) {
    n += lineTokens(l);
    if (n > stopAbove) break;
  }
  return n;
}

function maxDepthOf(groups: DirGroup[]): number {
  let depth = 1;
  for (const g of groups) depth = Math.max(depth, g.segments.length);
  return depth;
}

/** The most detailed rendering of `files` that fits `budget`; the least detailed one cut to fit otherwise. */
function renderTree(files: string[], budget: number): string[] {
  if (budget <= 0) return [];
  const groups = groupByDirectory(files);
  let last: string[] = [];
  for (const level of levels(maxDepthOf(groups))) {
    last = renderLevel(groups, level);
    if (linesCost(last, budget) <= budget) return last;
  }
  const out: string[] = [];
  let used = 0;
  for (const [i, line] of last.entries()) {
    const t = lineTokens(line);
    const tail = `… ${last.length - i} more directories`;
    if (used + t + lineTokens(tail) > budget) {
      if (used + lineTokens(tail) <= budget) out.push(tail);
      break;
    }
    out.push(line);
    used += t;
  }
  return out;
}

/** One line per directory at `level.depth`; deeper directories, contiguous after sorting, fold into it. */
function renderLevel(groups: DirGroup[], level: Level): string[] {
  const lines: string[] = [];
  let current: DirGroup | null = null;
  let currentKey = '';
  for (const g of groups) {
    if (g.segments.length <= level.depth) {
      if (current) lines.push(groupLine(current, level));
      current = { ...g, exts: new Map(g.exts) };
      currentKey = g.segments.join('/');
      continue;
    }
    const key = g.segments.slice(0, level.depth).join('/');
    if (!current || key !== currentKey) {
      if (current) lines.push(groupLine(current, level));
      current = { segments: g.segments.slice(0, level.depth), names: [], deep: 0, vendored: false, exts: new Map() };
      currentKey = key;
    }
    // A vendored tree inside the folded directory loses its own line: its files still count.
    current.deep += g.names.length + g.deep;
    for (const [ext, n] of g.exts) current.exts.set(ext, (current.exts.get(ext) ?? 0) + n);
  }
  if (current) lines.push(groupLine(current, level));
  return lines;
}

function groupLine(g: DirGroup, level: Level): string {
  const label = g.segments.length ? `${g.segments.join('/')}/` : './';
  const total = g.names.length + g.deep;
  const files = `${total} file${total === 1 ? '' : 's'}`;
  if (g.vendored) return `${label} (${files}, vendored or generated)`;
  if (level.names === 0 || g.deep > 0) {
    const exts = [...g.exts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    const shownExts = exts.slice(0, 4).map(([e, n]) => `${n} ${e}`).join(', ');
    const names = level.names > 0 && g.names.length > 0 ? `; here: ${listNames(g.names, level.names)}` : '';
    return `${g.deep > 0 ? `${label}**` : label} (${files}: ${shownExts}${exts.length > 4 ? ', …' : ''})${names}`;
  }
  return `${label} ${listNames(g.names, level.names)}`;
}

function listNames(names: string[], cap: number): string {
  const sorted = [...names].sort();
  if (sorted.length <= cap) return sorted.join(', ');
  return `${sorted.slice(0, cap).join(', ')}, … +${sorted.length - cap} more`;
}

/** Parents before children, siblings alphabetically: "a", "a/b", "a-c". */
function compareSegments(a: string[], b: string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  }
  return a.length - b.length;
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
