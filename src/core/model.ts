// The data every front door (CLI, server, extension, webview) shares. One definition, no copies.

export const PHASES = [
  'queued',
  'planning',
  'coding',
  'committing',
  'awaiting_approval',
  'deploying',
  'testing',
  'reporting',
  'completed',
  'failed',
  'rollback',
  'cancelled',
  'interrupted',
  'timed_out',
] as const;
export type Phase = (typeof PHASES)[number];

/** Phases after which nothing more happens to a task unless a human restarts it. */
export const TERMINAL_PHASES: readonly Phase[] = ['completed', 'failed', 'cancelled', 'interrupted', 'timed_out'];

export type StepStatus = 'running' | 'success' | 'failed' | 'skipped';

/** One row of the pipeline: a phase as it was lived, with timing and what it printed. */
export interface PipelineStep {
  phase: Phase;
  attempt: number;
  status: StepStatus;
  startedAt: string;
  endedAt?: string;
  output?: string;
  error?: string;
}

export interface IssueRef {
  owner: string;
  repo: string;
  number: number;
}

export interface IssueComment {
  author: string;
  body: string;
}

export interface Issue extends IssueRef {
  title: string;
  body: string;
  labels: string[];
  author: string;
  url: string;
  comments: IssueComment[];
}

export interface Plan {
  summary: string;
  steps: string[];
  files: string[];
}

export interface CommandOutcome {
  name: string;
  command: string;
  exitCode: number | null;
  signal?: string | null;
  timedOut: boolean;
  durationMs: number;
  output: string;
}

export interface DeployOutcome {
  success: boolean;
  commands: CommandOutcome[];
}

export interface TestOutcome {
  name: string;
  status: 'passed' | 'failed' | 'skipped';
  /** Why a test was skipped (affected_paths did not match) or how it failed. */
  reason?: string;
  result?: CommandOutcome;
}

export type AttemptOutcome = 'passed' | 'test_failed' | 'deploy_failed' | 'policy_blocked' | 'aborted';

/** One try at the issue: the code the AI wrote and what deploy and tests said about it. Never rewritten once ended. */
export interface Attempt {
  number: number;
  startedAt: string;
  endedAt?: string;
  filesChanged: string[];
  commit?: string;
  /** Fingerprints of the attempt's diff and failure, to notice a fix loop going round. */
  diffHash?: string;
  failureHash?: string;
  deploy?: DeployOutcome;
  tests?: TestOutcome[];
  outcome?: AttemptOutcome;
  reason?: string;
}

export interface ProposalFile {
  path: string;
  before: string;
  after: string;
}

/** `withdrawn`: the task ended (cancelled, failed) while the proposal waited. */
export type ProposalStatus = 'pending' | 'approved' | 'rejected' | 'expired' | 'withdrawn';

/** An AI-proposed change to infrastructure files, applied only when a human approves it. */
export interface Proposal {
  id: string;
  kind: 'infra_fix' | 'deploy_gate';
  createdAt: string;
  status: ProposalStatus;
  summary: string;
  reason: string;
  files: ProposalFile[];
  decidedAt?: string;
  decidedBy?: string;
  expiresAt: string;
}

export interface Usage {
  calls: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  costUsd: number;
}

/** One model call as billed: kept with the task so costs can be audited call by call. */
export interface AiCallRecord {
  at: string;
  purpose: 'plan' | 'code' | 'fix' | 'proposal' | 'explain' | 'review';
  model: string;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  costUsd: number;
}

export const emptyUsage = (): Usage => ({
  calls: 0,
  inputTokens: 0,
  outputTokens: 0,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  costUsd: 0,
});

export interface PullRequest {
  number: number;
  url: string;
  draft?: boolean;
}

export type StepSelection = 'code' | 'deploy' | 'test' | 'report';

export interface Task {
  id: string;
  schema: 1;
  issue: Issue;
  status: Phase;
  /** Why the task is in its state: the error of a failure, the cause of an interruption. */
  statusReason?: string;
  createdAt: string;
  updatedAt: string;
  finishedAt?: string;
  branch: string;
  baseBranch: string;
  baseSha?: string;
  /** Absolute path of the task's git worktree while it exists. */
  worktree?: string;
  /** Last commit Rig made in the worktree. */
  headSha?: string;
  /** What Rig last saw on origin's branch: the lease for the next push, so nothing is overwritten. */
  pushedSha?: string;
  plan?: Plan;
  attempts: Attempt[];
  pipeline: PipelineStep[];
  proposals: Proposal[];
  pr?: PullRequest;
  progressCommentId?: number;
  usage: Usage;
  /** Every model call of the task, in order. */
  aiCalls?: AiCallRecord[];
  /** Time spent running, approvals excluded: what ai.budget.max_wall_time limits. */
  activeMs?: number;
  steps: StepSelection[];
  /** Phase to continue from when a task is resumed after an approval or an interruption. */
  resumeFrom?: Phase;
  /** Incremented each time the same task is carried on after an interruption. */
  resumes: number;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogEntry {
  seq: number;
  time: string;
  level: LogLevel;
  phase?: Phase;
  message: string;
}

/** Events the engine emits; every front door renders the same ones. */
export type EngineEvent =
  | { type: 'task.updated'; task: Task }
  | { type: 'log.line'; taskId: string; entry: LogEntry };
