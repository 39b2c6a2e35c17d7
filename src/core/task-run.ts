import path from 'node:path';
import type { RigConfig } from './config/schema';
import { budgetBreach, fingerprint } from './budget';
import { combineVerdict, runReviewChecks } from './review-checks';
import { sanitizeUntrusted } from './sanitize';
import { describeDeployFailure, describeTestFailures, summariseAttempts, trimOutput } from './failure-text';
import { matchesAny } from './globs';
import type { Attempt, LogLevel, Phase, Plan, Proposal, StepStatus, Task } from './model';
import { assertTransition, isTerminal } from './phases';
import { evaluatePolicies } from './policy';
import type { AiAgent, AiContext, CodeHost, CommandRunner, Decision, Deployer, GitWorkspace, Notifier, RepoMapper, RunContext, RuntimeVars, TaskStore, TestRunner } from './ports';
import { AiError } from './ports';
import type { Redactor } from './redact';
import { pullRequestBody, pullRequestTitle } from './report';
import type { EngineEvent } from './model';
import { ProposalFileError, readInfraFiles } from './infra-files';

export interface RunDeps {
  store: TaskStore;
  git: GitWorkspace;
  codeHost: CodeHost;
  ai: () => AiAgent;
  runner: CommandRunner;
  deployer: Deployer;
  tests: TestRunner;
  notifier: Notifier;
  redact: Redactor;
  now: () => Date;
  /** How often a waiting task looks for a decision or a cancel request. */
  pollMs: number;
  emit: (event: EngineEvent) => void;
  fs: InfraFs;
  /** Ranks the repository for the planner; without one the planner gets the plain file list. */
  repoMapper?: RepoMapper;
}

/** What the planner's first view of the repository may cost. */
export const REPO_MAP_BUDGET_TOKENS = 8000;
/** Review rounds before a reviewer that keeps asking for changes fails the task. */
const MAX_REVIEW_ROUNDS = 2;

function deletedIn(diff: string): string[] {
  const out: string[] = [];
  let current: string | undefined;
  for (const line of diff.split('\n')) {
    const header = /^diff --git a\/(.+) b\//.exec(line);
    if (header) current = header[1];
    else if (line.startsWith('deleted file mode') && current) out.push(current);
  }
  return out;
}

function blockedPathsOf(config: RigConfig): string[] {
  return config.policies.filter((p) => p.rule === 'blocked_paths' && p.value).flatMap((p) => p.value!.split(',').map((v) => v.trim()).filter(Boolean));
}

/** The few file operations the engine needs for proposals, confined by the caller's implementation. */
export interface InfraFs {
  listFiles(worktree: string): Promise<string[]>;
  read(worktree: string, rel: string): Promise<string | null>;
  write(worktree: string, rel: string, content: string): Promise<void>;
}

export interface RunOptions {
  /** false: a task that needs a human decision is left awaiting_approval and run() returns. */
  waitForApproval: boolean;
  signal?: AbortSignal;
}

class Cancelled extends Error {}
/** A policy with action block refused the change: a verdict, so the task is not carried on. */
class PolicyBlocked extends Error {}
class TimedOut extends Error {}

type Next = Phase | 'paused';

/**
 * One process driving one task through the pipeline, from whatever phase it stands in. The task
 * is saved after every change, so another process can watch it and a crash loses at most the step
 * in progress, which is redone when the task is carried on.
 */
export class TaskRun {
  private readonly abort = new AbortController();
  private gateApproved = false;
  /** Set when a limit (budget, wall time) stops the task, so the abort is not read as a cancel. */
  private limitStop: { status: 'failed' | 'timed_out'; message: string } | undefined;
  private wallTimer: NodeJS.Timeout | undefined;
  private segmentStart: number | undefined;
  private activeBase = 0;

  constructor(
    private task: Task,
    private readonly config: RigConfig,
    private readonly deps: RunDeps,
    private readonly options: RunOptions,
  ) {
    options.signal?.addEventListener('abort', () => this.abort.abort(), { once: true });
  }

  get current(): Task {
    return this.task;
  }

  // ------------------------------------------------------------------ driver

  /** Drives the task from `entry`; with a decision, first applies it to the pending proposal. */
  async run(entry: Next, decision?: Decision): Promise<Task> {
    const watcher = setInterval(() => void this.watchCancel(), this.deps.pollMs);
    this.startWallClock();
    try {
      await this.watchCancel();
      await this.prepareWorktree();
      let next: Next = decision ? await this.applyDecision(decision) : entry;
      while (next !== 'paused' && !isTerminal(this.task.status)) {
        this.throwIfCancelled();
        next = await this.runPhase(next);
      }
    } catch (err) {
      await this.handleError(err);
    } finally {
      clearInterval(watcher);
      this.stopWallClock();
    }
    await this.save();
    if (isTerminal(this.task.status)) await this.cleanup();
    return this.task;
  }

  private get budget() {
    return this.config.ai?.budget ?? { max_calls: 200, max_input_tokens: 5_000_000, max_output_tokens: 500_000, max_cost_usd: 20, max_wall_time: 3_600_000 };
  }

  /** Wall time counts while the task runs, not while it waits for a human. */
  private startWallClock(): void {
    const remaining = this.budget.max_wall_time - (this.task.activeMs ?? 0);
    this.activeBase = this.task.activeMs ?? 0;
    this.segmentStart = Date.now();
    this.wallTimer = setTimeout(() => this.stopForLimit('timed_out', `ai.budget.max_wall_time of ${Math.round(this.budget.max_wall_time / 1000)}s reached`), Math.max(0, remaining));
  }

  private stopWallClock(): void {
    clearTimeout(this.wallTimer);
    if (this.segmentStart !== undefined) this.task.activeMs = (this.task.activeMs ?? 0) + (Date.now() - this.segmentStart);
    this.segmentStart = undefined;
  }

  private stopForLimit(status: 'failed' | 'timed_out', message: string): void {
    if (this.limitStop) return;
    this.limitStop = { status, message };
    this.abort.abort();
  }

  private runPhase(phase: Phase): Promise<Next> {
    switch (phase) {
      case 'planning':
        return this.planning();
      case 'coding':
        return this.coding();
      case 'committing':
        return this.committing();
      case 'awaiting_approval':
        return this.awaitingApproval();
      case 'deploying':
        return this.deploying();
      case 'testing':
        return this.testing();
      case 'rollback':
        return this.rollback();
      case 'reporting':
        return this.reporting();
      case 'completed':
        return this.finish('completed');
      default:
        throw new Error(`cannot run phase ${phase}`);
    }
  }

  private async handleError(err: unknown): Promise<void> {
    if (isTerminal(this.task.status)) return;
    if (this.limitStop) {
      this.closeRunningStep('failed', this.limitStop.message);
      const attempt = this.openAttempt();
      if (attempt) this.endAttempt(attempt, 'aborted', this.limitStop.message);
      await this.finish(this.limitStop.status, this.limitStop.message);
      return;
    }
    this.closeRunningStep('failed', errorMessage(err));
    if (err instanceof Cancelled || (this.abort.signal.aborted && !(err instanceof TimedOut))) {
      await this.finish('cancelled', 'cancelled by request');
      return;
    }
    if (err instanceof TimedOut) {
      await this.finish('timed_out', err.message);
      return;
    }
    const message = errorMessage(err);
    await this.log('error', message);
    const attempt = this.openAttempt();
    if (attempt) this.endAttempt(attempt, 'aborted', message);
    // An error (GitHub down, push refused, AI unavailable) is not a verdict on the code: running
    // the issue again carries the task on from the phase that broke, on the same branch and PR.
    const resumable = !(err instanceof PolicyBlocked);
    await this.finish('failed', message, resumable ? this.task.status : undefined);
  }

  // ------------------------------------------------------------------ phases

  private async planning(): Promise<Next> {
    await this.enter('planning');
    await this.upsertProgressComment(`Rig is working on this issue (task \`${this.task.id}\`, branch \`${this.task.branch}\`). This comment is updated when it finishes.`);
    let repoMap: string;
    if (this.deps.repoMapper) {
      const context = await this.deps.repoMapper.build(this.worktree, this.task.issue, { budgetTokens: REPO_MAP_BUDGET_TOKENS, signal: this.abort.signal });
      repoMap = context.map;
      await this.log('info', `repository map: ${context.tokens} tokens, ${context.totalFiles} files; top: ${context.ranked.slice(0, 5).map((f) => f.path).join(', ') || '—'}`);
    } else {
      const files = await this.deps.git.listFiles(this.worktree);
      repoMap = files.slice(0, 400).join('\n') + (files.length > 400 ? `\n… ${files.length - 400} more files` : '');
    }
    const plan = await this.deps.ai().plan({ issue: this.task.issue, repoMap }, this.aiContext());
    this.task.plan = plan;
    await this.endStep('success', `${plan.summary}\n${plan.steps.map((s) => `- ${s}`).join('\n')}`);
    return 'coding';
  }

  private async coding(): Promise<Next> {
    await this.enter('coding');
    const previous = this.task.attempts.filter((a) => a.endedAt);
    let attempt = this.openAttempt();
    if (attempt) {
      // Carrying on after an interruption mid-edit: start the attempt's edits again from its commit.
      await this.deps.git.resetWorktree(this.worktree);
      attempt.filesChanged = [];
    } else {
      attempt = { number: this.task.attempts.length + 1, startedAt: this.iso(), filesChanged: [] };
      this.task.attempts.push(attempt);
    }
    this.task.pipeline.at(-1)!.attempt = attempt.number;
    await this.save();
    const plan = this.task.plan ?? { summary: this.task.issue.title, steps: [], files: [] };
    const ai = this.deps.ai();
    // The failure to fix is the last one the tests reported; an attempt aborted by an outage is not one.
    const lastFailure = [...previous].reverse().find((a) => a.outcome === 'test_failed');
    const result =
      lastFailure && lastFailure.outcome === 'test_failed'
        ? await ai.fix(
            {
              issue: this.task.issue,
              plan,
              diff: await this.deps.git.diff(this.worktree, this.base),
              failure: sanitizeUntrusted(lastFailure.reason ?? '', { format: 'log', redact: this.deps.redact }).text,
              earlierAttempts: previous,
            },
            this.aiContext(),
          )
        : await ai.code({ issue: this.task.issue, plan }, this.aiContext());
    attempt.filesChanged = result.filesChanged;
    const changed = await this.deps.git.changedFiles(this.worktree, this.base);
    if (changed.length === 0) throw new Error('the AI finished without changing any file');
    attempt.diffHash = fingerprint(await this.deps.git.diffWorking(this.worktree, this.base));
    await this.save();
    if (lastFailure?.diffHash && lastFailure.diffHash === attempt.diffHash) {
      const message = `loop detected: attempt ${attempt.number} left the code exactly as attempt ${lastFailure.number} had it; not retrying`;
      this.endAttempt(attempt, 'aborted', message);
      await this.endStep('failed', result.summary, message);
      await this.log('error', message);
      return 'rollback';
    }
    await this.applyPolicies(changed);
    const review = this.config.ai?.review ? await this.reviewLoop(attempt, plan) : '';
    await this.endStep('success', `${result.summary}\nfiles: ${result.filesChanged.join(', ')}${review}`);
    return 'committing';
  }

  /**
   * ai.review: the AI reviews the diff before it is committed and may ask for changes, which the
   * coder makes (a bounded number of rounds); deterministic checks override its verdict.
   */
  private async reviewLoop(attempt: Attempt, plan: Plan): Promise<string> {
    const ai = this.deps.ai();
    for (let round = 1; ; round++) {
      const diff = await this.deps.git.diffWorking(this.worktree, this.base);
      const changedFiles = await this.deps.git.changedFiles(this.worktree, this.base);
      const verdict = await ai.review({ issue: this.task.issue, plan, diff, changedFiles }, this.aiContext());
      const { findings } = runReviewChecks({ diff, changedFiles, deletedFiles: deletedIn(diff), blockedPaths: blockedPathsOf(this.config) });
      const combined = combineVerdict(verdict, findings);
      await this.log(combined.verdict === 'approve' ? 'info' : 'warn', `review round ${round}: ${combined.verdict}${combined.reasons.length ? ` — ${combined.reasons.join('; ')}` : ''}`);
      if (combined.verdict === 'approve') return `\nreview: approved in round ${round}${combined.reasons.length ? ` (warnings: ${combined.reasons.join('; ')})` : ''}`;
      if (combined.verdict === 'block') {
        const message = `blocked by review checks: ${combined.reasons.join('; ')}`;
        this.endAttempt(attempt, 'policy_blocked', message);
        throw new PolicyBlocked(message);
      }
      if (round > MAX_REVIEW_ROUNDS) throw new Error(`the reviewer still requests changes after ${MAX_REVIEW_ROUNDS} rounds: ${combined.reasons.join('; ')}`);
      const fixed = await ai.fix(
        { issue: this.task.issue, plan, diff, failure: `The reviewer requested changes before commit:\n${combined.reasons.map((r) => `- ${r}`).join('\n')}`, earlierAttempts: this.task.attempts.filter((a) => a.endedAt) },
        this.aiContext(),
      );
      attempt.filesChanged = [...new Set([...attempt.filesChanged, ...fixed.filesChanged])];
      await this.applyPolicies(await this.deps.git.changedFiles(this.worktree, this.base));
    }
  }

  private async applyPolicies(changedFiles: string[]): Promise<void> {
    const { violations } = evaluatePolicies(this.config.policies, {
      changedFiles,
      testsConfigured: this.config.test.length,
      attemptsSoFar: this.task.attempts.length,
      maxRetry: this.maxRetry,
    });
    for (const v of violations.filter((x) => x.action === 'warn')) await this.log('warn', `policy ${v.name}: ${v.message}`);
    const blocking = violations.filter((x) => x.action === 'block');
    if (blocking.length) {
      const message = `blocked by policy: ${blocking.map((v) => `${v.name} (${v.message})`).join('; ')}`;
      const attempt = this.openAttempt();
      if (attempt) this.endAttempt(attempt, 'policy_blocked', message);
      throw new PolicyBlocked(message);
    }
  }

  private async committing(): Promise<Next> {
    await this.enter('committing');
    const attempt = this.openAttempt() ?? this.task.attempts.at(-1);
    const message = this.commitMessage(attempt);
    const sha = await this.deps.git.commitAll(this.worktree, message);
    // Read back from the worktree rather than trusting commitAll: a run killed after committing
    // and before saving left a commit that this run must push, not skip.
    this.task.headSha = await this.deps.git.headOf(this.worktree);
    if (attempt) attempt.commit = this.task.headSha;
    await this.save();
    if (this.task.pushedSha !== this.task.headSha) {
      try {
        await this.deps.git.push(this.worktree, this.task.branch, this.task.pushedSha ?? null);
      } catch (err) {
        // A run killed between its push and saving that it pushed finds its own commit on origin.
        if ((await this.deps.git.remoteBranch(this.task.branch)) !== this.task.headSha) throw err;
      }
      this.task.pushedSha = this.task.headSha;
    }
    await this.endStep('success', `${sha ? `committed ${sha.slice(0, 12)}` : 'nothing new to commit'}; pushed ${this.task.branch}`);
    return this.afterCommit();
  }

  private afterCommit(): Next {
    if (this.wants('deploy') && this.config.deploy) {
      if (this.config.workflow.approval.before_deploy && !this.gateApproved) return 'awaiting_approval';
      return 'deploying';
    }
    return this.afterDeploy();
  }

  private afterDeploy(): Next {
    if (this.wants('test') && this.config.test.length) return 'testing';
    return this.wants('report') ? 'reporting' : 'completed';
  }

  private async deploying(): Promise<Next> {
    await this.enter('deploying');
    // With before_deploy, an approval covers one deploy: the next attempt asks again.
    this.gateApproved = false;
    const deploy = this.config.deploy!;
    const attempt = this.ensureAttempt();
    const outcome = await this.deps.deployer.deploy(deploy, this.runContext());
    for (const c of outcome.commands) c.output = this.deps.redact(c.output);
    attempt.deploy = outcome;
    await this.save();
    await this.deps.notifier.notify('deploy', this.task, outcome.success ? 'deploy succeeded' : 'deploy failed');
    if (outcome.success) {
      await this.endStep('success', outcome.commands.map((c) => `${c.name}: ok`).join('\n'));
      return this.afterDeploy();
    }
    const failure = describeDeployFailure(outcome);
    this.endAttempt(attempt, 'deploy_failed', failure);
    await this.endStep('failed', trimOutput(outcome.commands.map((c) => c.output).join('\n')), failure.split('\n')[0]);
    const infraProposals = this.task.proposals.filter((p) => p.kind === 'infra_fix').length;
    if (deploy.infra_files.length > 0 && infraProposals <= this.maxRetry) {
      return this.proposeInfraFix(failure);
    }
    await this.log('error', `deploy failed and ${deploy.infra_files.length ? 'the proposal limit is reached' : 'no deploy.infra_files are configured for an AI fix'}`);
    return 'rollback';
  }

  private async proposeInfraFix(failure: string): Promise<Next> {
    const deploy = this.config.deploy!;
    const all = await this.deps.fs.listFiles(this.worktree);
    const editable = await readInfraFiles(this.deps.fs, this.worktree, all.filter((f) => matchesAny(f, deploy.infra_files) && !matchesAny(f, deploy.infra_readonly)));
    const readonly = await readInfraFiles(this.deps.fs, this.worktree, all.filter((f) => matchesAny(f, deploy.infra_readonly)));
    const deployLog = sanitizeUntrusted(failure, { format: 'log', redact: this.deps.redact }).text;
    const draft = await this.deps.ai().proposeInfraFix({ issue: this.task.issue, deployLog, editable, readonly }, this.aiContext());
    const before = new Map(editable.map((f) => [f.path, f.before]));
    const files = draft.files.map((f) => {
      if (!before.has(f.path) && !(matchesAny(f.path, deploy.infra_files) && !matchesAny(f.path, deploy.infra_readonly))) {
        throw new ProposalFileError(`the AI proposed a change to ${f.path}, which is not an editable infrastructure file (deploy.infra_files minus infra_readonly)`);
      }
      return { path: f.path, before: before.get(f.path) ?? '', after: f.after };
    });
    this.addProposal({ kind: 'infra_fix', summary: draft.summary, reason: draft.reason, files });
    return 'awaiting_approval';
  }

  private addProposal(p: Pick<Proposal, 'kind' | 'summary' | 'reason' | 'files'>): Proposal {
    const now = this.deps.now();
    const proposal: Proposal = {
      ...p,
      id: `p${this.task.proposals.length + 1}`,
      createdAt: now.toISOString(),
      status: 'pending',
      expiresAt: new Date(now.getTime() + (this.config.deploy?.approval.timeout ?? 86_400_000)).toISOString(),
    };
    this.task.proposals.push(proposal);
    return proposal;
  }

  private async awaitingApproval(): Promise<Next> {
    if (this.task.status !== 'awaiting_approval') {
      if (!this.pendingProposal()) {
        this.addProposal({
          kind: 'deploy_gate',
          summary: `Deploy ${this.task.branch} at ${this.task.headSha?.slice(0, 12) ?? 'HEAD'}?`,
          reason: 'workflow.approval.before_deploy requires a human approval before every deploy',
          files: [],
        });
      }
      await this.enter('awaiting_approval');
      const p = this.pendingProposal()!;
      await this.log('info', `waiting for approval of proposal ${p.id}: rig approve ${this.task.id} / rig reject ${this.task.id}`);
      await this.deps.notifier.notify('awaiting_approval', this.task, p.summary);
    }
    for (;;) {
      const p = this.pendingProposal();
      if (!p) throw new Error('awaiting approval without a pending proposal');
      const decision = await this.deps.store.takeDecision(this.task.id);
      if (decision?.proposalId === p.id) return this.applyDecision(decision);
      if (decision) await this.log('warn', `ignored a decision on proposal ${decision.proposalId}: the pending proposal is ${p.id}`);
      if (this.deps.now().getTime() >= Date.parse(p.expiresAt)) {
        p.status = 'expired';
        throw new TimedOut(`proposal ${p.id} was not approved before ${p.expiresAt} (deploy.approval.timeout)`);
      }
      if (!this.options.waitForApproval) return 'paused';
      this.throwIfCancelled();
      this.stopWallClock();
      await sleep(this.deps.pollMs, this.abort.signal);
      this.startWallClock();
    }
  }

  /** Applies a human decision; called in the process that owns the task. */
  private async applyDecision(decision: Decision): Promise<Next> {
    const p = this.pendingProposal();
    if (!p) throw new Error('there is no pending proposal to decide on');
    if (p.id !== decision.proposalId) throw new Error(`the decision is about proposal ${decision.proposalId}, but the pending proposal is ${p.id}; decide again`);
    // Nothing is saved until the task has left awaiting_approval: a crash in between leaves the
    // proposal pending (decide again), never approved on a task that waits for nothing.
    p.status = decision.approved ? 'approved' : 'rejected';
    p.decidedAt = decision.at;
    p.decidedBy = decision.by;
    await this.log('info', `proposal ${p.id} ${p.status} by ${decision.by}`);
    if (!decision.approved) {
      this.closeRunningStep('failed', `rejected by ${decision.by}`);
      await this.finish('failed', `proposal ${p.id} rejected by ${decision.by}`);
      return 'failed';
    }
    this.closeRunningStep('success');
    const step = this.task.pipeline.at(-1);
    if (step?.phase === 'awaiting_approval') step.output = `approved by ${decision.by}`;
    this.gateApproved = true;
    if (p.kind === 'deploy_gate') return 'deploying';
    for (const file of p.files) await this.deps.fs.write(this.worktree, file.path, file.after);
    this.task.attempts.push({ number: this.task.attempts.length + 1, startedAt: this.iso(), filesChanged: p.files.map((f) => f.path) });
    return 'committing';
  }

  private async testing(): Promise<Next> {
    await this.enter('testing');
    const attempt = this.ensureAttempt();
    const changed = await this.deps.git.changedFiles(this.worktree, this.base);
    const results = await this.deps.tests.run(this.config.test, changed, this.runContext());
    for (const r of results) if (r.result) r.result.output = this.deps.redact(r.result.output);
    attempt.tests = results;
    const failed = results.filter((r) => r.status === 'failed');
    const summary = results.map((r) => `${r.name}: ${r.status}${r.reason ? ` (${r.reason})` : ''}`).join('\n');
    if (failed.length === 0) {
      this.endAttempt(attempt, 'passed');
      await this.endStep('success', summary);
      await this.deps.notifier.notify('test_pass', this.task, summary);
      return this.wants('report') ? 'reporting' : 'completed';
    }
    const failure = describeTestFailures(results);
    attempt.failureHash = fingerprint(failure);
    const previous = this.task.attempts.filter((a) => a !== attempt && a.outcome === 'test_failed').at(-1);
    this.endAttempt(attempt, 'test_failed', failure);
    await this.endStep('failed', trimOutput(failure), `${failed.length} test(s) failed`);
    await this.deps.notifier.notify('test_fail', this.task, failure.split('\n')[0] ?? 'tests failed');
    const fixesUsed = this.task.attempts.filter((a) => a.outcome === 'test_failed').length - 1;
    if (previous?.failureHash === attempt.failureHash) {
      await this.log('error', `loop detected: attempt ${attempt.number} failed exactly like attempt ${previous.number}; not retrying`);
      attempt.reason = `loop detected (same failure as attempt ${previous.number})\n${attempt.reason ?? ''}`;
      return 'rollback';
    }
    if (this.wants('code') && fixesUsed < this.maxRetry) {
      await this.log('info', `self-healing: fix ${fixesUsed + 1} of ${this.maxRetry}`);
      return 'coding';
    }
    await this.log('error', this.wants('code') ? `tests still failing after ${this.maxRetry} fix attempts (ai.max_retry)` : 'tests failed');
    return 'rollback';
  }

  private async rollback(): Promise<Next> {
    await this.enter('rollback');
    const deploy = this.config.deploy;
    const deployed = this.task.attempts.some((a) => a.deploy);
    const outcome = deploy && deployed ? await this.deps.deployer.rollback(deploy, this.runContext()) : null;
    if (outcome) for (const c of outcome.commands) c.output = this.deps.redact(c.output);
    if (!outcome) await this.endStep('skipped', deployed ? 'no rollback configured' : 'nothing was deployed');
    else await this.endStep(outcome.success ? 'success' : 'failed', outcome.commands.map((c) => `${c.name}: exit ${c.exitCode}\n${trimOutput(c.output, 2000)}`).join('\n'));
    const last = this.task.attempts.at(-1);
    await this.finish('failed', last?.reason?.split('\n')[0] ?? 'failed');
    return 'failed';
  }

  private async reporting(): Promise<Next> {
    await this.enter('reporting');
    const ref = this.task.issue;
    const changed = await this.deps.git.changedFiles(this.worktree, this.base);
    const stat = await this.deps.git.diffStat(this.worktree, this.base);
    const body = this.deps.redact(pullRequestBody(this.task, stat, changed));
    // A PR created by a run whose answer was lost is found by its branch, never opened twice.
    let pr = this.task.pr ?? (await this.deps.codeHost.findPullRequest(ref, this.task.branch));
    if (pr) {
      await this.deps.codeHost.updatePullRequest(ref, pr.number, { body });
    } else {
      pr = await this.deps.codeHost.createPullRequest(ref, {
        title: pullRequestTitle(this.task),
        body,
        head: this.task.branch,
        base: this.task.baseBranch,
        draft: this.config.workflow.draft_pr,
      });
    }
    this.task.pr = pr;
    await this.save();
    await this.endStep('success', pr.url);
    await this.upsertProgressComment(`Rig opened ${pr.url} for this issue (task \`${this.task.id}\`, ${this.task.attempts.length} attempt(s)).`);
    await this.deps.notifier.notify('pr_created', this.task, pr.url);
    return 'completed';
  }

  private async upsertProgressComment(text: string): Promise<void> {
    const ref = this.task.issue;
    const body = this.deps.redact(text);
    try {
      if (this.task.progressCommentId) await this.deps.codeHost.updateComment(ref, this.task.progressCommentId, body);
      else {
        this.task.progressCommentId = await this.deps.codeHost.createComment(ref, body);
        await this.save();
      }
    } catch (err) {
      await this.log('warn', `could not update the issue comment: ${errorMessage(err)}`);
    }
  }

  // ------------------------------------------------------------------ endings

  private async finish(status: 'completed' | 'failed' | 'cancelled' | 'timed_out', reason?: string, resumeFrom?: Phase): Promise<Next> {
    if (isTerminal(this.task.status)) return status;
    if (status === 'completed') await this.enter('completed');
    else this.transition(status);
    this.closeRunningStep(status === 'completed' ? 'success' : 'failed', reason);
    this.task.statusReason = reason ? this.deps.redact(reason) : undefined;
    this.task.finishedAt = this.iso();
    // Nothing can be approved on a finished task: a proposal still waiting is withdrawn.
    for (const p of this.task.proposals) if (p.status === 'pending') p.status = status === 'timed_out' ? 'expired' : 'withdrawn';
    await this.deps.store.takeDecision(this.task.id).catch(() => null);
    this.task.resumeFrom = resumeFrom;
    await this.save();
    await this.log(status === 'completed' ? 'info' : 'error', `task ${status}${reason ? `: ${reason.split('\n')[0]}` : ''}`);
    if (status === 'failed' || status === 'timed_out') {
      await this.upsertProgressComment(`Rig could not finish this issue (task \`${this.task.id}\`): ${(reason ?? status).split('\n')[0]}`);
      await this.deps.notifier.notify('failed', this.task, reason ?? status);
    }
    return status;
  }

  private async cleanup(): Promise<void> {
    if (this.task.worktree) {
      await this.deps.git.removeWorktree(this.task.worktree).catch((err) => this.log('warn', `could not remove worktree: ${errorMessage(err)}`));
      this.task.worktree = undefined;
      await this.save();
    }
  }

  // ------------------------------------------------------------------ worktree

  private get worktree(): string {
    if (!this.task.worktree) throw new Error('task has no worktree');
    return this.task.worktree;
  }

  private get base(): string {
    if (!this.task.baseSha) throw new Error('task has no base commit');
    return this.task.baseSha;
  }

  private async prepareWorktree(): Promise<void> {
    const git = this.deps.git;
    const dir = path.join(git.stateDir, 'worktrees', this.task.id);
    if (!this.task.baseSha) {
      await git.fetchBranch(this.task.baseBranch);
      this.task.baseSha = await git.resolve(`refs/remotes/origin/${this.task.baseBranch}`);
    }
    if (this.task.branch === this.task.baseBranch) throw new Error(`refusing to work on the base branch ${this.task.baseBranch}`);
    if (this.task.worktree === dir && (await git.hasWorktree(dir))) {
      // Still there (a task carried on, a decision applied): nothing to fetch, so an approval,
      // a cancel or an expiry works offline.
      await git.addWorktree(dir, this.task.branch, this.task.headSha ?? this.task.baseSha);
      return;
    }
    let start = this.task.headSha ? await git.resolve(this.task.headSha).catch(() => undefined) : undefined;
    const remote = await git.remoteBranch(this.task.branch);
    if (remote) {
      await git.fetchBranch(this.task.branch);
      // Carry on from what is already on origin: commits of an earlier run are kept, not replaced.
      if (!start) start = remote;
      this.task.pushedSha ??= remote;
    }
    await git.addWorktree(dir, this.task.branch, start ?? this.task.baseSha);
    this.task.worktree = dir;
    await this.save();
  }

  // ------------------------------------------------------------------ bookkeeping

  private transition(to: Phase): void {
    assertTransition(this.task.status, to);
    this.task.status = to;
    this.task.updatedAt = this.iso();
  }

  private async enter(phase: Phase): Promise<void> {
    this.transition(phase);
    this.task.pipeline.push({ phase, attempt: Math.max(1, this.task.attempts.length), status: 'running', startedAt: this.iso() });
    await this.save();
    await this.log('info', `→ ${phase}`);
  }

  private closeRunningStep(status: StepStatus, error?: string): void {
    const step = this.task.pipeline.at(-1);
    if (step?.status === 'running') Object.assign(step, { status, endedAt: this.iso(), ...(status === 'failed' && error ? { error: this.deps.redact(error) } : {}) });
  }

  private async endStep(status: StepStatus, output?: string, error?: string): Promise<void> {
    const step = this.task.pipeline.at(-1);
    if (step?.status === 'running') {
      step.status = status;
      step.endedAt = this.iso();
      if (output) step.output = this.deps.redact(output);
      if (error) step.error = this.deps.redact(error);
    }
    await this.save();
  }

  private openAttempt(): Attempt | undefined {
    const last = this.task.attempts.at(-1);
    return last && !last.endedAt ? last : undefined;
  }

  /** Deploy or test without a coding attempt (--step deploy|test) still records an attempt. */
  private ensureAttempt(): Attempt {
    const open = this.openAttempt();
    if (open) return open;
    const attempt: Attempt = { number: this.task.attempts.length + 1, startedAt: this.iso(), filesChanged: [], commit: this.task.headSha };
    this.task.attempts.push(attempt);
    return attempt;
  }

  private endAttempt(attempt: Attempt, outcome: Attempt['outcome'], reason?: string): void {
    attempt.outcome = outcome;
    attempt.endedAt = this.iso();
    if (reason) attempt.reason = this.deps.redact(reason);
  }

  private pendingProposal(): Proposal | undefined {
    return this.task.proposals.find((p) => p.status === 'pending');
  }

  private wants(step: 'code' | 'deploy' | 'test' | 'report'): boolean {
    return this.task.steps.includes(step);
  }

  private get maxRetry(): number {
    return this.config.ai?.max_retry ?? 3;
  }

  private commitMessage(attempt: Attempt | undefined): string {
    const title = this.task.issue.title.replace(/[\r\n]+/g, ' ').slice(0, 120);
    const n = attempt?.number ?? 1;
    const head = n === 1 ? `Fix #${this.task.issue.number}: ${title}` : `Fix #${this.task.issue.number} (attempt ${n}): ${title}`;
    return `${head}\n\n${this.task.plan?.summary ?? ''}\n\nRig-Task: ${this.task.id}\n`;
  }

  private runContext(): RunContext {
    return {
      worktree: this.worktree,
      vars: this.runtimeVars(),
      signal: this.abort.signal,
      onOutput: (line) => void this.log('info', line).catch(() => {}),
    };
  }

  runtimeVars(): RuntimeVars {
    const i = this.task.issue;
    return {
      BRANCH_NAME: this.task.branch,
      COMMIT_SHA: this.task.headSha ?? '',
      ISSUE_ID: String(i.number),
      ISSUE_NUMBER: String(i.number),
      ISSUE_TITLE: i.title,
      REPO_OWNER: i.owner,
      REPO_NAME: i.repo,
    };
  }

  private aiContext(): AiContext {
    return {
      worktree: this.worktree,
      signal: this.abort.signal,
      onUsage: (u) => {
        const t = this.task.usage;
        t.calls += 1;
        t.inputTokens += u.inputTokens;
        t.outputTokens += u.outputTokens;
        t.cacheReadTokens += u.cacheReadTokens;
        t.cacheWriteTokens += u.cacheWriteTokens;
        t.costUsd += u.costUsd;
        (this.task.aiCalls ??= []).push({
          at: this.iso(),
          purpose: u.purpose,
          model: u.model,
          inputTokens: u.inputTokens,
          outputTokens: u.outputTokens,
          cacheReadTokens: u.cacheReadTokens,
          cacheWriteTokens: u.cacheWriteTokens,
          costUsd: u.costUsd,
        });
        this.save().catch((err: unknown) => this.log('warn', `could not save usage: ${errorMessage(err)}`).catch(() => {}));
        const breach = budgetBreach(t, this.budget);
        if (breach) this.stopForLimit('failed', `budget exceeded: ${breach}`);
      },
      log: (level, message) => void this.log(level, message).catch(() => {}),
    };
  }

  private async watchCancel(): Promise<void> {
    if (this.abort.signal.aborted) return;
    if (await this.deps.store.cancelRequested(this.task.id).catch(() => false)) this.abort.abort();
  }

  private throwIfCancelled(): void {
    if (this.abort.signal.aborted) throw new Cancelled('cancelled');
  }

  private iso(): string {
    return this.deps.now().toISOString();
  }

  private saving: Promise<void> = Promise.resolve();

  private save(): Promise<void> {
    // Saves are chained so an older snapshot never lands after a newer one.
    this.task.updatedAt = this.iso();
    // Running time goes with every save, so a run killed mid-way still counts against max_wall_time.
    if (this.segmentStart !== undefined) this.task.activeMs = this.activeBase + (Date.now() - this.segmentStart);
    const snapshot = structuredClone(this.task);
    // One failed write must not poison the ones after it; the event follows the write.
    const next = this.saving.catch(() => {}).then(() => this.deps.store.save(snapshot));
    this.saving = next;
    return next.then(() => this.deps.emit({ type: 'task.updated', task: snapshot }));
  }

  private async log(level: LogLevel, message: string): Promise<void> {
    const entry = await this.deps.store.appendLog(this.task.id, level, this.deps.redact(message), this.task.status);
    this.deps.emit({ type: 'log.line', taskId: this.task.id, entry });
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof AiError) return `AI: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
  });
}
