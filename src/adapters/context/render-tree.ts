// The files not shown in detail, as a directory tree folded to fit what is left of the budget.
// Folding starts from one line for the whole repository and unfolds directory by directory: first
// the top of the layout, so every area of the repository is named; then the directories holding
// the files the issue is most about, so the planner sees their neighbours by name; then the rest,
// shallow and large directories first.
import { vendoredRoot } from './file-kinds';
import { LINE_BREAK_WEIGHT, tokenWeight } from './tokens';

/** File names listed on an unfolded directory's line; the rest are counted. */
const NAMES_PER_DIRECTORY = 20;

interface TreeNode {
  segments: string[];
  /** Names of the files directly in this directory. */
  files: string[];
  children: Map<string, TreeNode>;
  /** Files in the whole subtree, and their extensions. */
  total: number;
  exts: Map<string, number>;
  /** A vendored or generated tree: always one line. */
  vendored: boolean;
  /** Highest score of a ranked file in the subtree; unfolds first. */
  relevance: number;
}

export function lineCost(line: string): number {
  return tokenWeight(line) + LINE_BREAK_WEIGHT;
}

function node(segments: string[]): TreeNode {
  return { segments, files: [], children: new Map(), total: 0, exts: new Map(), vendored: false, relevance: 0 };
}

export function buildTree(files: string[], relevance: ReadonlyMap<string, number> = new Map()): TreeNode {
  const root = node([]);
  for (const file of files) {
    const vendored = vendoredRoot(file);
    const segments = file.split('/');
    const base = segments.pop()!;
    // Everything under a vendored directory is counted at that directory, never listed.
    const dirs = vendored ? vendored.slice(0, -1).split('/') : segments;
    const dot = base.lastIndexOf('.');
    const ext = dot > 0 ? base.slice(dot) : '(none)';
    let at = root;
    for (const n of [root, ...walk(root, dirs)]) {
      n.total++;
      n.exts.set(ext, (n.exts.get(ext) ?? 0) + 1);
      at = n;
    }
    if (vendored) at.vendored = true;
    else at.files.push(base);
  }
  for (const [file, score] of relevance) {
    let at: TreeNode | undefined = root;
    for (const seg of file.split('/').slice(0, -1)) {
      if (!at) break;
      at.relevance = Math.max(at.relevance, score);
      at = at.children.get(seg);
    }
    if (at) at.relevance = Math.max(at.relevance, score);
  }
  return root;
}

/** The nodes along `dirs` below `root`, created as needed. */
function walk(root: TreeNode, dirs: string[]): TreeNode[] {
  const out: TreeNode[] = [];
  let at = root;
  for (const seg of dirs) {
    let next = at.children.get(seg);
    if (!next) {
      next = node([...at.segments, seg]);
      at.children.set(seg, next);
    }
    out.push(next);
    at = next;
  }
  return out;
}

function label(n: TreeNode): string {
  return n.segments.length ? `${n.segments.join('/')}/` : './';
}

function plural(count: number): string {
  return `${count} file${count === 1 ? '' : 's'}`;
}

/** One line for a whole subtree: how many files, of which kinds. */
function foldedLine(n: TreeNode): string {
  if (n.vendored) return `${label(n)} (${plural(n.total)}, vendored or generated)`;
  const exts = [...n.exts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const kinds = exts.slice(0, 4).map(([e, c]) => `${c} ${e}`).join(', ');
  const star = n.children.size > 0 ? '**' : '';
  return `${label(n)}${star} (${plural(n.total)}: ${kinds}${exts.length > 4 ? ', …' : ''})`;
}

/** The directory's own files by name (its subdirectories get lines of their own). */
function namesLine(n: TreeNode): string | null {
  if (n.files.length === 0) return null;
  const sorted = [...n.files].sort();
  const shown = sorted.slice(0, NAMES_PER_DIRECTORY).join(', ');
  return `${label(n)} ${shown}${sorted.length > NAMES_PER_DIRECTORY ? `, … +${sorted.length - NAMES_PER_DIRECTORY} more` : ''}`;
}

function sortedChildren(n: TreeNode): TreeNode[] {
  return [...n.children.values()].sort((a, b) => (a.segments[a.segments.length - 1]! < b.segments[b.segments.length - 1]! ? -1 : 1));
}

function unfoldCost(n: TreeNode): number {
  const own = namesLine(n);
  let cost = own ? lineCost(own) : 0;
  for (const c of n.children.values()) cost += lineCost(foldedLine(c));
  return cost - lineCost(foldedLine(n));
}

/** What the whole tree costs unfolded: the most a tree section could want. */
export function fullTreeCost(files: string[]): number {
  const root = buildTree(files);
  let cost = 0;
  const visit = (n: TreeNode) => {
    if (n.vendored) {
      cost += lineCost(foldedLine(n));
      return;
    }
    const own = namesLine(n);
    if (own) cost += lineCost(own);
    for (const c of n.children.values()) visit(c);
  };
  visit(root);
  return cost;
}

/**
 * The tree within `budget` (in token weight), unfolded greedily in the order of `before`; a
 * directory whose unfolding does not fit stays one line while cheaper ones elsewhere may still
 * unfold. `relevance` scores the files the issue is most about.
 */
export function renderTree(files: string[], budget: number, relevance: ReadonlyMap<string, number> = new Map()): string[] {
  if (files.length === 0) return [];
  const root = buildTree(files, relevance);
  const unfolded = new Set<TreeNode>();
  let used = lineCost(foldedLine(root));
  if (used > budget) return [];
  const queue = new NodeQueue();
  queue.push(root);
  for (let n = queue.pop(); n; n = queue.pop()) {
    if (n.vendored) continue;
    const delta = unfoldCost(n);
    if (used + delta > budget) continue;
    used += delta;
    unfolded.add(n);
    for (const c of n.children.values()) queue.push(c);
  }
  const lines: string[] = [];
  const emit = (n: TreeNode) => {
    if (!unfolded.has(n)) {
      lines.push(foldedLine(n));
      return;
    }
    const own = namesLine(n);
    if (own) lines.push(own);
    for (const c of sortedChildren(n)) emit(c);
  };
  emit(root);
  return lines;
}

/** Directories this shallow unfold before anything else: the repository's layout comes first. */
const LAYOUT_DEPTH = 2;

/** Unfolding order: the layout, then the way to relevant files, then shallow and large directories. */
function before(a: TreeNode, b: TreeNode): boolean {
  const stage = (n: TreeNode) => (n.segments.length < LAYOUT_DEPTH ? 0 : n.relevance > 0 ? 1 : 2);
  if (stage(a) !== stage(b)) return stage(a) < stage(b);
  if (a.relevance !== b.relevance) return a.relevance > b.relevance;
  if (a.segments.length !== b.segments.length) return a.segments.length < b.segments.length;
  if (a.total !== b.total) return a.total > b.total;
  return a.segments.join('/') < b.segments.join('/');
}

/** A binary heap ordered by `before`. */
class NodeQueue {
  private readonly items: TreeNode[] = [];

  push(n: TreeNode): void {
    const items = this.items;
    items.push(n);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(items[i]!, items[parent]!)) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }

  pop(): TreeNode | undefined {
    const items = this.items;
    if (items.length === 0) return undefined;
    const top = items[0]!;
    const last = items.pop()!;
    if (items.length > 0) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let best = i;
        if (l < items.length && before(items[l]!, items[best]!)) best = l;
        if (r < items.length && before(items[r]!, items[best]!)) best = r;
        if (best === i) break;
        [items[i], items[best]] = [items[best]!, items[i]!];
        i = best;
      }
    }
    return top;
  }
}
