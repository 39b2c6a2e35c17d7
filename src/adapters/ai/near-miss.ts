// What to tell the model when old_str matches nowhere: where the nearest similar block is and
// which of its lines differ. A bare "not found" makes the model guess again, often with the same
// stale copy; naming the lines lets it view exactly those and correct itself in one turn.
import { fileIndentation, indentMaps, modelIndentsOf, type IndentPair } from './indentation';
import { lcsPairs } from './lcs';
import { foldLookalikes, isBlank, leadingWhitespace, type FileLine, type ModelText } from './text-lines';

const MAX_LISTED = 3;
const MAX_SHOWN_CHARS = 160;
/** Below this, two lines being "similar" is noise, not a hint. */
const MIN_LINE_SIMILARITY = 0.5;
const MAX_COMPARISONS = 200_000;
const MIN_TELLING_CHARS = 4;

/** The file's lines with the keys they are compared by, each computed once. */
interface Prepared {
  texts: string[];
  /** Look-alikes folded, trimmed at both ends. */
  loose: string[];
  /** Look-alikes folded, all whitespace removed. */
  squashed: string[];
}

export function describeNearMiss(fileLines: readonly FileLine[], old: ModelText, fileName: string): string {
  const texts = fileLines.map((l) => l.text);
  const file: Prepared = { texts, loose: texts.map(looseKey), squashed: texts.map(squash) };
  const anchors = bestWindows(file, old);
  const anchor = anchors[0] ?? similarWindow(file, old);
  if (anchor === undefined || anchor === null) {
    return `Nothing in ${fileName} resembles old_str; it may belong to another file, or the file may have changed since you read it. View the file before editing it.`;
  }
  const n = old.lines.length;
  const { first, last, pairs } = align(file, old, anchor);
  const range = first === last ? `line ${first + 1}` : `lines ${first + 1}-${last + 1}`;
  const parts = [`The closest text is ${range} of ${fileName} (${pairs.length} of ${n} lines of old_str agree).`];

  const differing: string[] = [];
  for (const hunk of hunksOf(pairs, n, first, last)) differing.push(...describeHunk(texts, old, hunk));
  if (differing.length > 0) {
    parts.push('Where they differ:', ...differing.slice(0, MAX_LISTED));
    if (differing.length > MAX_LISTED) parts.push(`  ...and ${differing.length - MAX_LISTED} more difference(s).`);
  } else {
    parts.push(unevenIndentation(texts, old, first) ?? EDGE_WHITESPACE);
  }
  // Other equally good windows over the same lines are the same place seen through an insertion.
  const others = anchors
    .filter((a) => a > last || a + n - 1 < first)
    .slice(0, MAX_LISTED)
    .map((a) => `line ${Math.max(a, 0) + 1}`);
  if (others.length > 0) parts.push(`Similar text is also at ${others.join(', ')}: include enough context to tell them apart.`);
  parts.push(`The file may have changed since you read it: view ${range} again and copy the text exactly into old_str.`);
  return parts.join('\n');
}

interface Alignment {
  /** The file lines (0-based, inclusive) old_str is compared with. */
  first: number;
  last: number;
  /** [old_str line, file line] that agree, in order. */
  pairs: Array<[number, number]>;
}

/**
 * Lines of old_str paired with the file's around the anchor by longest common subsequence, so a
 * line inserted or removed since the model read the file shows up as that, not as every later
 * line differing. Without any agreeing line, old_str is laid over the window line by line.
 */
function align(file: Prepared, old: ModelText, anchor: number): Alignment {
  const { texts } = file;
  const n = old.lines.length;
  const from = Math.max(0, anchor - n);
  const to = Math.min(texts.length, anchor + 2 * n);
  const { pairs: local } = lcsPairs(n, to - from, (i, j) => agrees(old, i, file, from + j, 'loose'));
  const pairs = local.map(([i, j]): [number, number] => [i, from + j]);
  if (pairs.length === 0) {
    return { first: Math.max(anchor, 0), last: Math.max(Math.min(anchor + n, texts.length) - 1, Math.max(anchor, 0)), pairs };
  }
  const [firstOld, firstFile] = pairs[0]!;
  const [lastOld, lastFile] = pairs[pairs.length - 1]!;
  return {
    first: Math.max(0, firstFile - firstOld),
    last: Math.min(texts.length - 1, lastFile + (n - 1 - lastOld)),
    pairs,
  };
}

interface Hunk {
  oldStart: number;
  oldCount: number;
  fileStart: number;
  fileCount: number;
}

function hunksOf(pairs: Array<[number, number]>, n: number, first: number, last: number): Hunk[] {
  const hunks: Hunk[] = [];
  let i = 0;
  let f = first;
  for (const [pi, pf] of [...pairs, [n, last + 1] as [number, number]]) {
    if (pi > i || pf > f) hunks.push({ oldStart: i, oldCount: pi - i, fileStart: f, fileCount: pf - f });
    i = pi + 1;
    f = pf + 1;
  }
  return hunks;
}

/** Lines that differ side by side, then what only one side has, said with where it is. */
function describeHunk(texts: readonly string[], old: ModelText, hunk: Hunk): string[] {
  const lines: string[] = [];
  const common = Math.min(hunk.oldCount, hunk.fileCount);
  for (let k = 0; k < common; k++) lines.push(difference(hunk.fileStart + k, texts[hunk.fileStart + k]!, old.lines[hunk.oldStart + k]!));
  for (let k = common; k < hunk.fileCount; k++) {
    const f = hunk.fileStart + k;
    lines.push(`  line ${f + 1} of the file is not in old_str: ${show(texts[f]!)}`);
  }
  const missing = old.lines.slice(hunk.oldStart + common, hunk.oldStart + hunk.oldCount);
  if (missing.length > 0) {
    const before = hunk.fileStart + hunk.fileCount; // file lines before the place they would go
    const shown = `${missing.slice(0, MAX_LISTED).map(show).join(', ')}${missing.length > MAX_LISTED ? ', ...' : ''}`;
    if (before >= texts.length) lines.push(`  old_str continues past the end of the file with ${missing.length} more line(s): ${shown}`);
    else if (before === 0) lines.push(`  old_str starts with ${missing.length} line(s) that are not before line 1 of the file: ${shown}`);
    else lines.push(`  old_str has ${missing.length} line(s) between lines ${before} and ${before + 1} of the file that the file does not have: ${shown}`);
  }
  return lines;
}

/**
 * The window starts where most of old_str's non-blank lines resemble the file, first first;
 * none when no line does. Resembling ignores all whitespace, so a line that differs only in spacing still places
 * the window (and is then reported as differing). Middle lines vote through an index of the
 * file's lines; the first and last, which may cover only part of a file line, are checked against
 * every line.
 */
function bestWindows(file: Prepared, old: ModelText): number[] {
  const byKey = new Map<string, number[]>();
  file.squashed.forEach((key, f) => {
    if (key === '') return;
    const at = byKey.get(key);
    if (at) at.push(f);
    else byKey.set(key, [f]);
  });
  const votes = new Map<number, number>();
  const vote = (start: number) => votes.set(start, (votes.get(start) ?? 0) + 1);
  const n = old.lines.length;
  const voters = tellingLines(old);
  old.lines.forEach((line, i) => {
    if (!voters[i]) return;
    const edge = i === 0 || (i === n - 1 && !old.endsWithNewline);
    if (!edge) {
      for (const f of byKey.get(squash(line)) ?? []) vote(f - i);
      return;
    }
    for (let f = 0; f < file.texts.length; f++) {
      if (agrees(old, i, file, f, 'squashed')) vote(f - i);
    }
  });
  let most = 0;
  for (const count of votes.values()) most = Math.max(most, count);
  return [...votes].filter(([, count]) => count === most && most > 0).map(([start]) => start).sort((x, y) => x - y);
}

/** A line like "}" or "end" agrees with half the file and would place the window anywhere. */
function tellingLines(old: ModelText): boolean[] {
  const telling = old.lines.map((line) => squash(line).length >= MIN_TELLING_CHARS);
  return telling.some(Boolean) ? telling : old.lines.map((line) => !isBlank(line));
}

/**
 * Does old_str's line i agree with file line f, setting aside what the tolerant match sets aside
 * (and uneven indentation)? By the squashed key, spacing inside the line is set aside too.
 */
function agrees(old: ModelText, i: number, prepared: Prepared, f: number, by: 'loose' | 'squashed'): boolean {
  const line = old.lines[i]!;
  if (isBlank(line)) return isBlank(prepared.texts[f]!);
  const model = by === 'loose' ? looseKey(line) : squash(line);
  const file = prepared[by][f]!;
  const n = old.lines.length;
  const openStart = i === 0;
  const openEnd = i === n - 1 && !old.endsWithNewline;
  if (openStart && openEnd) return file.includes(model);
  if (openStart) return file.endsWith(model);
  if (openEnd) return file.startsWith(model);
  return file === model;
}

function looseKey(line: string): string {
  return foldLookalikes(line).trim();
}

function squash(line: string): string {
  return foldLookalikes(line).replace(/\s+/g, '');
}

function difference(index: number, fileLine: string, modelLine: string): string {
  const label = `  line ${index + 1} of the file:`;
  const shownFile = `${label} ${show(fileLine)}`;
  const shownModel = `${'  old_str has:'.padEnd(label.length)} ${show(modelLine)}`;
  const note = squash(fileLine) === squash(modelLine) ? ' (only the spacing inside the line differs)' : '';
  return `${shownFile}\n${shownModel}${note}`;
}

const EDGE_WHITESPACE =
  'These lines agree with old_str apart from whitespace at the start or end of old_str (or of one of its lines) that the file does not have there.';

/**
 * Every line agrees once whitespace is set aside. When the indentation does not shift by the same
 * amount on every line, that is the reason, and the lines say by how much each one does.
 */
function unevenIndentation(texts: readonly string[], old: ModelText, start: number): string | null {
  const lines: string[] = [];
  const pairs: IndentPair[] = [];
  old.lines.forEach((line, i) => {
    if (isBlank(line)) return;
    const fileLine = texts[start + i]!;
    pairs.push({ model: leadingWhitespace(line), file: leadingWhitespace(fileLine) });
    lines.push(`  line ${start + i + 1}: the file indents with ${show(leadingWhitespace(fileLine))}, old_str with ${show(leadingWhitespace(line))}`);
  });
  if (indentMaps(pairs, modelIndentsOf(old.lines), fileIndentation(texts)).length > 0) return null;
  return [
    'These lines have the same text as old_str, but their indentation does not differ from old_str by the same amount on every line, so they cannot be matched as one block:',
    ...lines.slice(0, MAX_LISTED + 2),
  ].join('\n');
}

/**
 * When no line of old_str is in the file even loosely (everything was rewritten), the window
 * where its lines are most similar to the file's, so the model still learns where to look.
 * Bounded: past MAX_COMPARISONS only old_str's longest line is compared.
 */
function similarWindow(file: Prepared, old: ModelText): number | null {
  const voters = tellingLines(old);
  const probes = old.lines.map((line, i) => ({ key: looseKey(line), i })).filter((p) => p.key.length > 0 && voters[p.i]);
  const compared = probes.length * file.texts.length <= MAX_COMPARISONS ? probes : probes.sort((a, b) => b.key.length - a.key.length).slice(0, 1);
  const scores = new Map<number, number>();
  for (const probe of compared) {
    const pairs = bigrams(probe.key);
    file.loose.forEach((key, f) => {
      const score = similarity(probe.key, pairs, key);
      if (score >= MIN_LINE_SIMILARITY) scores.set(f - probe.i, (scores.get(f - probe.i) ?? 0) + score);
    });
  }
  let best: number | null = null;
  let bestScore = 0;
  for (const [start, score] of scores) {
    if (score > bestScore || (score === bestScore && best !== null && start < best)) {
      best = start;
      bestScore = score;
    }
  }
  return best;
}

/** Character pairs of a line, counted: what the Dice coefficient compares. */
function bigrams(text: string): Map<string, number> {
  const pairs = new Map<string, number>();
  for (let i = 0; i < text.length - 1; i++) {
    const pair = text.slice(i, i + 2);
    pairs.set(pair, (pairs.get(pair) ?? 0) + 1);
  }
  return pairs;
}

/** Dice coefficient over character pairs: cheap, and tolerant of small edits anywhere in a line. */
function similarity(a: string, aPairs: Map<string, number>, b: string): number {
  if (a.length < 2 || b.length < 2) return a === b && a.length > 0 ? 1 : 0;
  const used = new Map<string, number>();
  let shared = 0;
  for (let i = 0; i < b.length - 1; i++) {
    const pair = b.slice(i, i + 2);
    const count = used.get(pair) ?? 0;
    if (count < (aPairs.get(pair) ?? 0)) {
      shared++;
      used.set(pair, count + 1);
    }
  }
  return (2 * shared) / (a.length - 1 + b.length - 1);
}

/** JSON quoting shows tabs, trailing spaces and quote characters unambiguously. */
function show(text: string): string {
  const clipped = text.length > MAX_SHOWN_CHARS ? `${text.slice(0, MAX_SHOWN_CHARS)}…` : text;
  return JSON.stringify(clipped);
}
