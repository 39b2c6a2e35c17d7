// A token estimate that needs no vocabulary file. chars/4 is right for English prose and wrong for
// a repository map, which is mostly paths, punctuation and identifiers: BPE vocabularies split
// "src/adapters/git/git-cli.ts" into about a dozen tokens, not seven. Counting word pieces and
// symbols separately tracks real tokenisers within a few per cent on maps (see docs/repo-map.md).

const PIECE = /[A-Za-z]+|[0-9]+|\n+|[ \t]+|[^A-Za-z0-9\s]/g;

/** Estimated tokens of `text` for a BPE tokeniser of the Claude / GPT-4 family. */
export function estimateTokens(text: string): number {
  let tokens = 0;
  for (const m of text.matchAll(PIECE)) {
    const piece = m[0];
    const c = piece.charCodeAt(0);
    if (isLetter(c)) tokens += letterRunTokens(piece);
    else if (c >= 48 && c <= 57) tokens += Math.ceil(piece.length / 3);
    else if (c === 10) tokens += 1;
    else if (c === 32 || c === 9) tokens += piece.length > 1 ? 1 : 0;
    else tokens += 1;
  }
  return tokens;
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** camelCase humps are usually separate tokens; long lower-case runs split every ~6 letters. */
function letterRunTokens(run: string): number {
  let tokens = 0;
  for (const hump of run.split(/(?<=[a-z])(?=[A-Z])/)) tokens += Math.max(1, Math.ceil(hump.length / 6));
  return tokens;
}
