// Lines of a text file with their own terminators, and the character classes the tolerant
// str_replace treats as look-alikes. Kept apart so matching, indentation and the near-miss report
// all split and compare text the same way.

export type Eol = '' | '\n' | '\r\n';

export interface FileLine {
  /** The line without its terminator. */
  text: string;
  /** '' only for a last line that has no newline. */
  eol: Eol;
}

/** The file's lines; a trailing newline does not make an extra empty line. */
export function toLines(text: string): FileLine[] {
  if (text.length === 0) return [];
  const pieces = text.split('\n');
  const lines: FileLine[] = [];
  pieces.forEach((piece, i) => {
    const last = i === pieces.length - 1;
    if (last) {
      if (piece !== '') lines.push({ text: piece, eol: '' });
      return;
    }
    if (piece.endsWith('\r')) lines.push({ text: piece.slice(0, -1), eol: '\r\n' });
    else lines.push({ text: piece, eol: '\n' });
  });
  return lines;
}

/** The one terminator the file uses, '\n' if it has none yet, null if it mixes both. */
export function eolStyle(lines: FileLine[]): '\n' | '\r\n' | null {
  let crlf = 0;
  let lf = 0;
  for (const line of lines) {
    if (line.eol === '\r\n') crlf++;
    else if (line.eol === '\n') lf++;
  }
  if (crlf > 0 && lf > 0) return null;
  return crlf > 0 ? '\r\n' : '\n';
}

/**
 * The model's own text, split the same way. Models rarely reproduce carriage returns they were
 * shown, and when they do it is noise: the file's terminators are what get written.
 */
export interface ModelText {
  lines: string[];
  endsWithNewline: boolean;
}

export function modelLines(text: string): ModelText {
  const lf = text.replace(/\r\n/g, '\n');
  if (lf.length === 0) return { lines: [], endsWithNewline: false };
  const endsWithNewline = lf.endsWith('\n');
  return { lines: (endsWithNewline ? lf.slice(0, -1) : lf).split('\n'), endsWithNewline };
}

export function leadingWhitespace(line: string): string {
  return /^[ \t]*/.exec(line)![0];
}

export function trailingWhitespace(line: string): string {
  return /[ \t]*$/.exec(line)![0];
}

export function trimEnd(line: string): string {
  return line.replace(/[ \t]+$/, '');
}

export function isBlank(line: string): boolean {
  return /^[ \t]*$/.test(line);
}

/**
 * Typographic characters a model tends to retype as their ASCII forms (or the reverse, when it
 * copies from rendered documentation). Every entry maps one UTF-16 unit to one, so a folded line
 * has the same length as the original and a column in one is the same column in the other.
 */
const LOOKALIKES: Record<string, string> = {
  '\u2018': "'", // left single quotation mark
  '\u2019': "'", // right single quotation mark
  '\u201a': "'", // single low-9 quotation mark
  '\u201b': "'", // single high-reversed-9 quotation mark
  '\u2032': "'", // prime
  '\u201c': '"', // left double quotation mark
  '\u201d': '"', // right double quotation mark
  '\u201e': '"', // double low-9 quotation mark
  '\u201f': '"', // double high-reversed-9 quotation mark
  '\u2033': '"', // double prime
  '\u2010': '-', // hyphen
  '\u2011': '-', // non-breaking hyphen
  '\u2012': '-', // figure dash
  '\u2013': '-', // en dash
  '\u2014': '-', // em dash
  '\u2015': '-', // horizontal bar
  '\u2212': '-', // minus sign
};
const EVERY_LOOKALIKE = new RegExp(`[${Object.keys(LOOKALIKES).join('')}]`, 'g');

export function foldLookalikes(text: string): string {
  return text.replace(EVERY_LOOKALIKE, (c) => LOOKALIKES[c]!);
}
