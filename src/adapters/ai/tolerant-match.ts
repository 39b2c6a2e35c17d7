// str_replace when old_str is not in the file exactly. Models copy text they were shown with
// small, meaningless drift: LF for CRLF, stripped trailing spaces, straight quotes for curly ones,
// a block shifted left or spaces for tabs. Each of those is forgiven here, one kind at a time and
// only when old_str then matches exactly one place; the replacement is written in the file's own
// conventions, and lines the model repeated unchanged are kept exactly as the file has them.
// Anything that would need a guess is refused with a message that lets the model fix its call.
import {
  IDENTITY,
  applyIndent,
  isIdentity,
  preferredMap,
  describeMap,
  fileIndentation,
  indentMaps,
  modelIndentsOf,
  type FileIndentation,
  type IndentMap,
  type IndentPair,
} from './indentation';
import { lcsPairs } from './lcs';
import { describeNearMiss } from './near-miss';
import {
  eolStyle,
  foldLookalikes,
  isBlank,
  leadingWhitespace,
  modelLines,
  toLines,
  trailingWhitespace,
  trimEnd,
  type Eol,
  type FileLine,
  type ModelText,
} from './text-lines';

export type TolerantOutcome =
  | { kind: 'replaced'; text: string; firstLine: number; lastLine: number; note: string }
  | { kind: 'refused'; message: string };

type Difference = 'line endings' | 'the final newline' | 'trailing whitespace' | 'typographic quotes and dashes' | 'indentation';

/** Listing more places than this helps nobody find the one meant. */
const MAX_PLACES = 10;

interface Tier {
  trailing: boolean;
  lookalikes: boolean;
  indentation: boolean;
}

/**
 * From the most meaningless difference to the most meaningful: the first tier that finds anything
 * decides, so a block that differs from old_str only in line endings is never passed over for one
 * that also differs in indentation. Each tier forgives everything the one before it did.
 */
const TIERS: Tier[] = [
  { trailing: false, lookalikes: false, indentation: false },
  { trailing: true, lookalikes: false, indentation: false },
  { trailing: true, lookalikes: true, indentation: false },
  { trailing: true, lookalikes: true, indentation: true },
];

/** One place in the file that old_str stands for. */
interface Candidate {
  /** First and last file line (0-based) of the region. */
  start: number;
  end: number;
  /** Where the region begins in the first line. */
  startCol: number;
  /** Old_str's first line matched the end of a file line, so new_str's first line continues mid-line. */
  headPartial: boolean;
  /** Where the region ends in the last line; null when it takes the whole line and its terminator. */
  endCol: number | null;
  /** For each old_str line, the file text it matched. */
  parts: string[];
  /** Model and file indentation of the old_str lines that start a line. */
  pairs: IndentPair[];
  maps: IndentMap[];
  differences: Set<Difference>;
}

interface Context {
  file: FileLine[];
  old: ModelText;
  neu: ModelText;
  oldHadCarriageReturns: boolean;
  indentation: FileIndentation;
  /**
   * Each line's text after its indentation, look-alikes folded and trailing whitespace dropped:
   * what every tier's comparison implies, computed once so that ruling a window out is one string
   * comparison instead of a tier's worth of work.
   */
  fileKeys: string[];
  /** The whole line folded and trimmed at the end, for lines old_str may match only the end of. */
  fileTails: string[];
  oldKeys: string[];
}

function looseKey(line: string): string {
  return trimEnd(foldLookalikes(line.slice(leadingWhitespace(line).length)));
}

/** Line endings of the file's convention for new_str, on the exact-match path. */
export function adaptLineEndings(fileText: string, newStr: string): string {
  if (!newStr.includes('\n')) return newStr;
  const style = eolStyle(toLines(fileText));
  if (style === null || !fileText.includes('\n')) return newStr;
  return newStr.replace(/\r?\n/g, style);
}

export function tolerantReplace(fileText: string, oldStr: string, newStr: string, fileName: string): TolerantOutcome {
  const file = toLines(fileText);
  const old = modelLines(oldStr);
  const ctx: Context = {
    file,
    old,
    neu: modelLines(newStr),
    oldHadCarriageReturns: oldStr.includes('\r'),
    indentation: fileIndentation(file.map((l) => l.text)),
    fileKeys: file.map((l) => looseKey(l.text)),
    fileTails: file.map((l) => trimEnd(foldLookalikes(l.text))),
    oldKeys: old.lines.map(looseKey),
  };
  if (isBlank(oldStr.replace(/[\r\n]/g, ''))) {
    return refused(`old_str is only whitespace and does not occur exactly in ${fileName}. Include some of the text around the place to change.`);
  }
  for (const tier of TIERS) {
    const found = candidates(ctx, tier);
    if (found.length === 1) return replace(ctx, found[0]!, fileName);
    if (found.length > 1) {
      const allowed = [...new Set(found.flatMap((c) => [...c.differences]))];
      const places = countRepeats(found.slice(0, MAX_PLACES).map((c) => lineRange(c.start, c.end)));
      if (found.length > MAX_PLACES) places.push(`${found.length - MAX_PLACES} more`);
      return refused(
        `old_str does not occur exactly in ${fileName}, and allowing for differences in ${listed(allowed)} it matches ${found.length} places (${places.join(', ')}). Include more surrounding lines, copied exactly from the file, so that it matches exactly once.`,
      );
    }
  }
  return refused(
    `old_str was not found in ${fileName}, not even allowing for differences in line endings, trailing whitespace, typographic quotes and dashes, or a uniform change of indentation.\n${describeNearMiss(ctx.file, ctx.old, fileName)}`,
  );
}

// ---------------------------------------------------------------- finding

function candidates(ctx: Context, tier: Tier): Candidate[] {
  const n = ctx.old.lines.length;
  const found: Candidate[] = [];
  for (let start = 0; start + n <= ctx.file.length; start++) found.push(...matchAt(ctx, tier, start));
  return found;
}

interface LineMatch {
  part: string;
  pair: IndentPair | null;
  /** Column where the match ends when it stops before the end of the line. */
  endCol: number | null;
  differences: Difference[];
}

/**
 * The matches of old_str whose first line is file line `start`: normally none or one, several
 * only when a one-line old_str occurs more than once inside that line.
 */
function matchAt(ctx: Context, tier: Tier, start: number): Candidate[] {
  const { old, file } = ctx;
  const n = old.lines.length;
  const openEnd = !old.endsWithNewline;
  if (!mayMatchAt(ctx, start)) return [];
  const rest: LineMatch[] = [];
  for (let i = 1; i < n; i++) {
    const m = matchWholeLine(file[start + i]!.text, old.lines[i]!, tier, openEnd && i === n - 1);
    if (!m) return [];
    rest.push(m);
  }
  const first = file[start]!.text;
  const firstOld = old.lines[0]!;
  const results: Candidate[] = [];

  const atLineStart = matchWholeLine(first, firstOld, tier, openEnd && n === 1);
  const whole = atLineStart ? assemble(ctx, tier, start, 0, false, [atLineStart, ...rest]) : null;
  if (whole) results.push(whole);
  // Old_str may begin mid-line (the model started copying after the indentation, or in the middle
  // of a statement). That reading is tried when the line-start one fails, and for a one-line
  // old_str also for every other place in the line, which is how repeats inside a line are found.
  if (leadingWhitespace(firstOld) !== '') return results;
  const contentStart = leadingWhitespace(first).length;
  for (const head of matchLineEnd(first, firstOld, tier, openEnd && n === 1)) {
    if (whole && head.startCol === contentStart) continue;
    // Starting right where the line's text starts, the first line does say something about
    // indentation: that it is unchanged. Such a reading stands only if the other lines agree.
    const onlyUnshifted = head.startCol <= contentStart;
    const candidate = assemble(ctx, tier, start, head.startCol, true, [{ ...head, pair: null }, ...rest], onlyUnshifted);
    if (candidate) results.push(candidate);
  }
  return results;
}

/** What every tier requires of the window at `start`, checked on the precomputed keys. */
function mayMatchAt(ctx: Context, start: number): boolean {
  const { old } = ctx;
  const n = old.lines.length;
  const openEnd = !old.endsWithNewline;
  for (let i = 1; i < n; i++) {
    const line = old.lines[i]!;
    const last = openEnd && i === n - 1;
    if (isBlank(line)) {
      if (!last && !isBlank(ctx.file[start + i]!.text)) return false;
      continue;
    }
    const key = ctx.fileKeys[start + i]!;
    if (last ? !key.startsWith(ctx.oldKeys[i]!) : key !== ctx.oldKeys[i]) return false;
  }
  if (isBlank(old.lines[0]!)) return true;
  const tail = ctx.fileTails[start]!;
  return n === 1 && openEnd ? tail.includes(ctx.oldKeys[0]!) : tail.endsWith(ctx.oldKeys[0]!);
}

/** A model line that starts a file line, indentation and all. `openEnd`: old_str stops inside this line. */
function matchWholeLine(fileLine: string, modelLine: string, tier: Tier, openEnd: boolean): LineMatch | null {
  if (isBlank(modelLine)) {
    if (openEnd) {
      // old_str ended inside the next line's indentation; only an exact prefix says where.
      return fileLine.startsWith(modelLine) ? { part: modelLine, pair: null, endCol: modelLine.length, differences: [] } : null;
    }
    if (!isBlank(fileLine)) return null;
    if (fileLine === modelLine) return { part: fileLine, pair: null, endCol: null, differences: [] };
    return tier.trailing ? { part: fileLine, pair: null, endCol: null, differences: ['trailing whitespace'] } : null;
  }
  const fileIndent = leadingWhitespace(fileLine);
  const modelIndent = leadingWhitespace(modelLine);
  if (fileIndent !== modelIndent && !tier.indentation) return null;
  const fileContent = fileLine.slice(fileIndent.length);
  const modelContent = modelLine.slice(modelIndent.length);
  const cmpFile = tier.lookalikes ? foldLookalikes(fileContent) : fileContent;
  const cmpModel = tier.lookalikes ? foldLookalikes(modelContent) : modelContent;
  const differences: Difference[] = fileIndent !== modelIndent ? ['indentation'] : [];
  const pair = { model: modelIndent, file: fileIndent };
  if (openEnd && cmpFile.startsWith(cmpModel)) {
    if (fileContent.slice(0, modelContent.length) !== modelContent) differences.push('typographic quotes and dashes');
    const endCol = fileIndent.length + modelContent.length;
    return { part: fileLine.slice(0, endCol), pair, endCol, differences };
  }
  if (cmpFile !== cmpModel) {
    if (!tier.trailing || trimEnd(cmpFile) !== trimEnd(cmpModel)) return null;
    differences.push('trailing whitespace');
  }
  if (trimEnd(fileContent) !== trimEnd(modelContent)) differences.push('typographic quotes and dashes');
  return { part: fileLine, pair, endCol: openEnd ? fileLine.length : null, differences };
}

/**
 * A model line that ends a file line but may start anywhere in it. When old_str is a single line
 * that stops inside the line (`within`), every occurrence in the line counts.
 */
function matchLineEnd(fileLine: string, modelLine: string, tier: Tier, within: boolean): Array<Omit<LineMatch, 'pair'> & { startCol: number }> {
  const cmpFile = tier.lookalikes ? foldLookalikes(fileLine) : fileLine;
  const cmpModel = tier.lookalikes ? foldLookalikes(modelLine) : modelLine;
  const found: Array<Omit<LineMatch, 'pair'> & { startCol: number }> = [];
  const lookalike = (startCol: number, length: number): Difference[] =>
    fileLine.slice(startCol, startCol + length) !== modelLine.slice(0, length) ? ['typographic quotes and dashes'] : [];
  if (within) {
    for (let at = cmpFile.indexOf(cmpModel); at !== -1; at = cmpFile.indexOf(cmpModel, at + 1)) {
      found.push({ startCol: at, part: fileLine.slice(at, at + modelLine.length), endCol: at + modelLine.length, differences: lookalike(at, modelLine.length) });
    }
    if (found.length > 0 || !tier.trailing) return found;
  } else if (cmpFile.endsWith(cmpModel)) {
    const at = fileLine.length - modelLine.length;
    return [{ startCol: at, part: fileLine.slice(at), endCol: null, differences: lookalike(at, modelLine.length) }];
  } else if (!tier.trailing) {
    return [];
  }
  const fileTrimmed = trimEnd(cmpFile);
  const modelTrimmed = trimEnd(cmpModel);
  if (!fileTrimmed.endsWith(modelTrimmed)) return [];
  const at = fileTrimmed.length - modelTrimmed.length;
  return [
    {
      startCol: at,
      part: fileLine.slice(at),
      endCol: within ? fileLine.length : null,
      differences: ['trailing whitespace', ...lookalike(at, modelTrimmed.length)],
    },
  ];
}

function assemble(
  ctx: Context,
  tier: Tier,
  start: number,
  startCol: number,
  headPartial: boolean,
  lines: LineMatch[],
  onlyUnshifted = false,
): Candidate | null {
  const end = start + lines.length - 1;
  const endCol = lines[lines.length - 1]!.endCol;
  const pairs = lines.flatMap((l) => (l.pair && !isBlank(l.part) ? [l.pair] : []));
  let maps = [IDENTITY];
  if (tier.indentation) {
    maps = indentMaps(pairs, modelIndents(ctx, headPartial), ctx.indentation);
    if (maps.length === 0) return null;
    if (onlyUnshifted && !maps.every((m) => m.from === m.to)) return null;
  }
  const differences = new Set<Difference>(lines.flatMap((l) => l.differences));
  const terminators = ctx.file.slice(start, end + 1).map((l, i) => (start + i < end || endCol === null ? l.eol : ''));
  if (terminators.includes('\r\n') !== ctx.oldHadCarriageReturns && terminators.some((t) => t !== '')) differences.add('line endings');
  if (endCol === null && ctx.old.endsWithNewline && ctx.file[end]!.eol === '') differences.add('the final newline');
  return { start, end, startCol, headPartial, endCol, parts: lines.map((l) => l.part), pairs, maps, differences };
}

/** Indentation of the model's lines that start a line: what shows which character and step it uses. */
function modelIndents(ctx: Context, headPartial: boolean): string[] {
  const lineStarts = (lines: string[]) => (headPartial ? lines.slice(1) : lines);
  return modelIndentsOf([...lineStarts(ctx.old.lines), ...lineStarts(ctx.neu.lines)]);
}

// ---------------------------------------------------------------- replacing

function replace(ctx: Context, c: Candidate, fileName: string): TolerantOutcome {
  let rendered: string[] | null = null;
  let map: IndentMap = IDENTITY;
  const attempts = c.maps.map((m) => ({ map: m, result: render(ctx, c, m) }));
  const succeeded = attempts.filter((a): a is { map: IndentMap; result: string[] } => Array.isArray(a.result));
  if (succeeded.length === 0) {
    const failure = attempts[0]?.result;
    return refused(`${typeof failure === 'string' ? failure : 'new_str could not be fitted to the file.'} Nothing was changed in ${fileName}.`);
  }
  const distinct = new Set(succeeded.map((a) => a.result.join('\n')));
  const chosen = preferredMap(
    succeeded.map((a) => a.map),
    modelIndents(ctx, c.headPartial),
    ctx.indentation,
  );
  if (distinct.size === 1) {
    // Any map will do; the chosen one, if there is one, also describes best what was done.
    const attempt = succeeded.find((a) => a.map === chosen) ?? succeeded[0]!;
    rendered = attempt.result;
    map = attempt.map;
  } else {
    const attempt = succeeded.find((a) => a.map === chosen);
    if (!attempt) {
      return refused(
        `old_str matches ${lineRange(c.start, c.end)} of ${fileName} once tabs and spaces are exchanged, but how many spaces a tab stands for cannot be told from it, so new_str cannot be indented safely. Copy old_str and new_str with the file's own indentation.`,
      );
    }
    rendered = attempt.result;
    map = attempt.map;
  }

  const eol = eolFor(ctx, c);
  const needsEol = rendered.length > 1 || ctx.neu.endsWithNewline;
  if (needsEol && eol === null) {
    return refused(
      `old_str matches ${lineRange(c.start, c.end)} of ${fileName} only when line endings are ignored, and those lines mix CRLF and LF, so it is unclear which new_str should use. Copy old_str exactly, line endings included.`,
    );
  }
  const lines = ctx.file;
  const startLine = lines[c.start]!;
  const endLine = lines[c.end]!;
  let before = lines.slice(0, c.start).map((l) => l.text + l.eol).join('') + startLine.text.slice(0, c.startCol);
  const after = (c.endCol === null ? '' : endLine.text.slice(c.endCol) + endLine.eol) + lines.slice(c.end + 1).map((l) => l.text + l.eol).join('');
  let tail: string = '';
  if (ctx.neu.endsWithNewline) tail = c.endCol === null && endLine.eol === '' ? '' : eol!;
  // Deleting the last lines of a file that has no final newline: the newline before them goes too,
  // or the file would gain one it never had.
  if (rendered.length === 0 && c.endCol === null && endLine.eol === '' && c.startCol === 0 && after === '' && before !== '') {
    before = before.replace(/\r?\n$/, '');
  }
  const text = before + rendered.join(eol ?? '\n') + tail + after;

  const adapted: string[] = [];
  if (c.differences.has('line endings') && eol === '\r\n' && needsEol) adapted.push('CRLF line endings');
  const shift = describeMap(map);
  if (shift) adapted.push(shift);
  if (c.differences.has('typographic quotes and dashes')) adapted.push("its own quotes and dashes kept where the text did not change");
  const note = `old_str was not an exact match: it matched ${lineRange(c.start, c.end)} once differences in ${listed([...c.differences])} were set aside${
    adapted.length ? `; new_str was adapted to the file (${adapted.join('; ')})` : ''
  }.`;
  return { kind: 'replaced', text, firstLine: c.start + 1, lastLine: c.start + Math.max(rendered.length, 1), note };
}

/**
 * new_str's lines as they go into the file, or why they cannot. Lines the model repeated from
 * old_str unchanged are the file's own; the others are re-indented with `map`, and where they
 * changed a line that differed from old_str only in quotes, dashes or trailing spaces, those
 * characters are carried over from the file.
 */
function render(ctx: Context, c: Candidate, map: IndentMap): string[] | string {
  const oldLines = ctx.old.lines;
  const newLines = ctx.neu.lines;
  const lastNew = newLines.length - 1;
  const lastOld = oldLines.length - 1;
  // Lines that start mid-line or stop mid-line only stand for their counterpart at the same edge.
  const sameEdge = (i: number, j: number) =>
    (c.headPartial && (i === 0) !== (j === 0) ? false : true) &&
    (c.endCol !== null && (i === lastOld) !== (j === lastNew && !ctx.neu.endsWithNewline) ? false : true);
  const { pairs } = lcsPairs(oldLines.length, newLines.length, (i, j) => oldLines[i] === newLines[j] && sameEdge(i, j));

  const out: string[] = new Array<string>(newLines.length);
  for (const [i, j] of pairs) out[j] = c.parts[i]!;
  for (let j = 0; j < newLines.length; j++) {
    if (out[j] !== undefined) continue;
    const line = newLines[j]!;
    if (j === 0 && c.headPartial) {
      out[j] = line;
    } else if (isBlank(line)) {
      // A blank line has no indentation to move; spaces the model left on it would become trailing ones.
      out[j] = isIdentity(map) ? line : '';
    } else {
      const indent = leadingWhitespace(line);
      const mapped = applyIndent(map, indent);
      if (mapped === null) {
        return `new_str line ${j + 1} is indented less than the old_str lines it replaces (${JSON.stringify(indent)}), so where it belongs in the file's indentation cannot be worked out. Copy old_str exactly, indentation included, and indent new_str the same way.`;
      }
      out[j] = mapped + line.slice(indent.length);
    }
  }

  for (const hunk of hunks(pairs, oldLines.length, newLines.length)) {
    if (hunk.oldCount === 0 || hunk.newCount === 0) continue;
    if (c.differences.has('typographic quotes and dashes')) {
      const carried = carryLookalikes(ctx, c, out, hunk);
      if (carried) return carried;
    }
    if (c.differences.has('trailing whitespace') && hunk.oldCount === hunk.newCount) {
      for (let k = 0; k < hunk.oldCount; k++) {
        const i = hunk.oldStart + k;
        const j = hunk.newStart + k;
        const fileTrail = trailingWhitespace(c.parts[i]!);
        const modelTrail = trailingWhitespace(oldLines[i]!);
        if (fileTrail !== modelTrail && trailingWhitespace(newLines[j]!) === modelTrail && !isBlank(out[j]!)) {
          out[j] = trimEnd(out[j]!) + fileTrail;
        }
      }
    }
  }
  return out;
}

interface Hunk {
  oldStart: number;
  oldCount: number;
  newStart: number;
  newCount: number;
}

/** The runs of old_str and new_str lines between paired (unchanged) lines. */
function hunks(pairs: Array<[number, number]>, oldLength: number, newLength: number): Hunk[] {
  const result: Hunk[] = [];
  let i = 0;
  let j = 0;
  for (const [pi, pj] of [...pairs, [oldLength, newLength] as [number, number]]) {
    if (pi > i || pj > j) result.push({ oldStart: i, oldCount: pi - i, newStart: j, newCount: pj - j });
    i = pi + 1;
    j = pj + 1;
  }
  return result;
}

/**
 * Where a changed line keeps characters of the old one, and the file had a curly quote or a dash
 * there that old_str spelled in ASCII, the file's character is put back: otherwise editing one word
 * of a sentence would silently retype its punctuation. Characters are paired by their longest
 * common subsequence over the whole hunk. Returns a refusal when the hunk is too large to compare.
 */
function carryLookalikes(ctx: Context, c: Candidate, out: string[], hunk: Hunk): string | null {
  const oldChars: string[] = [];
  const fileChars: Array<string | null> = [];
  for (let k = 0; k < hunk.oldCount; k++) {
    const i = hunk.oldStart + k;
    const model = ctx.old.lines[i]!;
    const part = c.parts[i]!;
    const skipModel = i === 0 && c.headPartial ? 0 : leadingWhitespace(model).length;
    const skipFile = i === 0 && c.headPartial ? 0 : leadingWhitespace(part).length;
    const modelContent = model.slice(skipModel);
    const fileContent = part.slice(skipFile);
    for (let p = 0; p < modelContent.length; p++) {
      oldChars.push(modelContent[p]!);
      fileChars.push(p < fileContent.length ? fileContent[p]! : null);
    }
    oldChars.push('\n');
    fileChars.push(null);
  }
  // Only look-alike positions are carried (either way round: the file may be the ASCII one);
  // whitespace differences are the indentation's business.
  const carries = (a: number) => {
    const fileChar = fileChars[a];
    const oldChar = oldChars[a]!;
    return fileChar !== null && fileChar !== undefined && fileChar !== oldChar && foldLookalikes(fileChar) === foldLookalikes(oldChar);
  };
  if (!oldChars.some((_, a) => carries(a))) return null;

  const newChars: string[] = [];
  const origin: Array<{ line: number; col: number }> = [];
  for (let k = 0; k < hunk.newCount; k++) {
    const j = hunk.newStart + k;
    const line = out[j]!;
    const skip = j === 0 && c.headPartial ? 0 : leadingWhitespace(line).length;
    for (let p = skip; p < line.length; p++) {
      newChars.push(line[p]!);
      origin.push({ line: j, col: p });
    }
    newChars.push('\n');
    origin.push({ line: j, col: -1 });
  }
  const { pairs, complete } = lcsPairs(oldChars.length, newChars.length, (a, b) => oldChars[a] === newChars[b]);
  if (!complete) {
    return `old_str matches lines ${c.start + 1}-${c.end + 1} only when typographic quotes and dashes are ignored, and the change is too large to carry the file's characters over safely. Copy old_str exactly from the file.`;
  }
  const edits = new Map<number, Map<number, string>>();
  for (const [a, b] of pairs) {
    if (!carries(a)) continue;
    const { line, col } = origin[b]!;
    if (!edits.has(line)) edits.set(line, new Map());
    edits.get(line)!.set(col, fileChars[a]!);
  }
  for (const [line, cols] of edits) {
    // UTF-16 units, as the columns were counted.
    out[line] = out[line]!.split('').map((ch, col) => cols.get(col) ?? ch).join('');
  }
  return null;
}

/** The terminator new lines get: the file's, or in a file that mixes them, the matched lines' if they agree. */
function eolFor(ctx: Context, c: Candidate): Eol | null {
  const style = eolStyle(ctx.file);
  if (style !== null) return style;
  const used = new Set(ctx.file.slice(c.start, c.end + 1).map((l) => l.eol).filter((e) => e !== ''));
  return used.size === 1 ? [...used][0]! : null;
}

// ---------------------------------------------------------------- wording

function refused(message: string): TolerantOutcome {
  return { kind: 'refused', message };
}

function lineRange(start: number, end: number): string {
  return start === end ? `line ${start + 1}` : `lines ${start + 1}-${end + 1}`;
}

/** "line 2, line 2, line 5" → "line 2 ×2, line 5": several matches inside one line. */
export function countRepeats(labels: string[]): string[] {
  const out: Array<{ label: string; times: number }> = [];
  for (const label of labels) {
    const last = out[out.length - 1];
    if (last?.label === label) last.times++;
    else out.push({ label, times: 1 });
  }
  return out.map(({ label, times }) => (times > 1 ? `${label} ×${times}` : label));
}

function listed(items: string[]): string {
  if (items.length <= 1) return items[0] ?? 'nothing';
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
