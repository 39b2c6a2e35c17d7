// A token estimate that needs no vocabulary file. chars/4 is right for English prose and wrong for
// a repository map, which is mostly paths, punctuation, line numbers and identifiers: measured
// against Anthropic's published tokenizer it undercounts maps by about 12% on average and up to
// 20%, so a map cut to a budget by chars/4 overruns it. Counting pieces instead — camelCase humps
// in chunks of six letters, digits, punctuation, line breaks — with weights fitted on maps and
// source files leans high instead: about 8% over on average, and never more than 0.3% under in
// the measurements. A budget is a promise, so high is the side to err on.
// scripts/repo-map-tokens.ts measures it; figures are in docs/repo-map.md.

const PIECE = /[A-Za-z]+|[0-9]+|\n+|[ \t]+|[^A-Za-z0-9\s]/g;

const PER_LETTER_CHUNK = 0.98;
const PER_DIGIT_RUN = 0.75;
const PER_DIGIT = 0.55;
const PER_LINE_BREAK = 1.1;
const PER_SYMBOL = 0.7;
const PER_NON_ASCII = 0.85;

/** Estimated tokens of `text` for a BPE tokeniser of the Claude / GPT-4 family. */
export function estimateTokens(text: string): number {
  return Math.ceil(tokenWeight(text));
}

/**
 * The unrounded estimate. It is additive over lines — weight(a + "\n" + b) is weight(a) +
 * LINE_BREAK_WEIGHT + weight(b) for non-empty lines — which lets a map be filled line by line.
 */
export function tokenWeight(text: string): number {
  let tokens = 0;
  for (const m of text.matchAll(PIECE)) {
    const piece = m[0];
    const c = piece.charCodeAt(0);
    if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) tokens += PER_LETTER_CHUNK * letterChunks(piece);
    else if (c >= 48 && c <= 57) tokens += PER_DIGIT_RUN + PER_DIGIT * piece.length;
    else if (c === 10) tokens += PER_LINE_BREAK;
    // Spaces and tabs merge into the word that follows them.
    else if (c === 32 || c === 9) continue;
    else if (c > 127) tokens += PER_NON_ASCII;
    else tokens += PER_SYMBOL;
  }
  return tokens;
}

export const LINE_BREAK_WEIGHT = PER_LINE_BREAK;

/** camelCase humps are usually separate tokens, and long runs split about every six letters. */
function letterChunks(run: string): number {
  let chunks = 0;
  let start = 0;
  for (let i = 1; i <= run.length; i++) {
    const boundary = i === run.length || (isLower(run.charCodeAt(i - 1)) && !isLower(run.charCodeAt(i)));
    if (boundary) {
      chunks += Math.max(1, Math.ceil((i - start) / 6));
      start = i;
    }
  }
  return chunks;
}

function isLower(c: number): boolean {
  return c >= 97 && c <= 122;
}
