// What to tell the model when old_str matches nowhere: where the nearest similar block is and
// which of its lines differ. A bare "not found" makes the model guess again, often with the same
// stale copy; naming the lines lets it view exactly those and correct itself in one turn.
import { foldLookalikes, isBlank, leadingWhitespace, type FileLine, type ModelText } from './text-lines';

const MAX_LISTED = 3;
const MAX_SHOWN_CHARS = 160;
/** Below this a "most similar line" is noise, not a hint. */
const MIN_LINE_SIMILARITY = 0.5;

export function describeNearMiss(fileLines: readonly FileLine[], old: ModelText, fileName: string): string {
  const texts = fileLines.map((l) => l.text);
  const start = bestWindow(texts, old);
  if (start === null) return similarLine(texts, old, fileName);

  const n = old.lines.length;
  const first = Math.max(start, 0);
  const last = Math.min(start + n, texts.length) - 1;
  const differing: string[] = [];
  let agreeing = 0;
  let outside = 0;
  for (let i = 0; i < n; i++) {
    const f = start + i;
    const fileLine = texts[f];
    if (fileLine === undefined) {
      outside++;
      continue;
    }
    if (agrees(old, i, fileLine)) agreeing++;
    else differing.push(difference(f, fileLine, old.lines[i]!));
  }

  const range = first === last ? `line ${first + 1}` : `lines ${first + 1}-${last + 1}`;
  const parts = [`The closest text is ${range} of ${fileName} (${agreeing} of ${n} lines of old_str agree).`];
  if (differing.length > 0) {
    parts.push('Where they differ:', ...differing.slice(0, MAX_LISTED));
    if (differing.length > MAX_LISTED) parts.push(`  ...and ${differing.length - MAX_LISTED} more differing line(s).`);
  } else if (outside === 0) {
    parts.push(unevenIndentation(texts, old, start));
  }
  if (outside > 0) {
    parts.push(`old_str runs ${outside} line(s) past the ${start < 0 ? 'start' : 'end'} of the file there.`);
  }
  parts.push(`The file may have changed since you read it: view ${range} again and copy the text exactly into old_str.`);
  return parts.join('\n');
}

/**
 * The window start where most of old_str's non-blank lines agree with the file, or null when none
 * does. Middle lines vote through an index of the file's lines; the first and last, which may
 * cover only part of a file line, are checked against every line.
 */
function bestWindow(texts: readonly string[], old: ModelText): number | null {
  const byKey = new Map<string, number[]>();
  texts.forEach((text, f) => {
    const key = looseKey(text);
    if (key === '') return;
    const at = byKey.get(key);
    if (at) at.push(f);
    else byKey.set(key, [f]);
  });
  const votes = new Map<number, number>();
  const vote = (start: number) => votes.set(start, (votes.get(start) ?? 0) + 1);
  const n = old.lines.length;
  old.lines.forEach((line, i) => {
    if (isBlank(line)) return;
    const edge = i === 0 || (i === n - 1 && !old.endsWithNewline);
    if (!edge) {
      for (const f of byKey.get(looseKey(line)) ?? []) vote(f - i);
      return;
    }
    texts.forEach((text, f) => {
      if (agrees(old, i, text)) vote(f - i);
    });
  });
  let best: number | null = null;
  let bestVotes = 0;
  for (const [start, count] of votes) {
    if (count > bestVotes || (count === bestVotes && best !== null && start < best)) {
      best = start;
      bestVotes = count;
    }
  }
  return best;
}

/** Does old_str's line i agree with a file line, ignoring everything the tolerant match ignores and more? */
function agrees(old: ModelText, i: number, fileLine: string): boolean {
  const line = old.lines[i]!;
  if (isBlank(line)) return isBlank(fileLine);
  const key = looseKey(line);
  const file = looseKey(fileLine);
  const n = old.lines.length;
  const openStart = i === 0;
  const openEnd = i === n - 1 && !old.endsWithNewline;
  if (openStart && openEnd) return file.includes(key);
  if (openStart) return file.endsWith(key);
  if (openEnd) return file.startsWith(key);
  return file === key;
}

function looseKey(line: string): string {
  return foldLookalikes(line).trim();
}

function difference(index: number, fileLine: string, modelLine: string): string {
  const label = `  line ${index + 1} of the file:`;
  const shownFile = `${label} ${show(fileLine)}`;
  const shownModel = `${'  old_str has:'.padEnd(label.length)} ${show(modelLine)}`;
  const squash = (s: string) => foldLookalikes(s).replace(/\s+/g, '');
  const note = squash(fileLine) === squash(modelLine) ? ' (only the spacing inside the line differs)' : '';
  return `${shownFile}\n${shownModel}${note}`;
}

/** Every line agrees once whitespace is set aside: what is left is indentation that does not shift uniformly. */
function unevenIndentation(texts: readonly string[], old: ModelText, start: number): string {
  const lines: string[] = [];
  old.lines.forEach((line, i) => {
    if (isBlank(line) || (i === 0 && leadingWhitespace(line) === '')) return;
    const fileLine = texts[start + i]!;
    lines.push(`  line ${start + i + 1}: the file indents with ${show(leadingWhitespace(fileLine))}, old_str with ${show(leadingWhitespace(line))}`);
  });
  return [
    'These lines have the same text as old_str, but their indentation does not differ from old_str by the same amount on every line, so they cannot be matched as one block:',
    ...lines.slice(0, MAX_LISTED + 2),
  ].join('\n');
}

function similarLine(texts: readonly string[], old: ModelText, fileName: string): string {
  const probe = [...old.lines].sort((a, b) => b.trim().length - a.trim().length)[0] ?? '';
  let best = -1;
  let bestScore = 0;
  texts.forEach((text, f) => {
    const score = similarity(looseKey(probe), looseKey(text));
    if (score > bestScore) {
      best = f;
      bestScore = score;
    }
  });
  const none = `No line of old_str occurs in ${fileName}; it may belong to another file, or the file may have changed since you read it.`;
  if (best === -1 || bestScore < MIN_LINE_SIMILARITY) return `${none} View the file before editing it.`;
  return `${none} The most similar line is line ${best + 1}: ${show(texts[best]!)}. View the lines around it and copy the text exactly into old_str.`;
}

/** Dice coefficient over character pairs: cheap, and tolerant of small edits anywhere in a line. */
function similarity(a: string, b: string): number {
  if (a.length < 2 || b.length < 2) return a === b && a.length > 0 ? 1 : 0;
  const pairs = new Map<string, number>();
  for (let i = 0; i < a.length - 1; i++) {
    const pair = a.slice(i, i + 2);
    pairs.set(pair, (pairs.get(pair) ?? 0) + 1);
  }
  let shared = 0;
  for (let i = 0; i < b.length - 1; i++) {
    const pair = b.slice(i, i + 2);
    const left = pairs.get(pair) ?? 0;
    if (left > 0) {
      shared++;
      pairs.set(pair, left - 1);
    }
  }
  return (2 * shared) / (a.length - 1 + b.length - 1);
}

/** JSON quoting shows tabs, trailing spaces and quote characters unambiguously. */
function show(text: string): string {
  const clipped = text.length > MAX_SHOWN_CHARS ? `${text.slice(0, MAX_SHOWN_CHARS)}…` : text;
  return JSON.stringify(clipped);
}
