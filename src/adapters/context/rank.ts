// Scores every file against what the issue names. The evidence is ordered by how rarely it lies:
// a path the issue spells out is nearly always a file to touch; an identifier the issue quotes is
// usually defined or used there; a plain word is only a hint. Rare terms count more than common
// ones (inverse document frequency), so "parser" in a repository of parsers decides little.
import type { RankedFile } from '../../core/ports';
import { exclusionOf, isTestFile, stemOf, testSubject } from './file-kinds';
import type { GrepHit } from './git-search';
import type { IssueTerms } from './issue-terms';
import type { CodeSymbol } from './symbols';
import { contentWords, splitIdentifier } from './words';

export const WEIGHTS = {
  /** The issue spells out the file's path (or a unique tail of it). */
  pathMention: 100,
  /** The issue names the file (basename), shared among files of that name. */
  fileNameMention: 60,
  /** The file lies in a directory the issue names, shared among the directory's files. */
  dirMention: 20,
  /** The file defines a symbol the issue quotes. */
  identifierDefined: 30,
  /** The file's name is an identifier the issue quotes (`repo-map`, `RepoMap`). */
  identifierIsFileName: 25,
  /** The file uses a quoted identifier (git grep), scaled by how often. */
  identifierUsed: 10,
  /** An issue word is a word of the file's name. */
  wordInFileName: 4,
  /** An issue word is a word of one of the file's directories. */
  wordInDir: 1.5,
  /** An issue word is a word of a symbol the file defines. */
  wordInSymbol: 2,
  /** An issue word occurs in the file's text (git grep). */
  wordInText: 1,
  /** A test file gains this share of its subject's score (staying below the subject; see boostTests). */
  testOfHit: 0.5,
} as const;

export interface RankInput {
  files: string[];
  symbols: ReadonlyMap<string, CodeSymbol[]>;
  terms: IssueTerms;
  identifierHits: GrepHit[];
  wordHits: GrepHit[];
}

const MAX_REASONS = 6;

/** Rarity of a term found in `df` of `n` files, from 1 (one file) towards 0 (every file). */
export function idf(df: number, n: number): number {
  if (df <= 0 || n <= 1) return 1;
  return Math.log(1 + n / df) / Math.log(1 + n);
}

/** How much repeated occurrences add: the first counts 1, and the total never exceeds 3. */
function repeats(count: number): number {
  return Math.min(1 + Math.log2(Math.max(count, 1)), 3);
}

class Scores {
  private readonly score = new Map<string, number>();
  private readonly reasons = new Map<string, Array<{ text: string; points: number }>>();

  add(file: string, points: number, reason: string): void {
    if (!(points > 0)) return;
    this.score.set(file, (this.score.get(file) ?? 0) + points);
    const list = this.reasons.get(file) ?? [];
    list.push({ text: reason, points });
    this.reasons.set(file, list);
  }

  get(file: string): number {
    return this.score.get(file) ?? 0;
  }

  ranked(): RankedFile[] {
    return [...this.score]
      .map(([path, score]) => ({
        path,
        score: Math.round(score * 100) / 100,
        reasons: (this.reasons.get(path) ?? [])
          .sort((a, b) => b.points - a.points)
          .slice(0, MAX_REASONS)
          .map((r) => r.text),
      }))
      .sort((a, b) => b.score - a.score || a.path.localeCompare(b.path));
  }
}

export function rankFiles(input: RankInput): RankedFile[] {
  const { files, symbols, terms } = input;
  const n = files.length;
  const scores = new Scores();
  const index = buildIndex(files, symbols, terms);

  scorePathMentions(scores, terms.paths, files, index);
  scoreIdentifiers(scores, terms.identifiers, input.identifierHits, index, n);
  scoreWords(scores, terms, input.wordHits, index, n);
  boostTests(scores, files, index);
  return scores.ranked();
}

interface Index {
  fileSet: Set<string>;
  byBaseName: Map<string, string[]>;
  /** Lower-cased, separator-free stem ("repomapper") -> files, for identifiers naming files. */
  byStemKey: Map<string, string[]>;
  /** Quoted identifier -> files defining it; and the same lower-cased. */
  definedBy: Map<string, Set<string>>;
  definedByLower: Map<string, Set<string>>;
  /** Issue word -> files with it in their file name / directories / symbols (with counts). */
  nameWords: Map<string, Set<string>>;
  dirWords: Map<string, Set<string>>;
  symbolWords: Map<string, Map<string, number>>;
}

const stemKey = (s: string) => splitIdentifier(s).join('');

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function addTo<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key);
  if (set) set.add(value);
  else map.set(key, new Set([value]));
}

/**
 * Indexes only what the issue can match: its words and identifiers. Indexing every word of every
 * definition would cost most of the ranking time on a large repository and serve no lookup.
 */
function buildIndex(files: string[], symbols: ReadonlyMap<string, CodeSymbol[]>, terms: IssueTerms): Index {
  const index: Index = {
    fileSet: new Set(files),
    byBaseName: new Map(),
    byStemKey: new Map(),
    definedBy: new Map(),
    definedByLower: new Map(),
    nameWords: new Map(),
    dirWords: new Map(),
    symbolWords: new Map(),
  };
  const wantedWords = terms.words;
  const wantedIds = new Set(terms.identifiers.map((id) => id.toLowerCase()));
  // Names repeat across a repository (directory names above all): split each one once.
  const wordsCache = new Map<string, string[]>();
  const wordsOf = (name: string) => {
    let w = wordsCache.get(name);
    if (!w) {
      w = contentWords(name).filter((word) => wantedWords.has(word));
      wordsCache.set(name, w);
    }
    return w;
  };
  for (const file of files) {
    const segments = file.split('/');
    const base = segments[segments.length - 1]!;
    push(index.byBaseName, base.toLowerCase(), file);
    // Vendored, generated, lock and binary files rank only when the issue names them: their
    // words and names say nothing about where the project's own change belongs.
    if (exclusionOf(file)) continue;
    push(index.byStemKey, stemKey(stemOf(base)), file);
    for (const w of wordsOf(stemOf(base))) addTo(index.nameWords, w, file);
    for (let i = 0; i < segments.length - 1; i++) for (const w of wordsOf(segments[i]!)) addTo(index.dirWords, w, file);
    for (const s of symbols.get(file) ?? []) {
      if (wantedIds.has(s.name.toLowerCase())) {
        addTo(index.definedBy, s.name, file);
        addTo(index.definedByLower, s.name.toLowerCase(), file);
      }
      for (const w of wordsOf(s.name)) {
        const perFile = index.symbolWords.get(w) ?? new Map<string, number>();
        perFile.set(file, (perFile.get(file) ?? 0) + 1);
        index.symbolWords.set(w, perFile);
      }
    }
  }
  return index;
}

function scorePathMentions(scores: Scores, mentions: string[], files: string[], index: Index): void {
  for (const raw of mentions) {
    const mention = raw.replace(/\/+$/, '');
    const isDir = raw.endsWith('/');
    const segments = mention.split('/');
    if (!isDir && segments.length > 1) {
      // Paths in stack traces and logs carry a deployment prefix (/srv/app/…, /home/u/repo/…):
      // drop leading directories until the rest names files here, keeping at least "dir/file".
      let matched = false;
      for (let drop = 0; drop <= segments.length - 2 && !matched; drop++) {
        const tail = segments.slice(drop).join('/');
        const hits = index.fileSet.has(tail) ? [tail] : files.filter((f) => f.endsWith(`/${tail}`));
        if (hits.length > 0 && hits.length <= 5) {
          for (const f of hits) scores.add(f, WEIGHTS.pathMention / hits.length, `path mentioned: ${mention}`);
          matched = true;
        }
      }
      if (matched) continue;
    } else if (!isDir && index.fileSet.has(mention)) {
      scores.add(mention, WEIGHTS.pathMention, `path mentioned: ${mention}`);
      continue;
    }
    if (segments.length > 1 || isDir) {
      const under = filesUnder(files, mention);
      if (under.length > 0) {
        const each = WEIGHTS.dirMention / Math.sqrt(under.length);
        for (const f of under) scores.add(f, each, `in mentioned directory ${mention}/`);
        continue;
      }
    }
    // A wrong or partial path still names its file: fall back to the last segment.
    const base = segments[segments.length - 1]!.toLowerCase();
    const named = index.byBaseName.get(base);
    if (named && named.length > 0) {
      const weight = segments.length > 1 ? WEIGHTS.fileNameMention / 2 : WEIGHTS.fileNameMention;
      for (const f of named) scores.add(f, weight / named.length, `file name mentioned: ${base}`);
    } else if (segments.length === 1 && !mention.includes('.')) {
      // "the scripts directory": a bare name that is a directory somewhere.
      const under = filesUnder(files, mention);
      if (under.length > 0) {
        const each = WEIGHTS.dirMention / 2 / Math.sqrt(under.length);
        for (const f of under) scores.add(f, each, `in mentioned directory ${mention}/`);
      }
    }
  }
}

function filesUnder(files: string[], dir: string): string[] {
  return files.filter((f) => f.startsWith(`${dir}/`) || f.includes(`/${dir}/`));
}

function scoreIdentifiers(scores: Scores, identifiers: string[], hits: GrepHit[], index: Index, n: number): void {
  const used = new Map<string, Map<string, number>>();
  for (const hit of hits) {
    const perFile = used.get(hit.match) ?? new Map<string, number>();
    perFile.set(hit.file, (perFile.get(hit.file) ?? 0) + 1);
    used.set(hit.match, perFile);
  }
  for (const id of identifiers) {
    const exact = index.definedBy.get(id);
    const loose = index.definedByLower.get(id.toLowerCase());
    const definers = exact && exact.size > 0 ? exact : loose;
    if (definers && definers.size > 0) {
      const weight = (exact && exact.size > 0 ? WEIGHTS.identifierDefined : WEIGHTS.identifierDefined * 0.7) * idf(definers.size, n);
      for (const f of definers) scores.add(f, weight, `defines ${id}`);
    }
    const named = index.byStemKey.get(stemKey(id));
    if (named && named.length > 0 && stemKey(id).length >= 4) {
      const weight = WEIGHTS.identifierIsFileName * idf(named.length, n);
      for (const f of named) scores.add(f, weight, `file named like ${id}`);
    }
    const perFile = used.get(id);
    if (!perFile) continue;
    const rarity = idf(perFile.size, n);
    for (const [file, count] of perFile) {
      if (definers?.has(file)) continue;
      scores.add(file, WEIGHTS.identifierUsed * rarity * repeats(count), `uses ${id}${count > 1 ? ` ×${count}` : ''}`);
    }
  }
}

function scoreWords(scores: Scores, terms: IssueTerms, textHits: GrepHit[], index: Index, n: number): void {
  const stemOfSurface = new Map<string, string>();
  for (const [word, forms] of terms.surfaces) for (const form of forms) stemOfSurface.set(form, word);
  const inText = new Map<string, Map<string, number>>();
  for (const hit of textHits) {
    const w = stemOfSurface.get(hit.match.toLowerCase());
    if (!w) continue;
    const perFile = inText.get(w) ?? new Map<string, number>();
    perFile.set(hit.file, (perFile.get(hit.file) ?? 0) + 1);
    inText.set(w, perFile);
  }
  for (const [word, issueWeight] of terms.words) {
    const emphasis = repeats(issueWeight);
    // Reasons name the word as the issue wrote it: stems like "cach" mean nothing to a reader.
    const shown = terms.surfaces.get(word)?.values().next().value ?? word;
    const inName = index.nameWords.get(word);
    if (inName) {
      const weight = WEIGHTS.wordInFileName * emphasis * idf(inName.size, n);
      for (const f of inName) scores.add(f, weight, `word "${shown}" in file name`);
    }
    const inDir = index.dirWords.get(word);
    if (inDir) {
      const weight = WEIGHTS.wordInDir * emphasis * idf(inDir.size, n);
      for (const f of inDir) scores.add(f, weight, `word "${shown}" in directory`);
    }
    const inSymbols = index.symbolWords.get(word);
    if (inSymbols) {
      const rarity = idf(inSymbols.size, n);
      for (const [f, count] of inSymbols) scores.add(f, WEIGHTS.wordInSymbol * emphasis * rarity * repeats(count), `word "${shown}" in symbols`);
    }
    const text = inText.get(word);
    if (text) {
      const rarity = idf(text.size, n);
      for (const [f, count] of text) scores.add(f, WEIGHTS.wordInText * emphasis * rarity * repeats(count), `word "${shown}" in text`);
    }
  }
}

/**
 * A change to a file usually needs its test changed too, and the test shows how the file is used.
 * The test rises towards its subject's score but stays below it unless its own evidence is
 * stronger: a test shares its subject's name words, and counting them twice would put every test
 * above the file it tests.
 */
function boostTests(scores: Scores, files: string[], index: Index): void {
  const boosts: Array<[string, number, string]> = [];
  for (const test of files) {
    const subject = subjectOf(test, index);
    if (!subject) continue;
    const subjectScore = scores.get(subject);
    if (subjectScore <= 0) continue;
    const own = scores.get(test);
    const raised = Math.min(own + subjectScore * WEIGHTS.testOfHit, subjectScore * TEST_CEILING);
    if (raised > own) boosts.push([test, raised - own, `tests ${subject}`]);
  }
  for (const [test, points, reason] of boosts) scores.add(test, points, reason);
}

/** A boosted test stays at most this share of its subject's score. */
const TEST_CEILING = 0.9;

/**
 * The file a test is about, by name ("git-cli.test.ts", "test_git_cli.py", "GitCliTest.java"):
 * the longest run of the test name's words that names a file, and of several such files the one
 * sharing most leading directories with the test. None when the name is ambiguous and nothing is near.
 */
function subjectOf(test: string, index: Index): string | null {
  const subject = testSubject(test);
  if (!subject) return null;
  const parts = splitIdentifier(subject);
  const testDirs = test.split('/').slice(0, -1);
  for (let len = parts.length; len >= 1; len--) {
    let best: string | null = null;
    let bestShared = -1;
    let candidates = 0;
    for (let start = 0; start + len <= parts.length; start++) {
      const key = parts.slice(start, start + len).join('');
      if (key.length < 3) continue;
      for (const f of index.byStemKey.get(key) ?? []) {
        if (f === test || isTestFile(f)) continue;
        candidates++;
        const shared = sharedLeadingDirs(testDirs, f);
        if (shared > bestShared) {
          best = f;
          bestShared = shared;
        }
      }
    }
    if (best) return bestShared > 0 || candidates === 1 ? best : null;
  }
  return null;
}

function sharedLeadingDirs(dirs: string[], file: string): number {
  const other = file.split('/');
  let n = 0;
  while (n < dirs.length && n < other.length - 1 && dirs[n] === other[n]) n++;
  return n;
}
