// `rig context`: the repository map the planner is given first, with the ranking behind it, so a
// user can see why a plan picked (or missed) a file before spending a model call on it.
import { GitRepoMapper, MIN_BUDGET_TOKENS } from '../adapters/context/git-repo-mapper';
import { git } from '../adapters/git/git-cli';
import type { Issue, IssueRef } from '../core/model';
import { REPO_MAP_BUDGET_TOKENS } from '../core/task-run';
import type { RepoContext, RepoMapper } from '../core/ports';
import type { Workspace } from './workspace';

export { MIN_BUDGET_TOKENS };

/** The planner's budget in a task, so that the default shows what a task would give it. */
export const DEFAULT_CONTEXT_BUDGET = REPO_MAP_BUDGET_TOKENS;
/** Ranked files shown in the text report; --json has all of them. */
const SHOWN_RANKED = 20;

export interface ContextReport {
  issue: Issue;
  /** The tree that was mapped, and how it relates to what a task would map. */
  tree: { root: string; head: string | null; dirty: boolean; baseBranch: string; baseSha: string | null };
  budgetTokens: number;
  context: RepoContext;
  elapsedMs: number;
}

export interface ContextOptions {
  budgetTokens?: number;
  signal?: AbortSignal;
  /** The mapper to use; the one tasks use by default. */
  mapper?: RepoMapper;
}

export async function buildContextReport(ws: Workspace, ref: IssueRef & { host?: string }, opts: ContextOptions = {}): Promise<ContextReport> {
  const budgetTokens = opts.budgetTokens ?? DEFAULT_CONTEXT_BUDGET;
  const issue = await ws.codeHost(ref.host).getIssue(ref);
  const baseBranch = ws.config?.source?.base_branch ?? 'main';
  const [head, baseSha, status] = await Promise.all([
    ws.git.resolve('HEAD').catch(() => null),
    ws.git.resolve(`refs/remotes/origin/${baseBranch}`).catch(() => null),
    git(ws.root, ['status', '--porcelain', '--untracked-files=no'], { timeoutMs: 30_000 }),
  ]);
  const mapper = opts.mapper ?? new GitRepoMapper();
  const started = performance.now();
  const context = await mapper.build(ws.root, issue, { budgetTokens, signal: opts.signal });
  return {
    issue,
    tree: { root: ws.root, head, dirty: status.trim() !== '', baseBranch, baseSha },
    budgetTokens,
    context,
    elapsedMs: Math.round(performance.now() - started),
  };
}

export function renderContextReport(r: ContextReport): string {
  const { context: c, tree } = r;
  const out = [
    `Issue ${r.issue.owner}/${r.issue.repo}#${r.issue.number}: ${r.issue.title}`,
    `Map of ${tree.root} at ${tree.head ? tree.head.slice(0, 12) : '(no commits yet)'}${tree.dirty ? ' with uncommitted changes' : ''}: ${c.totalFiles} files, ${c.ranked.length} ranked, built in ${r.elapsedMs} ms`,
    `Tokens: ${c.tokens} of a ${r.budgetTokens} budget (estimated from word pieces, digits and punctuation; see docs/repo-map.md)`,
  ];
  const drift = treeDrift(r);
  if (drift) out.push(`Note: ${drift}`);
  out.push('');
  if (c.ranked.length === 0) {
    out.push('No file matched the issue: the planner gets the directory tree only.');
  } else {
    out.push(`Ranked files (${Math.min(SHOWN_RANKED, c.ranked.length)} of ${c.ranked.length}):`);
    const width = String(Math.min(SHOWN_RANKED, c.ranked.length)).length;
    for (const [i, f] of c.ranked.slice(0, SHOWN_RANKED).entries()) {
      out.push(`${String(i + 1).padStart(width)}. ${f.score.toFixed(1).padStart(6)}  ${f.path}`);
      out.push(`${' '.repeat(width + 10)}${f.reasons.join('; ')}`);
    }
  }
  out.push('', '--- the map, as the planner receives it ---', c.map);
  return out.join('\n');
}

/** A task maps origin's base branch in a fresh worktree; say so when this tree is not that. */
function treeDrift(r: ContextReport): string | null {
  const { tree } = r;
  const why: string[] = [];
  if (tree.dirty) why.push('uncommitted changes');
  if (!tree.baseSha) return `origin/${tree.baseBranch} is not known here (fetch it to compare); a task maps that branch, not this working tree`;
  if (tree.baseSha !== tree.head) why.push(`HEAD is not origin/${tree.baseBranch} (${tree.baseSha.slice(0, 12)})`);
  return why.length ? `a task maps origin/${tree.baseBranch} in a fresh worktree; this map differs where this tree does (${why.join('; ')})` : null;
}

export function toContextJson(r: ContextReport) {
  return {
    issue: { owner: r.issue.owner, repo: r.issue.repo, number: r.issue.number, title: r.issue.title, url: r.issue.url },
    tree: { root: r.tree.root, head: r.tree.head, dirty: r.tree.dirty, base_branch: r.tree.baseBranch, base_sha: r.tree.baseSha },
    budget_tokens: r.budgetTokens,
    tokens: r.context.tokens,
    total_files: r.context.totalFiles,
    elapsed_ms: r.elapsedMs,
    ranked: r.context.ranked,
    map: r.context.map,
  };
}
