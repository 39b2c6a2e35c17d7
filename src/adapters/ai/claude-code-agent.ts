// The AiAgent on the Claude Code CLI: each call is one `claude -p` run in the task's worktree.
// Claude Code edits files with its own tools, so Rig cannot refuse an edit while it happens; it
// narrows what the CLI may do up front (flags below), and afterwards judges what changed
// (claude-code-worktree-guard.ts). A run that failed, was stopped, or reached out of bounds
// leaves nothing behind.
//
// CLI behaviour relied on, from Anthropic's Claude Code documentation (CLI reference, permission
// modes, environment variables pages):
// - `-p/--print` runs once without a session UI and reads the prompt from stdin when no prompt
//   argument is given; `--output-format json` prints one result object (`result`, `is_error`,
//   `subtype` such as `error_max_turns`, `num_turns`, `total_cost_usd`, `usage`, `modelUsage`).
// - `--max-turns` limits agentic turns; `--model` picks the model.
// - `--tools` sets which built-in tools exist at all; `--disallowedTools` removes tools from the
//   model's context (deny wins over any allow rule in settings).
// - `--permission-mode acceptEdits` approves file edits inside the working directory without a
//   prompt; writes outside it, and to protected paths such as .git, are never auto-approved, and
//   in print mode an action that would need a prompt is refused.
// - `--setting-sources user` loads the user's settings only: project settings live in the
//   worktree, which the model itself edits, and could add hooks (shell commands) or permissions.
// - `--strict-mcp-config` with no `--mcp-config` starts no MCP server.
// - `--append-system-prompt` adds Rig's rules to Claude Code's own system prompt.
// - ANTHROPIC_API_KEY is used in print mode whenever present; ANTHROPIC_AUTH_TOKEN would take
//   precedence over it; ANTHROPIC_BASE_URL redirects the API; CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC
//   stops auto-updates and telemetry, which an unattended run has no use for.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import type { Issue, Plan } from '../../core/model';
import {
  AiError,
  type AiAgent,
  type AiCallUsage,
  type AiContext,
  type CodeInput,
  type CodeResult,
  type ExplainInput,
  type FixInput,
  type PlanInput,
  type ProposalDraft,
  type ProposalInput,
  type ReviewInput,
  type ReviewVerdict,
} from '../../core/ports';
import { createRedactor, type Redactor } from '../../core/redact';
import { findExecutable, runProcessTree, type ProcessResult } from '../exec/process-tree';
import { abortReason } from './chat-model';
import { type CliResult, extractJsonObject, parseCliOutput, type ParsedOutput, usageOf } from './claude-code-output';
import { CLAUDE_CODE_RULES, codeRequest, fixRequest, planRequest, proposalRequest, reviewRequest } from './claude-code-prompts';
import { type Inspection, WorktreeGuard } from './claude-code-worktree-guard';
import { type ModelPrice, PriceBook } from './pricing';
import { explainRequest, issueText } from './prompts';
import { confineProposal } from './structured-answers';

export interface ClaudeCodeAgentOptions {
  /** A command name looked up on PATH (absolute entries only) or an absolute path. Default "claude". */
  executable?: string;
  /** Passed as --model; unset, Claude Code uses its own default. */
  model?: string;
  /** Wall time of one run; past it the whole process tree is stopped and its edits reverted. */
  timeoutMs: number;
  maxTurns: number;
  /** Reaches the CLI only through its environment; unset, the CLI uses its own login. */
  apiKey?: string;
  baseUrl?: string;
  /** Per-model price overrides, used only for a run whose cost the CLI did not report. */
  prices?: Record<string, ModelPrice>;
}

type Purpose = AiCallUsage['purpose'];
/** Coding and fixing edit the worktree; every other purpose only reads it. */
type Access = 'edit' | 'read';

const EDIT_TOOLS = ['Read', 'Edit', 'Write', 'Glob', 'Grep'];
const READ_TOOLS = ['Read', 'Glob', 'Grep'];
/** No shell, no network, no sub-agents: named again as denials in case a version ignores --tools. */
const DENIED_TOOLS = ['Bash', 'WebFetch', 'WebSearch', 'NotebookEdit', 'Task'];

/**
 * The process runner interleaves stdout with stderr and caps what it keeps; the result object
 * must be read whole and alone, so the CLI's stdout goes to a file. The script is fixed: the
 * file name and the command arrive as positional parameters, never parsed by the shell.
 */
const STDOUT_TO_FILE = 'out=$1; shift; exec "$@" >"$out"';
const MAX_STDOUT_BYTES = 32 * 1024 * 1024;
const STDERR_TAIL_CHARS = 1500;

/** What the parent's environment may pass on: locale, proxies, certificates, Claude Code's own settings. */
const INHERITED_ENV = [
  /^(PATH|HOME|USER|LOGNAME|SHELL|LANG|LANGUAGE|TZ|TMPDIR)$/,
  /^LC_[A-Z]+$/,
  /^XDG_[A-Z_]+$/,
  /^(HTTPS?|NO|ALL)_PROXY$/i,
  /^(NODE_EXTRA_CA_CERTS|SSL_CERT_FILE|SSL_CERT_DIR)$/,
  /^CLAUDE_CONFIG_DIR$/,
  /^CLAUDE_CODE_[A-Z0-9_]+$/,
  /^ANTHROPIC_[A-Z0-9_]+$/,
];
/** Cloud credentials only when the user routed Claude Code through that cloud. */
const BEDROCK_ENV = /^AWS_[A-Z0-9_]+$/;
const VERTEX_ENV = /^(GOOGLE_[A-Z0-9_]+|CLOUD_ML_REGION|VERTEX_REGION_[A-Z0-9_]+)$/;

const planSchema = z.object({
  summary: z.string().trim().min(1).max(4000),
  steps: z.array(z.string().trim().min(1).max(1000)).min(1).max(30),
  files: z.array(z.string().trim().min(1).max(500)).max(200),
});

const proposalSchema = z.object({
  summary: z.string().trim().min(1).max(2000),
  reason: z.string().trim().min(1).max(4000),
  files: z.array(z.object({ path: z.string().min(1), after: z.string() })).min(1).max(50),
});

const reviewSchema = z.object({
  verdict: z.enum(['approve', 'request_changes']),
  summary: z.string().trim().min(1).max(4000),
  comments: z
    .array(z.object({ path: z.string().trim().max(500).nullish(), message: z.string().trim().min(1).max(4000) }))
    .max(100)
    .default([]),
});

interface Finished {
  result: CliResult;
  changed: string[];
}

export class ClaudeCodeAgent implements AiAgent {
  readonly description: string;
  private readonly redact: Redactor;
  private readonly prices: PriceBook;
  private readonly warnedUnpricedModels = new Set<string>();

  constructor(private readonly options: ClaudeCodeAgentOptions) {
    validateOptions(options);
    this.prices = new PriceBook(options.prices);
    this.description = `Claude Code CLI${options.model ? ` (${options.model})` : ''}`;
    // The CLI may also authenticate with keys from Rig's own environment: those are masked too.
    this.redact = createRedactor([options.apiKey, process.env.ANTHROPIC_API_KEY, process.env.ANTHROPIC_AUTH_TOKEN]);
  }

  async plan(input: PlanInput, ctx: AiContext): Promise<Plan> {
    const { result } = await this.run('plan', 'read', input.issue, planRequest(input), ctx);
    return this.answer('plan', result, planSchema);
  }

  async code(input: CodeInput, ctx: AiContext): Promise<CodeResult> {
    return this.edit('code', input.issue, codeRequest(input.plan), ctx);
  }

  async fix(input: FixInput, ctx: AiContext): Promise<CodeResult> {
    return this.edit('fix', input.issue, fixRequest(input, this.redact), ctx);
  }

  async proposeInfraFix(input: ProposalInput, ctx: AiContext): Promise<ProposalDraft> {
    if (input.editable.length === 0) {
      throw new AiError('no infrastructure files are editable (deploy.infra_files matched nothing), so there is nothing to propose', 'bad_request');
    }
    const { result } = await this.run('proposal', 'read', input.issue, proposalRequest(input, this.redact), ctx);
    return confineProposal(this.answer('proposal', result, proposalSchema), input);
  }

  async explain(input: ExplainInput, ctx: AiContext): Promise<string> {
    const { result } = await this.run('explain', 'read', input.task.issue, explainRequest(input, this.redact), ctx);
    const text = result.result?.trim();
    if (!text) throw new AiError('Claude Code returned no explanation text', 'invalid_reply');
    return text;
  }

  async review(input: ReviewInput, ctx: AiContext): Promise<ReviewVerdict> {
    const { result } = await this.run('review', 'read', input.issue, reviewRequest(input), ctx);
    const answer = this.answer('review', result, reviewSchema);
    const comments = answer.comments.map((c) => (c.path ? { path: c.path, message: c.message } : { message: c.message }));
    // The comments are the coder's next instructions; a rejection without any still says why.
    if (answer.verdict === 'request_changes' && comments.length === 0) comments.push({ message: answer.summary });
    return { verdict: answer.verdict, summary: answer.summary, comments };
  }

  // ---------------------------------------------------------------- one run

  private async edit(purpose: 'code' | 'fix', issue: Issue, request: string, ctx: AiContext): Promise<CodeResult> {
    const { result, changed } = await this.run(purpose, 'edit', issue, request, ctx);
    return { filesChanged: changed, summary: result.result?.trim() || '(Claude Code gave no summary)' };
  }

  private answer<T>(purpose: Purpose, result: CliResult, schema: z.ZodType<T>): T {
    const got = extractJsonObject(result.result ?? '', schema);
    if (!got.ok) throw new AiError(this.redact(`Claude Code's ${purpose} answer is not usable: ${got.problem}`), 'invalid_reply');
    return got.value;
  }

  /**
   * One `claude -p` run, judged as a whole: it succeeds only when the CLI printed a complete
   * successful result, exited 0, and changed nothing it must not (nothing at all when `access` is
   * read). Otherwise every change it made is reverted before the error is thrown.
   */
  private async run(purpose: Purpose, access: Access, issue: Issue, request: string, ctx: AiContext): Promise<Finished> {
    if (ctx.signal.aborted) throw abortReason(ctx.signal);
    const executable = this.locate();
    const guard = await WorktreeGuard.capture(ctx.worktree);
    const prompt = `${this.redact(issueText(issue))}\n\n${request}`;
    ctx.log('info', `${purpose}: running Claude Code (${executable}${this.options.model ? `, model ${this.options.model}` : ''}, at most ${this.options.maxTurns} turns)`);

    const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'rig-claude-code-'));
    let proc: ProcessResult;
    let parsed: ParsedOutput;
    try {
      const outFile = path.join(tmp, 'stdout.json');
      try {
        proc = await runProcessTree({
          file: '/bin/sh',
          args: ['-c', STDOUT_TO_FILE, 'rig-claude-code', outFile, executable, ...this.cliArgs(access)],
          cwd: ctx.worktree,
          env: this.childEnv(),
          timeoutMs: this.options.timeoutMs,
          signal: ctx.signal,
          // The prompt is far too long for an argument, and arguments are visible to every user of the host.
          stdin: prompt,
          onLine: (line) => ctx.log('debug', this.redact(`Claude Code: ${line}`)),
        });
      } catch (err) {
        throw new AiError(this.redact(`could not start Claude Code: ${(err as Error).message}`), 'unavailable');
      }
      parsed = await readOutput(outFile);
    } finally {
      await fs.rm(tmp, { recursive: true, force: true });
    }

    if (parsed.ok) {
      this.reportUsage(purpose, parsed.result, ctx);
      this.logDenials(parsed.result, ctx);
    } else if (!proc.aborted) {
      ctx.log('warn', `${purpose}: Claude Code ended without reporting its usage; the tokens and cost of this run are not counted in the task's budget`);
    }

    let inspection: Inspection;
    try {
      inspection = await guard.inspect();
    } catch (err) {
      throw new AiError(this.redact(`could not check what Claude Code changed in the worktree (${(err as Error).message}); its edits, if any, were left in place`), 'unavailable');
    }
    const failure = this.judge(proc, parsed, inspection, access);
    if (!failure) {
      const r = (parsed as { result: CliResult }).result;
      ctx.log(
        'debug',
        `${purpose}: Claude Code finished in ${r.num_turns ?? '?'} turns${r.total_cost_usd !== undefined ? `, $${r.total_cost_usd.toFixed(4)}` : ''}; files changed: ${inspection.changed.join(', ') || 'none'}`,
      );
      return { result: r, changed: inspection.changed };
    }

    const reverted = await this.revert(guard, inspection, ctx);
    if (failure === 'aborted') {
      for (const v of inspection.violations) ctx.log('warn', this.redact(`${purpose}: Claude Code changed ${v.path} (${v.reason}); undone`));
      if (reverted) ctx.log('warn', `${purpose}: cancelled.${reverted}`);
      throw abortReason(ctx.signal);
    }
    throw new AiError(this.redact(`${failure.message}.${reverted}`), failure.kind);
  }

  private judge(proc: ProcessResult, parsed: ParsedOutput, inspection: Inspection, access: Access): { message: string; kind: AiError['kind'] } | 'aborted' | null {
    if (proc.aborted) return 'aborted';
    if (inspection.violations.length > 0) {
      const list = inspection.violations.map((v) => `${v.path} (${v.reason})`).join('; ');
      return { kind: 'invalid_reply', message: `Claude Code changed what it must not: ${list}. Nothing from this run was kept` };
    }
    if (proc.timedOut) {
      return { kind: 'unavailable', message: `Claude Code did not finish within ${formatMs(this.options.timeoutMs)}; it was stopped with every process it started` };
    }
    const exit = proc.exitCode ?? proc.signal ?? 'unknown';
    if (!parsed.ok) {
      // The shell reports 126/127 when the executable vanished or lost its permission since it was found.
      if (proc.exitCode === 126 || proc.exitCode === 127) return { kind: 'unavailable', message: `${this.notInstalled()}${stderrTail(proc)}` };
      if (proc.exitCode !== 0) return { kind: 'unavailable', message: `Claude Code failed (exit ${exit}) without a result: ${parsed.detail}${stderrTail(proc)}` };
      return { kind: 'truncated', message: `Claude Code's output is not a complete result: ${parsed.detail}${stderrTail(proc)}` };
    }
    const r = parsed.result;
    if (r.is_error || r.subtype !== 'success') return classifyError(r, this.options.maxTurns);
    if (proc.exitCode !== 0) return { kind: 'unavailable', message: `Claude Code reported success but exited with ${exit}${stderrTail(proc)}` };
    if (access === 'read' && inspection.changed.length > 0) {
      return { kind: 'invalid_reply', message: `Claude Code changed files during a step that may only read them: ${inspection.changed.join(', ')}` };
    }
    return null;
  }

  /** Reverts every change of a failed run; returns a sentence for the error message. */
  private async revert(guard: WorktreeGuard, inspection: Inspection, ctx: AiContext): Promise<string> {
    if (inspection.changed.length === 0) return '';
    let unrestored: string[];
    try {
      unrestored = await guard.revert(inspection.changed);
    } catch (err) {
      ctx.log('error', this.redact(`reverting the worktree failed: ${(err as Error).message}`));
      unrestored = inspection.changed;
    }
    const n = inspection.changed.length;
    if (unrestored.length === 0) return ` Its changes to ${n} ${n === 1 ? 'path were' : 'paths were'} reverted.`;
    return ` Its changes were reverted except for ${unrestored.join(', ')}: reset the worktree before carrying on.`;
  }

  // ---------------------------------------------------------------- the process

  private cliArgs(access: Access): string[] {
    const o = this.options;
    return [
      '--print',
      '--output-format',
      'json',
      '--max-turns',
      String(o.maxTurns),
      ...(o.model ? ['--model', o.model] : []),
      '--permission-mode',
      access === 'edit' ? 'acceptEdits' : 'default',
      '--tools',
      (access === 'edit' ? EDIT_TOOLS : READ_TOOLS).join(','),
      '--disallowedTools',
      (access === 'edit' ? DENIED_TOOLS : [...DENIED_TOOLS, 'Edit', 'Write']).join(','),
      '--strict-mcp-config',
      '--setting-sources',
      'user',
      '--append-system-prompt',
      CLAUDE_CODE_RULES,
    ];
  }

  /** Only what the CLI needs: Rig's own secrets (GitHub token, webhook secrets) stay out of it. */
  private childEnv(): Record<string, string> {
    const parent = process.env;
    const allowed = [...INHERITED_ENV];
    if (parent.CLAUDE_CODE_USE_BEDROCK) allowed.push(BEDROCK_ENV);
    if (parent.CLAUDE_CODE_USE_VERTEX) allowed.push(VERTEX_ENV);
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries(parent)) {
      if (value !== undefined && allowed.some((re) => re.test(name))) env[name] = value;
    }
    if (this.options.apiKey) {
      env.ANTHROPIC_API_KEY = this.options.apiKey;
      delete env.ANTHROPIC_AUTH_TOKEN;
    }
    if (this.options.baseUrl) env.ANTHROPIC_BASE_URL = this.options.baseUrl;
    env.CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC = '1';
    return env;
  }

  private locate(): string {
    const name = this.options.executable ?? 'claude';
    const found = path.isAbsolute(name) ? findExecutable(path.basename(name), path.dirname(name)) : findExecutable(name, process.env.PATH);
    if (!found) throw new AiError(this.notInstalled(), 'unavailable');
    return found;
  }

  private notInstalled(): string {
    const name = this.options.executable ?? 'claude';
    const where = path.isAbsolute(name) ? `${name} is not an executable file` : `no "${name}" executable was found on PATH (only absolute PATH entries are searched)`;
    return `Claude Code is not available: ${where}. Install Claude Code (npm install -g @anthropic-ai/claude-code) or choose another ai.provider in rig.yaml`;
  }

  // ---------------------------------------------------------------- reporting

  private reportUsage(purpose: Purpose, result: CliResult, ctx: AiContext): void {
    for (const u of usageOf(result, this.options.model ?? 'claude-code')) {
      const tokens = { inputTokens: u.inputTokens, outputTokens: u.outputTokens, cacheReadTokens: u.cacheReadTokens, cacheWriteTokens: u.cacheWriteTokens };
      let costUsd = u.costUsd;
      if (costUsd === null) {
        const price = this.prices.lookup(u.model);
        if (!price.exact && !this.warnedUnpricedModels.has(u.model)) {
          this.warnedUnpricedModels.add(u.model);
          ctx.log('warn', `Claude Code reported no cost and no price is known for model ${u.model}; its cost is estimated at ${price.key} rates`);
        }
        costUsd = this.prices.cost(u.model, tokens);
      }
      ctx.onUsage({ model: u.model, purpose, ...tokens, costUsd });
    }
  }

  private logDenials(result: CliResult, ctx: AiContext): void {
    for (const d of result.permission_denials ?? []) {
      const input = d.tool_input as { file_path?: unknown; path?: unknown; pattern?: unknown } | undefined;
      const target = input?.file_path ?? input?.path ?? input?.pattern;
      ctx.log('warn', this.redact(`Claude Code was refused ${d.tool_name ?? 'a tool'}${typeof target === 'string' ? ` on ${target}` : ''}`));
    }
  }
}

// ---------------------------------------------------------------- helpers

function validateOptions(o: ClaudeCodeAgentOptions): void {
  const positive = (name: string, v: unknown) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new Error(`Claude Code agent: ${name} must be a positive integer, got ${JSON.stringify(v)}`);
  };
  positive('timeoutMs', o.timeoutMs);
  positive('maxTurns', o.maxTurns);
  if (o.executable !== undefined && (o.executable.trim() === '' || (!path.isAbsolute(o.executable) && o.executable.includes('/')))) {
    // A relative path would resolve against whichever directory Rig runs in.
    throw new Error(`Claude Code agent: executable must be a command name or an absolute path, got ${JSON.stringify(o.executable)}`);
  }
  if (o.model !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._:@/[\]-]*$/.test(o.model)) {
    throw new Error(`Claude Code agent: model ${JSON.stringify(o.model)} is not a model name`);
  }
  if (o.apiKey !== undefined && o.apiKey.trim() === '') throw new Error('Claude Code agent: apiKey is empty; leave it unset to use the CLI\'s own login');
  if (o.baseUrl !== undefined && !/^https?:\/\//.test(o.baseUrl)) {
    throw new Error(`Claude Code agent: baseUrl must be an http(s) URL, got ${JSON.stringify(o.baseUrl)}`);
  }
}

async function readOutput(file: string): Promise<ParsedOutput> {
  let size: number;
  try {
    size = (await fs.stat(file)).size;
  } catch {
    return { ok: false, problem: 'empty', detail: 'it printed nothing on stdout' };
  }
  if (size > MAX_STDOUT_BYTES) return { ok: false, problem: 'unexpected', detail: `it printed ${size} bytes, more than a result can be` };
  return parseCliOutput(await fs.readFile(file, 'utf8'));
}

function classifyError(r: CliResult, maxTurns: number): { message: string; kind: AiError['kind'] } {
  const said = r.result?.trim() ? `: ${clip(r.result.trim(), 500)}` : '';
  switch (r.subtype) {
    case 'error_max_turns':
      return { kind: 'budget', message: `Claude Code stopped at max_turns (${maxTurns}) before finishing` };
    case 'error_max_budget_usd':
      return { kind: 'budget', message: `Claude Code reached its spending limit before finishing${said}` };
    case 'error_during_execution':
      return { kind: 'unavailable', message: `Claude Code failed during the run${said}` };
  }
  if (/api key|x-api-key|authenticat|unauthori[sz]ed|\b401\b|\/login|oauth/i.test(r.result ?? '')) {
    return { kind: 'auth', message: `Claude Code could not authenticate${said}; check ai.api_key or the CLI's login` };
  }
  return { kind: 'unavailable', message: `Claude Code reported an error (${r.subtype})${said}` };
}

function stderrTail(proc: ProcessResult): string {
  const text = proc.output.trim();
  if (!text) return '';
  return `\n${text.length > STDERR_TAIL_CHARS ? `…${text.slice(-STDERR_TAIL_CHARS)}` : text}`;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
