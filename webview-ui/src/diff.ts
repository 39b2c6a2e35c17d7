// Line diff for proposal review. Proposals touch small infrastructure files, so an exact LCS
// over the changed middle is affordable; past a size cap the middle is shown as replaced, which
// is still correct, only less minimal.

export type DiffKind = 'same' | 'add' | 'del';

export interface DiffLine {
  kind: DiffKind;
  text: string;
  /** 1-based line number in the before text (same and del lines). */
  oldNo?: number;
  /** 1-based line number in the after text (same and add lines). */
  newNo?: number;
}

export interface Hunk {
  oldStart: number;
  newStart: number;
  lines: DiffLine[];
}

const MAX_CELLS = 4_000_000;

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  // A final newline ends the last line; it does not start another one.
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export function diffLines(before: string, after: string): DiffLine[] {
  const a = splitLines(before);
  const b = splitLines(after);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }

  const out: DiffLine[] = [];
  let oldNo = 1;
  let newNo = 1;
  const same = (text: string) => out.push({ kind: 'same', text, oldNo: oldNo++, newNo: newNo++ });
  const del = (text: string) => out.push({ kind: 'del', text, oldNo: oldNo++ });
  const add = (text: string) => out.push({ kind: 'add', text, newNo: newNo++ });

  for (let i = 0; i < start; i++) same(a[i]!);
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  const n = midA.length;
  const m = midB.length;
  if (n * m > MAX_CELLS) {
    midA.forEach(del);
    midB.forEach(add);
  } else {
    // lcs[i * (m + 1) + j] = length of the longest common subsequence of midA[i..] and midB[j..].
    const w = m + 1;
    const lcs = new Uint32Array((n + 1) * w);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i * w + j] = midA[i] === midB[j] ? lcs[(i + 1) * w + j + 1]! + 1 : Math.max(lcs[(i + 1) * w + j]!, lcs[i * w + j + 1]!);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n && j < m) {
      if (midA[i] === midB[j]) {
        same(midA[i++]!);
        j++;
      } else if (lcs[(i + 1) * w + j]! >= lcs[i * w + j + 1]!) {
        del(midA[i++]!);
      } else {
        add(midB[j++]!);
      }
    }
    while (i < n) del(midA[i++]!);
    while (j < m) add(midB[j++]!);
  }
  for (let i = endA; i < a.length; i++) same(a[i]!);
  return out;
}

/** Changed regions with `context` unchanged lines around them, like `diff -U3`. */
export function toHunks(lines: DiffLine[], context = 3): Hunk[] {
  const changed = lines.map((l, i) => (l.kind === 'same' ? -1 : i)).filter((i) => i >= 0);
  if (changed.length === 0) return [];
  const hunks: Hunk[] = [];
  let from = Math.max(0, changed[0]! - context);
  let to = Math.min(lines.length - 1, changed[0]! + context);
  const flush = () => {
    const slice = lines.slice(from, to + 1);
    const first = slice[0]!;
    hunks.push({ oldStart: first.oldNo ?? lineBefore(lines, from, 'oldNo'), newStart: first.newNo ?? lineBefore(lines, from, 'newNo'), lines: slice });
  };
  for (const idx of changed.slice(1)) {
    if (idx - context <= to + 1) {
      to = Math.min(lines.length - 1, idx + context);
    } else {
      flush();
      from = idx - context;
      to = Math.min(lines.length - 1, idx + context);
    }
  }
  flush();
  return hunks;
}

// A hunk that opens with an added line has no old line number of its own: it sits after the
// previous old line (0 at the top of the file), as unified diff headers count it.
function lineBefore(lines: DiffLine[], index: number, key: 'oldNo' | 'newNo'): number {
  for (let i = index - 1; i >= 0; i--) {
    const n = lines[i]![key];
    if (n !== undefined) return n + 1;
  }
  return 1;
}

export function diffStats(lines: DiffLine[]): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const l of lines) {
    if (l.kind === 'add') added++;
    else if (l.kind === 'del') removed++;
  }
  return { added, removed };
}

export interface SplitRow {
  left?: DiffLine;
  right?: DiffLine;
}

/** Side-by-side rows: a run of removals faces the run of additions that replaced it. */
export function toSplitRows(lines: DiffLine[]): SplitRow[] {
  const rows: SplitRow[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (line.kind === 'same') {
      rows.push({ left: line, right: line });
      i++;
      continue;
    }
    const dels: DiffLine[] = [];
    const adds: DiffLine[] = [];
    while (i < lines.length && lines[i]!.kind === 'del') dels.push(lines[i++]!);
    while (i < lines.length && lines[i]!.kind === 'add') adds.push(lines[i++]!);
    for (let k = 0; k < Math.max(dels.length, adds.length); k++) rows.push({ left: dels[k], right: adds[k] });
  }
  return rows;
}
