// What an issue names: paths and file names, code identifiers, and plain content words. Each is a
// different kind of evidence, so they are kept apart rather than merged into one bag of words.
import type { Issue } from '../../core/model';
import { STOP_WORDS, wordParts } from './words';

export interface IssueTerms {
  /** Stemmed content words and their weight (title words count twice: the title is the summary). */
  words: Map<string, number>;
  /** The forms each stemmed word was written in (lower-case), for searching file text. */
  surfaces: Map<string, Set<string>>;
  /** Code identifiers exactly as written: `fooBar`, `parse_config`, `RepoMapper`, `git-cli`. */
  identifiers: string[];
  /** Paths, file names and directories as written, cleaned of line numbers and URL parts. */
  paths: string[];
}

export const MAX_IDENTIFIERS = 40;
export const MAX_WORDS = 60;
export const MAX_PATHS = 40;
/** Issue text past this is not read: a pasted log of megabytes says no more about which files matter. */
const MAX_TEXT = 200_000;

export function issueTerms(issue: Pick<Issue, 'title' | 'body' | 'comments'>): IssueTerms {
  const words = new Map<string, number>();
  const surfaces = new Map<string, Set<string>>();
  const identifiers = new Map<string, number>();
  const paths = new Map<string, number>();
  const parts: Array<[string, number]> = [
    [issue.title ?? '', 2],
    [issue.body ?? '', 1],
    ...(issue.comments ?? []).map((c): [string, number] => [c.body ?? '', 1]),
  ];
  let budget = MAX_TEXT;
  for (const [raw, weight] of parts) {
    if (budget <= 0) break;
    const text = clean(raw.slice(0, budget));
    budget -= text.length;
    const { rest, found } = takeUrlsAndPaths(text);
    for (const p of found) bump(paths, p, weight);
    for (const id of identifiersIn(rest)) bump(identifiers, id, weight);
    for (const token of rest.match(/[A-Za-z][A-Za-z0-9_'-]*/g) ?? []) {
      for (const w of wordParts(token.replace(/'s$/, ''))) {
        bump(words, w.stem, weight);
        const forms = surfaces.get(w.stem) ?? new Set<string>();
        forms.add(w.surface);
        surfaces.set(w.stem, forms);
      }
    }
  }
  const kept = new Map(top(words, MAX_WORDS));
  return {
    words: kept,
    surfaces: new Map([...surfaces].filter(([w]) => kept.has(w))),
    identifiers: top(identifiers, MAX_IDENTIFIERS).map(([id]) => id),
    paths: top(paths, MAX_PATHS).map(([p]) => p),
  };
}

/** Text a reader of the issue never sees (HTML comments, invisible characters) is not evidence. */
function clean(text: string): string {
  return text
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/[\u200B-\u200F\u202A-\u202E\u2060-\u2064\uFEFF]/g, '');
}

const URL_RE = /\bhttps?:\/\/[^\s<>()"'`\]]+/g;
// A path has a slash between name characters, or is a file name with a short alphabetic extension.
const PATH_RE = /(?<![\w@.~+/-])\/?(?:[\w@.~+-]+\/)+[\w@.~+-]*|(?<![\w@.~+/-])[\w@+-][\w@.+-]*\.[A-Za-z][A-Za-z0-9]{0,9}(?![\w/])/g;
// Well-known files without an extension are named bare in issues ("the Dockerfile").
const BARE_FILES = /\b(?:Dockerfile|Makefile|Rakefile|Gemfile|Procfile|Jenkinsfile|Vagrantfile|Containerfile|Justfile|LICENSE|CODEOWNERS)\b/g;

/** Pulls URLs and path-like tokens out of the text and returns the text without them. */
function takeUrlsAndPaths(text: string): { rest: string; found: string[] } {
  const found: string[] = [];
  let rest = text.replace(URL_RE, (url) => {
    // A link to a file in a repository names that file: …/blob/<ref>/<path> or …/tree/<ref>/<dir>.
    const m = /\/(?:blob|tree|raw)\/[^/]+\/([^?#]+)/.exec(url);
    if (m) found.push(decodeURIComponentSafe(m[1]!));
    return ' ';
  });
  rest = rest.replace(PATH_RE, (token) => {
    const p = normalisePath(token);
    if (p) found.push(p);
    // Path words still count as words ("the mapper in repo-map.ts"): keep the token's letters.
    return ` ${token.replace(/[^A-Za-z0-9_]+/g, ' ')} `;
  });
  for (const m of rest.matchAll(BARE_FILES)) found.push(m[0]);
  return { rest, found };
}

export function normalisePath(token: string): string | null {
  let p = token
    .replace(/[.,:;!?)\]}'"`]+$/, '')
    .replace(/#L\d+(?:-L?\d+)?$/, '')
    .replace(/(?::\d+){1,2}$/, '')
    .replace(/^\.\//, '');
  // Diff headers name files as a/… and b/….
  p = p.replace(/^[ab]\/(?=[^/]+\/)/, '');
  if (p.startsWith('/')) p = p.replace(/^\/+/, '');
  if (p.length < 2 || p.length > 300) return null;
  if (!/[A-Za-z]/.test(p)) return null;
  // Versions, abbreviations and bare extensions are not paths.
  if (/^v?\d+(?:\.\d+)+$/.test(p) || /^(?:e\.g|i\.e|etc|vs|a\.k\.a)\.?$/i.test(p) || /^\.[a-z]+$/i.test(p)) return null;
  if (p.includes('..')) return null;
  return p;
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

const IDENT = String.raw`[A-Za-z_$][\w$]*`;

/** Tokens that look like code: written in backticks, mixed case, with underscores or hyphens, or called. */
export function identifiersIn(text: string): string[] {
  const out: string[] = [];
  const outsideCode = text.replace(/```[\s\S]*?```|`([^`\n]+)`/g, (span, inline: string | undefined) => {
    const code = inline ?? span.replace(/^```[^\n]*\n?|```$/g, '');
    for (const m of code.matchAll(/[A-Za-z_$][\w$]*(?:-[A-Za-z][\w]*)*/g)) {
      const id = m[0];
      if (id.length >= 3 && (inline !== undefined || looksLikeCode(id))) out.push(id);
    }
    return ' ';
  });
  for (const m of outsideCode.matchAll(new RegExp(`${IDENT}(?:-[A-Za-z][\\w]*)*(\\()?`, 'g'))) {
    const id = m[0].replace(/\($/, '');
    if (id.length >= 3 && (m[1] !== undefined || looksLikeCode(id))) out.push(id);
  }
  return out;
}

function looksLikeCode(id: string): boolean {
  return (
    /[a-z][A-Z]/.test(id) || // camelCase, PascalCase with an inner capital
    /[A-Za-z0-9]_[A-Za-z0-9]/.test(id) || // snake_case, SCREAMING_CASE
    // kebab-case names of files, commands and keys, but not "follow-up" or "end-to-end"
    (/^[a-z][a-z0-9]*(?:-[a-z0-9]+)+$/.test(id) && id.split('-').every((p) => p.length >= 2 && !STOP_WORDS.has(p))) ||
    /^\$/.test(id)
  );
}

function bump(map: Map<string, number>, key: string, by: number): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

function top(map: Map<string, number>, n: number): Array<[string, number]> {
  return [...map].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, n);
}
