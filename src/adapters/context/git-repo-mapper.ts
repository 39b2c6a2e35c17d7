// The repository map the planner reads first: every tracked file, the definitions of the files that
// matter to the issue, ranked by what the issue names. Built from git and the files on disk only.
import type { Issue } from '../../core/model';
import type { RepoContext, RepoMapper } from '../../core/ports';
import { git, GitError } from '../git/git-cli';
import { grepTerms, MapAbortedError, trackedFiles, type GrepResult } from './git-search';
import { issueTerms } from './issue-terms';
import { rankFiles } from './rank';
import { readSymbols } from './read-symbols';
import { renderMap } from './render-map';
import { contentWords } from './words';

export interface GitRepoMapperOptions {
  /** Past this many tracked files the rest are not listed (and the map says so). */
  maxFiles?: number;
  maxFileBytes?: number;
  maxTotalBytes?: number;
  /** Time for reading definitions; the map is built from what was read by then. */
  readTimeMs?: number;
  /** Time limit of each git command. */
  gitTimeoutMs?: number;
  /** Output cap of each git grep, in matches. */
  grepMaxHits?: number;
  /** Matching lines counted per file and term search. */
  grepPerFile?: number;
  /** Also search file text for the issue's plain words (weakest evidence, one more git grep). */
  searchWords?: boolean;
}

export const MIN_BUDGET_TOKENS = 100;
/** More ranked files than this say nothing more about where to start. */
const MAX_RANKED = 100;

const DEFAULTS: Required<GitRepoMapperOptions> = {
  maxFiles: 200_000,
  maxFileBytes: 512 * 1024,
  maxTotalBytes: 256 * 1024 * 1024,
  readTimeMs: 20_000,
  gitTimeoutMs: 15_000,
  grepMaxHits: 50_000,
  grepPerFile: 20,
  searchWords: true,
};

export class GitRepoMapper implements RepoMapper {
  private readonly opts: Required<GitRepoMapperOptions>;

  constructor(options: GitRepoMapperOptions = {}) {
    this.opts = { ...DEFAULTS, ...options };
  }

  async build(worktree: string, issue: Issue, opts: { budgetTokens: number; signal?: AbortSignal }): Promise<RepoContext> {
    const { budgetTokens, signal } = opts;
    if (!Number.isInteger(budgetTokens) || budgetTokens < MIN_BUDGET_TOKENS) {
      throw new RangeError(`token budget must be a whole number of at least ${MIN_BUDGET_TOKENS}, got ${budgetTokens}`);
    }
    const limits = { timeoutMs: this.opts.gitTimeoutMs, signal };
    const root = await topLevel(worktree, this.opts.gitTimeoutMs);
    const listed = await trackedFiles(root, this.opts.maxFiles, limits);
    const files = listed.files;
    const terms = issueTerms(issue);

    // Each search is one pass over the repository however many terms it has (git grep -F), so
    // all words go in one search rather than only those the names and definitions miss.
    const wordForms = [...terms.surfaces.values()].flatMap((forms) => [...forms]);
    // The searches run in git processes while this one reads files: started first, they overlap.
    const [identifierSearch, wordSearch, read] = await Promise.all([
      this.search(root, terms.identifiers, false, limits),
      this.opts.searchWords ? this.search(root, wordForms, true, limits) : Promise.resolve<GrepResult>({ hits: [], truncated: false }),
      readSymbols(root, files, {
        maxFileBytes: this.opts.maxFileBytes,
        maxTotalBytes: this.opts.maxTotalBytes,
        timeBudgetMs: this.opts.readTimeMs,
        signal,
      }),
    ]);
    if (signal?.aborted) throw new MapAbortedError();

    const ranked = rankFiles({
      files,
      symbols: read.symbols,
      terms,
      identifierHits: identifierSearch.hits,
      wordHits: wordSearch.hits,
    });
    const notes: string[] = [];
    if (listed.truncated) notes.push(`only the first ${files.length} tracked files are listed`);
    if (read.skippedForLimits > 0) notes.push(`definitions of ${read.skippedForLimits} files were not read (size or time limit)`);
    if (identifierSearch.truncated || wordSearch.truncated) notes.push('the text search was cut short; usage counts are lower bounds');
    const rendered = renderMap({
      files,
      ranked,
      symbols: read.symbols,
      matchedNames: matchedSymbolNames(ranked.slice(0, MAX_RANKED).map((r) => read.symbols.get(r.path) ?? []), terms.identifiers, terms.words),
      budgetTokens,
      notes,
    });
    return { map: rendered.map, ranked: ranked.slice(0, MAX_RANKED), tokens: rendered.tokens, totalFiles: files.length };
  }

  private async search(root: string, terms: string[], ignoreCase: boolean, limits: { timeoutMs: number; signal?: AbortSignal }): Promise<GrepResult> {
    // A newline inside a -F pattern would make git search for each line of it separately.
    const safe = terms.filter((t) => t.length > 0 && !/[\n\r\0]/.test(t));
    return grepTerms(root, safe, { ignoreCase, perFile: this.opts.grepPerFile, maxHits: this.opts.grepMaxHits, ...limits });
  }
}

async function topLevel(worktree: string, timeoutMs: number): Promise<string> {
  try {
    return (await git(worktree, ['rev-parse', '--show-toplevel'], { timeoutMs })).trim();
  } catch (err) {
    if (err instanceof GitError) throw new Error(`cannot map ${worktree}: not a git working tree (${err.stderr.trim().split('\n')[0] ?? ''})`);
    throw err;
  }
}

/** Definitions of the ranked files whose names the issue quotes or whose words it uses: shown first under their file. */
function matchedSymbolNames(symbols: Array<Array<{ name: string }>>, identifiers: string[], words: ReadonlyMap<string, number>): Set<string> {
  const ids = new Set(identifiers.map((i) => i.toLowerCase()));
  const out = new Set<string>();
  for (const list of symbols) {
    for (const s of list) {
      if (ids.has(s.name.toLowerCase()) || contentWords(s.name).some((w) => words.has(w))) out.add(s.name);
    }
  }
  return out;
}
