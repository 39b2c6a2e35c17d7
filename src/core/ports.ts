// The engine's only ways of touching the world. Adapters in src/adapters implement them; tests and
// the demo swap them. Nothing here knows about VS Code, environment variables or child processes.
import type { CommandConfig, DeployConfig, TestConfig } from './config/schema';
import type {
  Attempt,
  CommandOutcome,
  DeployOutcome,
  Issue,
  IssueRef,
  LogEntry,
  LogLevel,
  Plan,
  ProposalFile,
  PullRequest,
  Task,
  TestOutcome,
  Usage,
} from './model';

// ---------------------------------------------------------------- AI

/** Usage of one model call, reported as it happens so a task's budget is always current. */
export interface AiCallUsage extends Omit<Usage, 'calls'> {
  model: string;
  purpose: 'plan' | 'code' | 'fix' | 'proposal' | 'explain' | 'review';
}

export interface AiContext {
  /** Absolute path of the task's worktree: the only place the model may read or write. */
  worktree: string;
  signal: AbortSignal;
  onUsage(usage: AiCallUsage): void;
  log(level: LogLevel, message: string): void;
}

export interface PlanInput {
  issue: Issue;
  /** A short map of the repository (file list) for the planner. */
  repoMap: string;
}

export interface CodeInput {
  issue: Issue;
  plan: Plan;
}

export interface FixInput {
  issue: Issue;
  plan: Plan;
  /** The whole diff of the task so far against the base. */
  diff: string;
  /** What failed, already trimmed to the part worth reading. */
  failure: string;
  earlierAttempts: Attempt[];
}

export interface CodeResult {
  /** Paths (relative to the worktree) the model changed. */
  filesChanged: string[];
  /** The model's closing summary of what it did. */
  summary: string;
}

export interface ProposalInput {
  issue: Issue;
  deployLog: string;
  /** Files matching deploy.infra_files that the model may propose to change. */
  editable: ProposalFile[];
  /** Files matching deploy.infra_readonly: shown to the model, never changed. */
  readonly: ProposalFile[];
}

export interface ProposalDraft {
  summary: string;
  reason: string;
  files: Array<{ path: string; after: string }>;
}

export interface ExplainInput {
  task: Task;
  logs: LogEntry[];
  diff: string;
}

export interface ReviewInput {
  issue: Issue;
  plan: Plan;
  /** The diff about to be committed, against the base. */
  diff: string;
  changedFiles: string[];
}

export interface ReviewVerdict {
  verdict: 'approve' | 'request_changes';
  summary: string;
  /** What must change before the commit; the coder receives these as its next instructions. */
  comments: Array<{ path?: string; message: string }>;
}

export interface AiAgent {
  readonly description: string;
  plan(input: PlanInput, ctx: AiContext): Promise<Plan>;
  code(input: CodeInput, ctx: AiContext): Promise<CodeResult>;
  fix(input: FixInput, ctx: AiContext): Promise<CodeResult>;
  proposeInfraFix(input: ProposalInput, ctx: AiContext): Promise<ProposalDraft>;
  explain(input: ExplainInput, ctx: AiContext): Promise<string>;
  /** The optional reviewer step (ai.review): the AI reads the diff before commit. */
  review(input: ReviewInput, ctx: AiContext): Promise<ReviewVerdict>;
}

/** An AI failure that must stop the task rather than be retried (truncated reply, bad key, budget). */
export class AiError extends Error {
  constructor(
    message: string,
    readonly kind: 'truncated' | 'auth' | 'bad_request' | 'budget' | 'unavailable' | 'invalid_reply',
  ) {
    super(message);
    this.name = 'AiError';
  }
}

// ---------------------------------------------------------------- repository context

export interface RankedFile {
  path: string;
  /** Relevance to the issue; higher is more relevant. */
  score: number;
  /** Why it ranked: matched words, identifiers, paths. */
  reasons: string[];
}

/** What the planner is given first: a map of the repository cut to a token budget. */
export interface RepoContext {
  map: string;
  ranked: RankedFile[];
  /** Estimated tokens of `map`. */
  tokens: number;
  totalFiles: number;
}

export interface RepoMapper {
  build(worktree: string, issue: Issue, opts: { budgetTokens: number; signal?: AbortSignal }): Promise<RepoContext>;
}

// ---------------------------------------------------------------- GitHub (the code host)

export interface PullRequestDraft {
  title: string;
  body: string;
  head: string;
  base: string;
  draft: boolean;
}

export type RepoPermission = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none';

export interface IssueSummary {
  number: number;
  title: string;
  labels: string[];
  author: string;
  updatedAt: string;
  url: string;
}

export interface CodeHost {
  getIssue(ref: IssueRef): Promise<Issue>;
  /** Open issues carrying every one of `labels` (all open issues when empty), newest first. */
  listOpenIssues(repo: { owner: string; repo: string }, labels: string[]): Promise<IssueSummary[]>;
  /** The user's role on the repository, to decide who may start a run. */
  permissionOf(repo: { owner: string; repo: string }, user: string): Promise<RepoPermission>;
  /** The open pull request whose head is `branch`, if there is one: how a lost creation answer is found. */
  findPullRequest(ref: IssueRef, branch: string): Promise<PullRequest | null>;
  createPullRequest(ref: IssueRef, draft: PullRequestDraft): Promise<PullRequest>;
  updatePullRequest(ref: IssueRef, number: number, patch: { title?: string; body?: string }): Promise<void>;
  createComment(ref: IssueRef, body: string): Promise<number>;
  updateComment(ref: IssueRef, commentId: number, body: string): Promise<void>;
}

// ---------------------------------------------------------------- git

export interface GitWorkspace {
  /** Top of the user's working tree. */
  readonly root: string;
  /** Where Rig keeps state and worktrees: inside the repository's common .git directory. */
  readonly stateDir: string;
  resolve(rev: string): Promise<string>;
  /** The commit checked out in a worktree. */
  headOf(worktree: string): Promise<string>;
  /** True when `dir` is a live worktree of this repository. */
  hasWorktree(dir: string): Promise<boolean>;
  /** SHA of `branch` on origin, or null when origin has no such branch. */
  remoteBranch(branch: string): Promise<string | null>;
  fetchBranch(branch: string): Promise<void>;
  /** Creates (or re-attaches) the task's worktree on `branch` starting at `startPoint`. */
  addWorktree(path: string, branch: string, startPoint: string): Promise<void>;
  removeWorktree(path: string): Promise<void>;
  /** Throws away uncommitted edits in a worktree (a coding turn interrupted half-way). */
  resetWorktree(path: string): Promise<void>;
  /** Commits everything in the worktree; null when there is nothing to commit. */
  commitAll(worktree: string, message: string): Promise<string | null>;
  /** Pushes the worktree's branch; `expected` is the remote SHA we believe is there (force-with-lease). */
  push(worktree: string, branch: string, expected: string | null): Promise<void>;
  changedFiles(worktree: string, base: string): Promise<string[]>;
  diff(worktree: string, base: string): Promise<string>;
  /** Diff of the worktree as it stands (uncommitted and untracked files included) against `base`. */
  diffWorking(worktree: string, base: string): Promise<string>;
  diffStat(worktree: string, base: string): Promise<{ files: number; insertions: number; deletions: number }>;
  listFiles(worktree: string): Promise<string[]>;
}

// ---------------------------------------------------------------- deploy and tests

/** Values that reach commands as environment variables, never spliced into command text. */
export type RuntimeVars = Record<'BRANCH_NAME' | 'COMMIT_SHA' | 'ISSUE_ID' | 'ISSUE_NUMBER' | 'ISSUE_TITLE' | 'REPO_OWNER' | 'REPO_NAME', string>;

export interface RunContext {
  worktree: string;
  vars: RuntimeVars;
  signal: AbortSignal;
  /** Streams output lines as they arrive. */
  onOutput?(line: string): void;
}

export interface CommandRunner {
  run(command: CommandConfig, ctx: RunContext): Promise<CommandOutcome>;
}

export interface Deployer {
  deploy(config: DeployConfig, ctx: RunContext): Promise<DeployOutcome>;
  rollback(config: DeployConfig, ctx: RunContext): Promise<DeployOutcome | null>;
}

export interface TestRunner {
  run(tests: TestConfig[], changedFiles: string[], ctx: RunContext): Promise<TestOutcome[]>;
}

// ---------------------------------------------------------------- notifications

export interface Notifier {
  /** Best effort: a failed notification is logged, never fails the task. */
  notify(event: import('./config/schema').NotifyEventName, task: Task, message: string): Promise<void>;
}

// ---------------------------------------------------------------- state

export interface Decision {
  proposalId: string;
  approved: boolean;
  by: string;
  at: string;
}

export interface TaskStore {
  create(task: Task): Promise<void>;
  /** Atomic replace; readers in other processes see the old or the new task, never a torn one. */
  save(task: Task): Promise<void>;
  get(id: string): Promise<Task | null>;
  list(): Promise<Task[]>;
  appendLog(id: string, level: LogLevel, message: string, phase?: Task['status']): Promise<LogEntry>;
  readLogs(id: string, afterSeq?: number): Promise<LogEntry[]>;
  /** Records a human decision on a proposal, for whichever process owns the task. */
  writeDecision(id: string, decision: Decision): Promise<void>;
  takeDecision(id: string): Promise<Decision | null>;
  /** Makes this process the task's only writer; false when a live process already is. */
  claim(id: string): Promise<boolean>;
  release(id: string): Promise<void>;
  /** True when a live process other than this one holds the task. */
  ownedElsewhere(id: string): Promise<boolean>;
  requestCancel(id: string): Promise<void>;
  cancelRequested(id: string): Promise<boolean>;
  clearCancel(id: string): Promise<void>;
  /** Removes a finished task's state and logs. */
  remove(id: string): Promise<void>;
}
