import type { Issue } from './model';
import { createRedactor, REDACTED, type Redactor } from './redact';

// Issue text, comments and logs are written by whoever can open an issue or print to a log. What a
// person sees on GitHub must be all the model is told: anything GitHub does not show (HTML
// comments, attributes, image alt text, link titles, unused link definitions) and anything no
// screen shows (zero-width, bidirectional and tag characters) is a channel for instructions the
// person approving the run never read. It is removed here, before a prompt is built.
//
// Code is the exception: what sits in a fenced block or a code span is shown verbatim, so it is
// kept verbatim (a bug report about an HTML template needs its comments and attributes). Code is
// only recognised where GitHub's renderer must agree: fences at the start of a line, code spans
// on lines nothing earlier reaches into. Anywhere in doubt, the text is treated as markdown, and
// the worst outcome is a comment lost from a code sample, never hidden text let through.

export interface SanitizeReport {
  htmlComments: number;
  /** Hidden elements, declarations and attributes that never render. */
  hiddenHtml: number;
  imageAltText: number;
  linkTitles: number;
  /** Link reference and footnote definitions that nothing refers to: they render as nothing. */
  unusedDefinitions: number;
  /** Zero-width and other invisible characters: soft hyphen, fillers, invisible operators. */
  invisible: number;
  bidi: number;
  tagCharacters: number;
  variationSelectors: number;
  /** Control characters and terminal escape sequences. */
  controls: number;
  secrets: number;
  truncatedChars: number;
  /** Comments left out of an issue beyond the limit (the oldest go first). */
  droppedComments: number;
}

export const emptyReport = (): SanitizeReport => ({
  htmlComments: 0,
  hiddenHtml: 0,
  imageAltText: 0,
  linkTitles: 0,
  unusedDefinitions: 0,
  invisible: 0,
  bidi: 0,
  tagCharacters: 0,
  variationSelectors: 0,
  controls: 0,
  secrets: 0,
  truncatedChars: 0,
  droppedComments: 0,
});

export interface SanitizeOptions {
  /**
   * `markdown`: issue bodies and comments, as GitHub renders them. `plain`: single values shown as
   * text (titles, labels). `log`: command output; when cut, its end is kept, where failures are.
   */
  format?: 'markdown' | 'plain' | 'log';
  maxChars?: number;
  /** The workspace's redactor, which also knows the configured secret values. Token patterns otherwise. */
  redact?: Redactor;
}

export interface Sanitized {
  text: string;
  removed: SanitizeReport;
}

const DEFAULT_MAX_CHARS = 20_000;
const patternsOnly = createRedactor([]);

// ------------------------------------------------------------------ invisible Unicode

type Kind = 'keep' | 'control' | 'bidi' | 'invisible' | 'joiner' | 'selector' | 'tag';

const COUNTER: Record<Exclude<Kind, 'keep'>, keyof SanitizeReport> = {
  control: 'controls',
  bidi: 'bidi',
  invisible: 'invisible',
  joiner: 'invisible',
  selector: 'variationSelectors',
  tag: 'tagCharacters',
};

const DEFAULT_IGNORABLE = /\p{Default_Ignorable_Code_Point}/u;
const PICTOGRAPHIC = /\p{Extended_Pictographic}/u;
const EMOJI_JOINABLE = /[\p{Extended_Pictographic}\p{Emoji_Modifier}\uFE0F]/u;
const TEXT_OR_EMOJI_BASE = /[\p{Emoji}\p{S}]/u;
const STANDARD_VARIATION_BASE = /[\p{Ideographic}\p{Sm}\p{scx=Mymr}\p{scx=Phag}\p{scx=Mani}]/u;
const IDEOGRAPH = /\p{Ideographic}/u;
const MONGOLIAN = /\p{scx=Mong}/u;
/** Scripts whose spelling uses ZWJ/ZWNJ between letters (Persian, Indic conjuncts, Sinhala…). */
const JOINING_SCRIPT =
  /[\p{scx=Arab}\p{scx=Syrc}\p{scx=Thaa}\p{scx=Nkoo}\p{scx=Mong}\p{scx=Deva}\p{scx=Beng}\p{scx=Guru}\p{scx=Gujr}\p{scx=Orya}\p{scx=Taml}\p{scx=Telu}\p{scx=Knda}\p{scx=Mlym}\p{scx=Sinh}\p{scx=Tibt}\p{scx=Mymr}\p{scx=Khmr}]/u;

function kindOf(cp: number, ch: string): Kind {
  if (cp === 0x09 || cp === 0x0a) return 'keep';
  if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) return 'control';
  if (cp < 0xa0) return 'keep';
  if (cp === 0x061c || cp === 0x200e || cp === 0x200f || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069)) return 'bidi';
  if (cp === 0x200c || cp === 0x200d) return 'joiner';
  if ((cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0xe0100 && cp <= 0xe01ef) || (cp >= 0x180b && cp <= 0x180f)) return 'selector';
  if (cp >= 0xe0000 && cp <= 0xe007f) return 'tag';
  if (
    (cp >= 0xd800 && cp <= 0xdfff) || // a lone surrogate: half a character, shown as nothing or garbage
    (cp >= 0xfdd0 && cp <= 0xfdef) ||
    (cp & 0xfffe) === 0xfffe ||
    (cp >= 0xfff9 && cp <= 0xfffb) || // interlinear annotation: marks text most renderers hide
    DEFAULT_IGNORABLE.test(ch)
  ) {
    return 'invisible';
  }
  return 'keep';
}

/**
 * ZWJ builds emoji (👩‍💻) and, like ZWNJ, shapes letters in joining scripts (Persian می‌خواهم).
 * Anywhere else, and in runs, joiners only carry hidden bits.
 */
function joinerFits(cp: number, prev: string, next: string): boolean {
  if (cp === 0x200d && EMOJI_JOINABLE.test(prev) && PICTOGRAPHIC.test(next)) return true;
  return JOINING_SCRIPT.test(prev) && /[\p{L}\p{M}]/u.test(prev) && JOINING_SCRIPT.test(next) && /[\p{L}\p{M}]/u.test(next);
}

/**
 * One selector after a base that has variants is real (❤️, 葛󠄀). Selectors in a run, or after a
 * base without variants, are how data is smuggled inside an emoji: each one can encode a byte.
 */
function selectorFits(cp: number, prev: string): boolean {
  if (!prev || kindOf(prev.codePointAt(0)!, prev) !== 'keep' || /\s/u.test(prev)) return false;
  if (cp === 0xfe0e || cp === 0xfe0f) return TEXT_OR_EMOJI_BASE.test(prev);
  if (cp >= 0xfe00 && cp <= 0xfe0d) return STANDARD_VARIATION_BASE.test(prev);
  if (cp >= 0xe0100) return IDEOGRAPH.test(prev);
  return MONGOLIAN.test(prev);
}

const WAVING_BLACK_FLAG = 0x1f3f4;

/**
 * Subdivision flags (🏴󠁧󠁢󠁳󠁣󠁴󠁿, Scotland) are the only legitimate use of tag characters: the flag, a short
 * region code such as `gbsct` spelled in tags, and CANCEL TAG. Returns the end of such a sequence.
 */
function flagSequenceEnd(cps: string[], from: number): number {
  let code = '';
  let i = from;
  for (; i < cps.length && code.length <= 7; i++) {
    const cp = cps[i]!.codePointAt(0)!;
    if (cp === 0xe007f) return /^(?:[a-z]{2}|\d{3})[a-z0-9]{1,4}$/.test(code) ? i + 1 : -1;
    if (cp < 0xe0020 || cp > 0xe007e) return -1;
    code += String.fromCharCode(cp - 0xe0000);
  }
  return -1;
}

// Escape sequences colour logs, but they can also conceal text, or carry hyperlink targets and
// application strings a terminal never shows; the text between them is kept. Only 7-bit forms are
// read as sequences: a lone U+0090 in text is mojibake far more often than a terminal command, and
// is removed as a control character like any other.
const TERMINAL_ESCAPE = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b[\]PX^_][^\x07\x1b\n]*(?:\x07|\x1b\\)?|\x1b[ -/]*[0-~]/g;

function cleanUnicode(input: string, r: SanitizeReport): string {
  const text = input.replace(/[\u2028\u2029\u0085]/g, '\n').replace(TERMINAL_ESCAPE, () => {
    r.controls++;
    return '';
  });
  const cps = Array.from(text);
  const out: string[] = [];
  let prev = '';
  for (let i = 0; i < cps.length; i++) {
    const ch = cps[i]!;
    const cp = ch.codePointAt(0)!;
    if (cp === WAVING_BLACK_FLAG) {
      const end = flagSequenceEnd(cps, i + 1);
      if (end > 0) {
        out.push(cps.slice(i, end).join(''));
        prev = cps[end - 1]!;
        i = end - 1;
        continue;
      }
    }
    const kind = kindOf(cp, ch);
    if (kind === 'keep' || (kind === 'joiner' && joinerFits(cp, prev, cps[i + 1] ?? '')) || (kind === 'selector' && selectorFits(cp, prev))) {
      out.push(ch);
      prev = ch;
    } else {
      r[COUNTER[kind as Exclude<Kind, 'keep'>]]++;
    }
  }
  return out.join('');
}

// ------------------------------------------------------------------ code that GitHub shows verbatim

// Code is swapped for placeholders while markdown is cleaned, then put back. The placeholder
// characters are noncharacters, replaced in the input first so that no one can forge one.
const MASK_OPEN = '\uFDD0';
const MASK_CLOSE = '\uFDD1';
const MASKED = /\uFDD0(\d+)\uFDD1/g;

function mask(code: string, parts: string[]): string {
  parts.push(code);
  return `${MASK_OPEN}${parts.length - 1}${MASK_CLOSE}`;
}

function unmask(text: string, parts: string[]): string {
  return text.replace(MASKED, (_m, n: string) => parts[Number(n)] ?? '');
}

const ASCII_PUNCTUATION = /^[!-/:-@[-`{-~]$/;
const ATTRIBUTE = String.raw`\s+[A-Za-z_:][A-Za-z0-9_.:-]*(?:\s*=\s*(?:[^\s"'=<>\x60]+|'[^']*'|"[^"]*"))?`;
/** CommonMark's raw HTML open tag, so that what counts as a tag here is what counts on GitHub. */
const OPEN_TAG = String.raw`<([A-Za-z][A-Za-z0-9-]*)((?:${ATTRIBUTE})*)\s*(\/?)>`;
const CLOSE_TAG = String.raw`<\/([A-Za-z][A-Za-z0-9-]*)\s*>`;
const INLINE_HTML = [
  /<[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*>/y, // autolink
  /<[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*>/y,
  /<!--(?:>|->|[\s\S]*?-->)/y,
  /<\?[\s\S]*?\?>/y,
  /<!\[CDATA\[[\s\S]*?\]\]>/y,
  /<![A-Za-z][^>]*>/y,
  new RegExp(OPEN_TAG, 'y'),
  new RegExp(CLOSE_TAG, 'y'),
];

/** Length of the raw HTML or autolink at `i`; 0 when there is none; -1 when one may go on to the next line. */
function inlineHtmlLength(line: string, i: number): number {
  for (const re of INLINE_HTML) {
    re.lastIndex = i;
    const m = re.exec(line);
    if (m) return m[0].length;
  }
  return /[A-Za-z/!?]/.test(line[i + 1] ?? '') ? -1 : 0;
}

function backtickRun(text: string, i: number): number {
  let n = 0;
  while (text[i + n] === '`') n++;
  return n;
}

/**
 * Masks the code spans of one line. Which backticks pair up depends on the whole paragraph, and
 * a paragraph's start is not always known here (list items, quotes), so spans are only trusted on
 * lines reached with nothing open: no backtick run or HTML tag left waiting for a later line.
 * `open` reports that this line leaves one waiting.
 */
function maskLineSpans(line: string, parts: string[]): { text: string; open: boolean } {
  let out = '';
  let from = 0;
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (c === '\\' && ASCII_PUNCTUATION.test(line[i + 1] ?? '')) {
      i += 2;
    } else if (c === '<') {
      const length = inlineHtmlLength(line, i);
      if (length < 0) return { text: out + line.slice(from), open: true };
      i += length || 1;
    } else if (c === '`') {
      const run = backtickRun(line, i);
      let close = i + run;
      while (close < line.length) {
        close = line.indexOf('`'.repeat(run), close);
        if (close < 0 || backtickRun(line, close) === run) break;
        close += backtickRun(line, close);
      }
      if (close < 0 || close >= line.length) return { text: out + line.slice(from), open: true };
      out += line.slice(from, i) + mask(line.slice(i, close + run), parts);
      i = from = close + run;
    } else {
      i++;
    }
  }
  return { text: out + line.slice(from), open: false };
}

/** Lines of one run of markdown between blank lines: code spans in it, as far as they can be trusted. */
function maskParagraphSpans(lines: string[], parts: string[]): string[] {
  let trusted = true;
  return lines.map((line) => {
    // A table row splits at `|` before code spans pair; give up on the rest rather than model it.
    if (!trusted || line.includes('|')) {
      trusted = false;
      return line;
    }
    const { text, open } = maskLineSpans(line, parts);
    if (open) trusted = false;
    return text;
  });
}

/**
 * A line that may start an HTML block, and the end marker of that block (null: a blank line ends it).
 * Inside one, fences and backticks are raw HTML, so nothing there is treated as code.
 */
function htmlBlockStart(line: string): RegExp | null | undefined {
  if (!/^ {0,3}</.test(line)) return undefined;
  if (/^ {0,3}<!--/.test(line)) return /-->/;
  if (/^ {0,3}<(?:script|pre|style|textarea)(?:\s|>|$)/i.test(line)) return /<\/(?:script|pre|style|textarea)>/i;
  if (/^ {0,3}<\?/.test(line)) return /\?>/;
  if (/^ {0,3}<!\[CDATA\[/.test(line)) return /\]\]>/;
  if (/^ {0,3}<![A-Za-z]/.test(line)) return />/;
  return null;
}

/**
 * Fences are trusted only at the start of a line: an indented fence may belong to a list item,
 * and a list item ending would end its code block where this scan could not tell.
 */
const FENCE_OPEN = /^(`{3,}|~{3,})(.*)$/;

function maskCode(text: string, parts: string[]): string {
  const out: string[] = [];
  let paragraph: string[] = [];
  const flush = () => {
    out.push(...maskParagraphSpans(paragraph, parts));
    paragraph = [];
  };
  let fence: { close: RegExp; lines: string[] } | null = null;
  let html: { end: RegExp | null } | null = null;
  for (const line of text.split('\n')) {
    if (fence) {
      fence.lines.push(line);
      if (fence.close.test(line)) {
        out.push(mask(fence.lines.join('\n'), parts));
        fence = null;
      }
      continue;
    }
    if (html) {
      out.push(line);
      if (html.end) {
        if (html.end.test(line)) html.end = null;
      } else if (!line.trim()) {
        html = null;
      }
      continue;
    }
    const open = FENCE_OPEN.exec(line);
    if (open && !(open[1]![0] === '`' && open[2]!.includes('`'))) {
      flush();
      const marker = open[1]!;
      fence = { close: new RegExp(`^ {0,3}${marker[0] === '`' ? '`' : '~'}{${marker.length},}[ \\t]*$`), lines: [line] };
      continue;
    }
    const end = htmlBlockStart(line);
    if (end !== undefined) {
      flush();
      // The block is also held open to the next blank line after its end marker: too long is safe.
      // Its own opening must not count as its end (`<!-->` contains `-->`).
      const afterOpening = line.replace(/^ {0,3}<(?:!--)?/, '');
      html = { end: end && !end.test(afterOpening) ? end : null };
      out.push(line);
      continue;
    }
    paragraph.push(line);
    if (!line.trim()) flush();
  }
  flush();
  // An unclosed fence runs to the end of the document, as on GitHub.
  if (fence) out.push(mask(fence.lines.join('\n'), parts));
  return out.join('\n');
}

// ------------------------------------------------------------------ markdown and HTML outside code

function removeComments(text: string, r: SanitizeReport): string {
  // An unterminated comment hides everything after it. Removal repeats until nothing is left, so
  // that `<!<!-- -->-- x -->` cannot reassemble into a new comment.
  const COMMENT = /<!--(?:>|->|[\s\S]*?(?:--!?>|$))/g;
  let out = text;
  for (let before = ''; before !== out; ) {
    before = out;
    out = out.replace(COMMENT, () => {
      r.htmlComments++;
      return '';
    });
  }
  return out;
}

function removeDeclarations(text: string, r: SanitizeReport): string {
  return text.replace(/<\?[\s\S]*?(?:\?>|$)|<!\[CDATA\[[\s\S]*?(?:\]\]>|$)|<![A-Za-z][^>]*(?:>|$)/g, () => {
    r.hiddenHtml++;
    return '';
  });
}

interface Attribute {
  name: string;
  value: string;
  raw: string;
}

function parseAttributes(source: string): Attribute[] {
  const attrs: Attribute[] = [];
  const re = /\s+([A-Za-z_:][A-Za-z0-9_.:-]*)(?:\s*=\s*([^\s"'=<>`]+|'[^']*'|"[^"]*"))?/g;
  for (let m = re.exec(source); m; m = re.exec(source)) {
    const value = m[2] ?? '';
    attrs.push({ name: m[1]!.toLowerCase(), value: value.replace(/^(["'])([\s\S]*)\1$/, '$2'), raw: m[0].trim() });
  }
  return attrs;
}

/** Elements whose content never shows. */
const HIDDEN_ELEMENTS = new Set(['script', 'style', 'template', 'noscript', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'head', 'meta', 'link', 'base']);
const VOID_ELEMENTS = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'param', 'source', 'track', 'wbr']);
/** Attributes kept: addresses and layout. Every other attribute is text no reader sees. */
const KEPT_ATTRIBUTES = new Set(['href', 'src', 'width', 'height', 'align', 'open', 'colspan', 'rowspan', 'start']);
const HIDING_STYLE =
  /display\s*:\s*none|visibility\s*:\s*(?:hidden|collapse)|opacity\s*:\s*0*(?:\.0+)?\s*(?:;|!|$)|font-size\s*:\s*0*(?:\.0+)?[a-z%]*\s*(?:;|!|$)|(?:^|[;\s])(?:max-)?(?:height|width)\s*:\s*0*(?:\.0+)?[a-z%]*\s*(?:;|!|$)|clip(?:-path)?\s*:|text-indent\s*:\s*-|(?:left|top|right)\s*:\s*-\d{3,}|color\s*:\s*transparent|transform\s*:\s*scale\(\s*0/i;

function isHiddenElement(name: string, attrs: Attribute[]): boolean {
  return (
    HIDDEN_ELEMENTS.has(name) ||
    attrs.some((a) => a.name === 'hidden' || (a.name === 'style' && HIDING_STYLE.test(a.value))) ||
    (name === 'input' && attrs.some((a) => a.name === 'type' && a.value.toLowerCase() === 'hidden'))
  );
}

/** End of the element opened just before `from`, nesting included; the whole text when it is never closed. */
function elementEnd(text: string, name: string, from: number): number {
  const re = new RegExp(`<(\\/?)${name}(?=[\\s/>])[^>]*>`, 'gi');
  re.lastIndex = from;
  let depth = 1;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[1]) depth--;
    else if (!m[0].endsWith('/>')) depth++;
    if (depth === 0) return re.lastIndex;
  }
  return text.length;
}

function rewriteTags(text: string, r: SanitizeReport): string {
  const TAG = new RegExp(`${OPEN_TAG}|${CLOSE_TAG}`, 'g');
  let out = '';
  let at = 0;
  for (let m = TAG.exec(text); m; m = TAG.exec(text)) {
    if (m[4] !== undefined) continue;
    const name = m[1]!.toLowerCase();
    const attrs = parseAttributes(m[2]!);
    if (isHiddenElement(name, attrs)) {
      const end = VOID_ELEMENTS.has(name) || m[3] ? TAG.lastIndex : elementEnd(text, name, TAG.lastIndex);
      out += text.slice(at, m.index);
      at = TAG.lastIndex = end;
      r.hiddenHtml++;
      continue;
    }
    const kept = attrs.filter((a) => KEPT_ATTRIBUTES.has(a.name));
    if (kept.length === attrs.length) continue;
    for (const a of attrs) {
      if (KEPT_ATTRIBUTES.has(a.name)) continue;
      if (a.name === 'alt') r.imageAltText++;
      else r.hiddenHtml++;
    }
    out += `${text.slice(at, m.index)}<${m[1]}${kept.map((a) => ` ${a.raw}`).join('')}${m[3] ? ' /' : ''}>`;
    at = TAG.lastIndex;
  }
  return out + text.slice(at);
}

const NAMED_INVISIBLE: Record<string, number> = {
  shy: 0xad,
  zwj: 0x200d,
  zwnj: 0x200c,
  lrm: 0x200e,
  rlm: 0x200f,
  ZeroWidthSpace: 0x200b,
  NegativeVeryThinSpace: 0x200b,
  NegativeThinSpace: 0x200b,
  NegativeMediumSpace: 0x200b,
  NegativeThickSpace: 0x200b,
  NoBreak: 0x2060,
  af: 0x2061,
  ApplyFunction: 0x2061,
  it: 0x2062,
  InvisibleTimes: 0x2062,
  ic: 0x2063,
  InvisibleComma: 0x2063,
};

/** `&#x202E;` and `&zwj;` render as the characters they name: the same hidden channel, spelled out. */
function removeInvisibleEntities(text: string, r: SanitizeReport): string {
  return text.replace(/&(?:#(\d{1,7})|#[xX]([0-9A-Fa-f]{1,6})|([A-Za-z][A-Za-z0-9]{1,31}));/g, (entity, dec?: string, hex?: string, name?: string) => {
    const cp = dec ? Number(dec) : hex ? parseInt(hex, 16) : NAMED_INVISIBLE[name!];
    if (cp === undefined || cp > 0x10ffff || cp === 0 || (cp >= 0xd800 && cp <= 0xdfff)) return entity;
    const kind = kindOf(cp, String.fromCodePoint(cp));
    if (kind === 'keep') return entity;
    r[COUNTER[kind]]++;
    return '';
  });
}

function isEscaped(text: string, i: number): boolean {
  let n = 0;
  while (text[i - 1 - n] === '\\') n++;
  return n % 2 === 1;
}

/** For each `[`, the index of the `]` that closes it (nesting and backslash escapes respected), in one pass. */
function bracketPairs(text: string): Map<number, number> {
  const pairs = new Map<number, number>();
  const open: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (c === '[') open.push(i);
    else if (c === ']' && open.length) pairs.set(open.pop()!, i);
  }
  return pairs;
}

function skipSpace(text: string, i: number): number {
  let newline = false;
  while (i < text.length) {
    if (text[i] === ' ' || text[i] === '\t') i++;
    else if (text[i] === '\n' && !newline) {
      newline = true;
      i++;
    } else break;
  }
  return i;
}

interface LinkTail {
  end: number;
  dest: string;
  title?: string;
}

/** `(dest "title")` after link text, as CommonMark reads it; null when it is not one. */
function parseLinkTail(text: string, paren: number): LinkTail | null {
  let i = skipSpace(text, paren + 1);
  let dest: string;
  if (text[i] === '<') {
    const close = text.slice(i + 1).search(/(?<!\\)[>\n<]/u) + i + 1;
    if (close <= i || text[close] !== '>') return null;
    dest = text.slice(i, close + 1);
    i = close + 1;
  } else {
    const start = i;
    let depth = 0;
    for (; i < text.length; i++) {
      const c = text[i]!;
      if (c === '\\' && ASCII_PUNCTUATION.test(text[i + 1] ?? '')) i++;
      else if (c === '(') depth++;
      else if (c === ')' && depth-- === 0) break;
      else if (c <= ' ') break;
    }
    if (depth > 0) return null;
    dest = text.slice(start, i);
  }
  const afterDest = i;
  i = skipSpace(text, i);
  let title: string | undefined;
  const quote = text[i];
  if (i > afterDest && (quote === '"' || quote === "'" || quote === '(')) {
    const closer = quote === '(' ? ')' : quote;
    let j = i + 1;
    for (; j < text.length && text[j] !== closer; j++) {
      if (text[j] === '\\') j++;
      else if (quote === '(' && text[j] === '(') return null;
    }
    if (j >= text.length) return null;
    title = text.slice(i, j + 1);
    if (/\n[ \t]*\n/.test(title)) return null;
    i = skipSpace(text, j + 1);
  }
  return text[i] === ')' ? { end: i + 1, dest, title } : null;
}

interface Definition {
  dest: string;
}

const normaliseLabel = (label: string) => label.trim().replace(/\s+/g, ' ').toLowerCase();

/** `[label]: dest "title"`; a title may run over lines but not over a blank one. */
const DEFINITION =
  /^ {0,3}\[(?!\^)((?:[^\\[\]]|\\.){1,999})\]:[ \t]*\n?[ \t]*(<[^<>\n]*>|[^\s<]\S*)((?:[ \t]+|[ \t]*\n[ \t]*)(?:"(?:[^"\\\n]|\\.|\n(?![ \t]*\n))*"|'(?:[^'\\\n]|\\.|\n(?![ \t]*\n))*'|\((?:[^()\\\n]|\\.|\n(?![ \t]*\n))*\)))?[ \t]*(?=\n|$)/gm;

function collectDefinitions(text: string): Map<string, Definition> {
  const defs = new Map<string, Definition>();
  for (const m of text.matchAll(DEFINITION)) {
    const label = normaliseLabel(m[1]!);
    // The first definition of a label wins, as in CommonMark.
    if (!defs.has(label)) defs.set(label, { dest: m[2]! });
  }
  return defs;
}

/** Images become `![image](dest)`: alt text and titles are shown to no one while the image loads. */
function replaceImages(text: string, defs: Map<string, Definition>, r: SanitizeReport): string {
  const pairs = bracketPairs(text);
  let out = '';
  let at = 0;
  for (let i = text.indexOf('!['); i >= 0; i = text.indexOf('![', i + 2)) {
    if (i < at || isEscaped(text, i)) continue;
    const close = pairs.get(i + 1);
    if (close === undefined) continue;
    const alt = text.slice(i + 2, close);
    let end = -1;
    let dest: string | undefined;
    let title: string | undefined;
    if (text[close + 1] === '(') {
      const tail = parseLinkTail(text, close + 1);
      if (tail) ({ end, dest, title } = tail);
    }
    if (end < 0) {
      // Reference forms: `![alt][label]`, `![alt][]`, `![alt]` — images only when the label is defined.
      let label = alt;
      end = close + 1;
      if (text[close + 1] === '[') {
        const labelEnd = pairs.get(close + 1);
        if (labelEnd !== undefined) {
          label = text.slice(close + 2, labelEnd) || alt;
          end = labelEnd + 1;
        }
      }
      dest = defs.get(normaliseLabel(label))?.dest;
    }
    if (dest === undefined) continue;
    if (alt.trim() && alt.trim().toLowerCase() !== 'image') r.imageAltText++;
    if (title) r.linkTitles++;
    out += `${text.slice(at, i)}![image](${dest})`;
    at = end;
  }
  return out + text.slice(at);
}

/** `[text](url "title")`: the title only shows on hover. */
function stripLinkTitles(text: string, r: SanitizeReport): string {
  let out = '';
  let at = 0;
  for (let i = text.indexOf(']('); i >= 0; i = text.indexOf('](', i + 2)) {
    if (i < at || isEscaped(text, i)) continue;
    const tail = parseLinkTail(text, i + 1);
    if (!tail?.title) continue;
    out += `${text.slice(at, i)}](${tail.dest})`;
    at = tail.end;
    r.linkTitles++;
  }
  return out + text.slice(at);
}

const FOOTNOTE_DEFINITION = /^ {0,3}\[\^([^\]\s]+)\]:.*$/gm;

/**
 * Link reference definitions never render; an unused one (`[//]: # "…"`, a well-known trick) is
 * nothing but hidden text, and a used one's title shows only on hover. Unreferenced footnotes are
 * not rendered either.
 */
function cleanDefinitions(text: string, r: SanitizeReport): string {
  // What refers to a label is everything but the definitions themselves (a footnote's text may
  // still refer to another note).
  const body = text.replace(DEFINITION, '').replace(/^ {0,3}\[\^[^\]\s]+\]:/gm, '');
  const used = new Set([...body.matchAll(/\[((?:[^\\[\]]|\\.){1,999})\]/g)].map((m) => normaliseLabel(m[1]!)));
  let out = text.replace(DEFINITION, (def, label: string, dest: string, title?: string) => {
    if (!used.has(normaliseLabel(label))) {
      r.unusedDefinitions++;
      return '';
    }
    if (!title) return def;
    r.linkTitles++;
    return `[${label}]: ${dest}`;
  });
  out = out.replace(FOOTNOTE_DEFINITION, (line, label: string) => {
    if (used.has(normaliseLabel(`^${label}`))) return line;
    r.unusedDefinitions++;
    return '';
  });
  return out;
}

function cleanMarkdown(input: string, r: SanitizeReport): string {
  const parts: string[] = [];
  const text = input.replace(/[\uFDD0\uFDD1]/g, () => {
    r.invisible++;
    return '\uFFFD';
  });
  let out = maskCode(text, parts);
  out = removeComments(out, r);
  out = removeDeclarations(out, r);
  out = rewriteTags(out, r);
  out = removeInvisibleEntities(out, r);
  out = replaceImages(out, collectDefinitions(out), r);
  out = stripLinkTitles(out, r);
  out = cleanDefinitions(out, r);
  return unmask(out, parts);
}

// ------------------------------------------------------------------ public API

const isLowSurrogate = (ch: string | undefined) => ch !== undefined && /[\uDC00-\uDFFF]/.test(ch);

/** Cuts on a character boundary, never inside a surrogate pair, and says so in the text. */
function cut(text: string, maxChars: number, keep: 'start' | 'end', r: SanitizeReport): string {
  if (text.length <= maxChars) return text;
  if (keep === 'end') {
    let from = text.length - maxChars;
    if (isLowSurrogate(text[from])) from++;
    r.truncatedChars += from;
    return `[… ${from} characters cut]\n${text.slice(from)}`;
  }
  let to = maxChars;
  if (isLowSurrogate(text[to])) to--;
  r.truncatedChars += text.length - to;
  return `${text.slice(0, to)}\n[… ${text.length - to} characters cut]`;
}

const occurrences = (text: string, of: string) => text.split(of).length - 1;

/**
 * Cleans text written by someone else before it reaches a prompt: hidden markup, invisible
 * characters and secrets out, line endings normalised, length capped. `removed` says what went,
 * for the task log.
 */
export function sanitizeUntrusted(text: string, options: SanitizeOptions = {}): Sanitized {
  const { format = 'markdown', maxChars = DEFAULT_MAX_CHARS, redact = patternsOnly } = options;
  const keep = format === 'log' ? 'end' : 'start';
  const r = emptyReport();
  // Bounds the work on hostile input before any scanning; the final cut happens after cleaning,
  // so hidden bulk does not crowd out visible text.
  let out = cut(text, maxChars * 4 + 10_000, keep, r);
  out = out.replace(/\r\n?/g, '\n');
  if (format === 'markdown') {
    // Structure is read first as GitHub reads it; once invisible characters are gone, markup they
    // were breaking up (`<\u200B!-- -->`) can form, so the markdown pass runs again.
    out = cleanMarkdown(out, r);
    out = cleanUnicode(out, r);
    out = cleanMarkdown(out, r);
  } else {
    out = cleanUnicode(out, r);
  }
  const before = occurrences(out, REDACTED);
  out = redact(out);
  r.secrets += Math.max(0, occurrences(out, REDACTED) - before);
  return { text: cut(out, maxChars, keep, r), removed: r };
}

export interface IssueSanitizeOptions {
  redact?: Redactor;
  maxTitleChars?: number;
  maxBodyChars?: number;
  maxCommentChars?: number;
  /** Most recent comments kept: the latest word in a discussion is the one that stands. */
  maxComments?: number;
}

function addReport(into: SanitizeReport, from: SanitizeReport): void {
  for (const key of Object.keys(into) as Array<keyof SanitizeReport>) into[key] += from[key];
}

/** Titles, labels and names: one line of plain text. */
function sanitizeLine(value: string, maxChars: number, redact: Redactor, total: SanitizeReport): string {
  const { text, removed } = sanitizeUntrusted(value, { format: 'plain', maxChars, redact });
  addReport(total, removed);
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

export function sanitizeIssueWithReport(issue: Issue, options: IssueSanitizeOptions = {}): { issue: Issue; removed: SanitizeReport } {
  const { redact = patternsOnly, maxTitleChars = 300, maxBodyChars = DEFAULT_MAX_CHARS, maxCommentChars = 8000, maxComments = 50 } = options;
  const total = emptyReport();
  const markdown = (value: string, maxChars: number) => {
    const { text, removed } = sanitizeUntrusted(value ?? '', { format: 'markdown', maxChars, redact });
    addReport(total, removed);
    return text;
  };
  // Webhook payloads carry `body: null`; the model type does not, the data does.
  const all = issue.comments ?? [];
  const comments = all.slice(-maxComments);
  total.droppedComments = all.length - comments.length;
  const clean: Issue = {
    ...issue,
    title: sanitizeLine(issue.title ?? '', maxTitleChars, redact, total),
    body: markdown(issue.body, maxBodyChars),
    author: sanitizeLine(issue.author ?? '', 100, redact, total),
    labels: (issue.labels ?? []).map((label) => sanitizeLine(label, 100, redact, total)),
    comments: comments.map((c) => ({ author: sanitizeLine(c.author ?? '', 100, redact, total), body: markdown(c.body, maxCommentChars) })),
  };
  return { issue: clean, removed: total };
}

/** The issue as the model may see it. `sanitizeIssueWithReport` also says what was removed. */
export function sanitizeIssue(issue: Issue, options: IssueSanitizeOptions = {}): Issue {
  return sanitizeIssueWithReport(issue, options).issue;
}

const REMOVALS: Array<[keyof SanitizeReport, string, string]> = [
  ['htmlComments', 'HTML comment', 'HTML comments'],
  ['hiddenHtml', 'hidden HTML element or attribute', 'hidden HTML elements or attributes'],
  ['imageAltText', 'image alt text', 'image alt texts'],
  ['linkTitles', 'link title', 'link titles'],
  ['unusedDefinitions', 'unused link definition', 'unused link definitions'],
  ['invisible', 'invisible character', 'invisible characters'],
  ['bidi', 'bidirectional control', 'bidirectional controls'],
  ['tagCharacters', 'tag character', 'tag characters'],
  ['variationSelectors', 'stray variation selector', 'stray variation selectors'],
  ['controls', 'control character or escape sequence', 'control characters or escape sequences'],
];

const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * One line for the task log, e.g. "removed 2 HTML comments, 14 bidirectional controls; redacted 1
 * secret". Empty when nothing was removed.
 */
export function describeRemovals(report: SanitizeReport): string {
  const removed = REMOVALS.filter(([key]) => report[key] > 0).map(([key, one, many]) => count(report[key], one, many));
  const parts = removed.length ? [`removed ${removed.join(', ')}`] : [];
  if (report.secrets) parts.push(`redacted ${count(report.secrets, 'secret', 'secrets')}`);
  if (report.droppedComments) parts.push(`left out ${count(report.droppedComments, 'older comment', 'older comments')}`);
  if (report.truncatedChars) parts.push(`cut ${count(report.truncatedChars, 'character', 'characters')}`);
  return parts.join('; ');
}
