// How the indentation of the model's old_str lines maps onto the file's, so that new_str can be
// moved the same way. Only a uniform shift is accepted (every line gains or loses the same leading
// text), possibly after re-expressing tabs as spaces or the reverse: anything less regular would
// be a guess about structure, and in Python or YAML a wrong guess changes the program.
import { isBlank, leadingWhitespace } from './text-lines';

export interface IndentPair {
  model: string;
  file: string;
}

export interface IndentMap {
  /** Set when the model indented with the other character: its indentation is re-expressed first. */
  convert: { to: 'tabs' | 'spaces'; tabWidth: number } | null;
  /** The leading part of the model's (converted) indentation that becomes `to` in the file. */
  from: string;
  to: string;
}

export const IDENTITY: IndentMap = { convert: null, from: '', to: '' };

/** Widths editors actually use for a tab. */
const TAB_WIDTHS = [2, 3, 4, 8];

export interface FileIndentation {
  /** What the file's indented lines start with, when they agree. */
  char: 'tabs' | 'spaces' | null;
  /** The step between the file's space indentation levels, when it has any. */
  spaceUnit: number | null;
}

export function fileIndentation(lines: readonly string[]): FileIndentation {
  return { char: indentChar(lines.map(leadingWhitespace)), spaceUnit: spaceUnit(lines.map(leadingWhitespace)) };
}

/**
 * Every map under which each model indentation becomes its file indentation. More than one only
 * when tabs and spaces are converted and old_str alone does not pin the tab width; `preferredMap` then
 * decides, or nobody does.
 */
export function indentMaps(pairs: readonly IndentPair[], modelIndents: readonly string[], file: FileIndentation): IndentMap[] {
  if (pairs.every((p) => p.model === p.file)) return [IDENTITY];
  const fileChar = indentChar(pairs.map((p) => p.file)) ?? file.char;
  const modelChar = indentChar(modelIndents);
  const to = fileChar === 'tabs' && modelChar === 'spaces' ? 'tabs' : fileChar === 'spaces' && modelChar === 'tabs' ? 'spaces' : null;
  if (!to) {
    const map = shiftOf(pairs);
    return map ? [{ convert: null, ...map }] : [];
  }
  const maps: IndentMap[] = [];
  for (const tabWidth of TAB_WIDTHS) {
    const convert = { to, tabWidth } as const;
    const map = shiftOf(pairs.map((p) => ({ model: convertIndent(p.model, convert), file: p.file })));
    if (map) maps.push({ convert, ...map });
  }
  return maps;
}

/**
 * The tab width that the model's own indentation steps imply (converting to tabs), or the file's
 * (converting to spaces). Null when that width is not among the candidates: then it is a guess.
 */
export function preferredMap(maps: readonly IndentMap[], modelIndents: readonly string[], file: FileIndentation): IndentMap | null {
  const to = maps[0]?.convert?.to;
  const width = to === 'tabs' ? spaceUnit(modelIndents) : to === 'spaces' ? file.spaceUnit : null;
  return maps.find((m) => m.convert?.tabWidth === width) ?? null;
}

/** The file's indentation for a model line's indentation, or null when it is shallower than the block it belongs to. */
export function applyIndent(map: IndentMap, indent: string): string | null {
  const converted = map.convert ? convertIndent(indent, map.convert) : indent;
  if (!converted.startsWith(map.from)) return null;
  return map.to + converted.slice(map.from.length);
}

export function isIdentity(map: IndentMap): boolean {
  return map.convert === null && map.from === map.to;
}

/** For the model: what was done to its indentation, so it can send the file's own next time. */
export function describeMap(map: IndentMap): string {
  const parts: string[] = [];
  if (map.convert) {
    parts.push(map.convert.to === 'tabs' ? `a tab for every ${map.convert.tabWidth} spaces` : `${map.convert.tabWidth} spaces for every tab`);
  }
  if (map.from !== map.to) parts.push(`indentation ${visible(map.from)} became ${visible(map.to)}`);
  return parts.join('; ');
}

/** Indentation of the model's non-blank lines: what says which character and step it indents with. */
export function modelIndentsOf(lines: readonly string[]): string[] {
  return lines.filter((l) => !isBlank(l)).map(leadingWhitespace);
}

// ---------------------------------------------------------------- internals

/**
 * The single (from, to) such that every model indentation is from + R and its file indentation
 * to + R. Stripping the longest common suffix of each pair gives its own (from, to); the block is
 * uniformly shifted exactly when all pairs give the same one.
 */
function shiftOf(pairs: readonly IndentPair[]): { from: string; to: string } | null {
  let shift: { from: string; to: string } | null = null;
  for (const { model, file } of pairs) {
    let common = 0;
    while (common < model.length && common < file.length && model[model.length - 1 - common] === file[file.length - 1 - common]) common++;
    const from = model.slice(0, model.length - common);
    const to = file.slice(0, file.length - common);
    if (!shift) shift = { from, to };
    else if (shift.from !== from || shift.to !== to) return null;
  }
  return shift ?? { from: '', to: '' };
}

function convertIndent(indent: string, convert: { to: 'tabs' | 'spaces'; tabWidth: number }): string {
  let column = 0;
  for (const ch of indent) column = ch === '\t' ? column + convert.tabWidth - (column % convert.tabWidth) : column + 1;
  return convert.to === 'tabs'
    ? '\t'.repeat(Math.floor(column / convert.tabWidth)) + ' '.repeat(column % convert.tabWidth)
    : ' '.repeat(column);
}

function indentChar(indents: readonly string[]): 'tabs' | 'spaces' | null {
  let tabs = 0;
  let spaces = 0;
  for (const indent of indents) {
    if (indent.startsWith('\t')) tabs++;
    else if (indent.startsWith(' ')) spaces++;
  }
  if (tabs > 0 && spaces === 0) return 'tabs';
  if (spaces > 0 && tabs === 0) return 'spaces';
  // A file that mostly uses one has a convention even if a stray line disagrees.
  if (tabs >= 4 * spaces && tabs > 0) return 'tabs';
  if (spaces >= 4 * tabs && spaces > 0) return 'spaces';
  return null;
}

/**
 * The indentation step of some lines, as one of the usual tab widths: the one that divides the
 * most space indentations, the wider on a tie (everything a multiple of 4 is also a multiple of 2).
 * Counting shares instead of taking a gcd keeps one odd alignment line from deciding.
 */
function spaceUnit(indents: readonly string[]): number | null {
  const widths = indents.filter((i) => i.length > 0 && /^ +$/.test(i)).map((i) => i.length);
  if (widths.length === 0) return null;
  let best: number | null = null;
  let bestShare = 0;
  for (const width of TAB_WIDTHS) {
    const share = widths.filter((w) => w % width === 0).length;
    if (share > 0 && share >= bestShare) {
      best = width;
      bestShare = share;
    }
  }
  return best;
}

function visible(indent: string): string {
  if (indent === '') return 'none';
  const tabs = (indent.match(/\t/g) ?? []).length;
  const spaces = indent.length - tabs;
  return [tabs ? `${tabs} tab${tabs > 1 ? 's' : ''}` : '', spaces ? `${spaces} space${spaces > 1 ? 's' : ''}` : ''].filter(Boolean).join(' + ');
}
