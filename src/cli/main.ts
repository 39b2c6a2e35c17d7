import { Command, InvalidArgumentError, Option } from 'commander';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../core/config/load';
import { initTemplate } from '../core/config/templates';
import { STEP_NAMES } from '../core/config/schema';
import { TaskConflictError, TaskNotFoundError } from '../core/engine';
import type { StepSelection, Task } from '../core/model';
import { isTerminal } from '../core/phases';
import { parseIssueRef } from '../adapters/github/issue-url';
import { openWorkspace, readConfigFile, type Workspace } from '../runtime/workspace';
import { runDoctor } from '../runtime/doctor';
import { explainTask } from '../runtime/explain';
import { describeReplay, replayWebhook, ReplayError } from '../runtime/webhook-replay';
import { buildContextReport, DEFAULT_CONTEXT_BUDGET, MIN_BUDGET_TOKENS, renderContextReport, toContextJson } from '../runtime/context';
import { EXIT, exitCodeFor } from './exit-codes';
import { renderLogEntry, renderProposal, renderStatusTable, renderTaskDetail, toProposalJson, toStatusJson } from './render';
import { VERSION } from '../version';
import { startRigServer } from '../server/start';

class CliError extends Error {
  constructor(
    message: string,
    readonly code: number = EXIT.failed,
  ) {
    super(message);
  }
}

// Commander discards what actions return; each action's exit code is kept here.
let exitCode: number = EXIT.ok;
function act<A extends unknown[]>(fn: (...args: A) => Promise<number> | number) {
  return async (...args: A): Promise<void> => {
    exitCode = await fn(...args);
  };
}

const print = (text: string) => process.stdout.write(`${text}\n`);
const printJson = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError(`"${value}" is not a port number`);
  return port;
}

function parseSteps(value: string, previous: StepSelection[] = []): StepSelection[] {
  const steps = value.split(',').map((s) => s.trim());
  for (const s of steps) {
    if (!(STEP_NAMES as readonly string[]).includes(s)) throw new InvalidArgumentError(`unknown step "${s}"; expected one of ${STEP_NAMES.join(', ')}`);
  }
  return [...previous, ...(steps as StepSelection[])];
}

async function workspace(opts: { config?: string }, githubHost?: string): Promise<Workspace> {
  return openWorkspace({ cwd: process.cwd(), configPath: opts.config, env: process.env, githubHost });
}

function issueRef(url: string) {
  try {
    return parseIssueRef(url);
  } catch (err) {
    throw new CliError((err as Error).message, EXIT.usage);
  }
}

function configOption() {
  return new Option('-c, --config <file>', 'path to rig.yaml (default: rig.yaml at the repository root)');
}

export function buildProgram(): Command {
  const program = new Command('rig')
    .description('Rig turns a GitHub issue into a tested pull request: the AI codes, Rig commits, deploys, tests and opens the PR.')
    .version(VERSION, '-V, --version-flag')
    .showHelpAfterError()
    // Set before the commands are added so every subcommand inherits it: usage errors exit 2.
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(str) });

  program
    .command('exec')
    .description('run the whole pipeline for one issue in this repository')
    .argument('<issue-url>', 'https://github.com/OWNER/REPO/issues/N (or OWNER/REPO#N)')
    .addOption(configOption())
    .option('--dry-run', 'show what would happen without writing anything anywhere')
    .option('--step <steps>', 'run only these steps (code, deploy, test, report; repeat or comma-separate)', parseSteps)
    .option('--no-wait', 'do not wait for approvals: leave the task awaiting approval and exit 3')
    .option('--json', 'print the final task as JSON')
    .action(act(async (url: string, opts: { config?: string; dryRun?: boolean; step?: StepSelection[]; wait: boolean; json?: boolean }) => {
      const ref = issueRef(url);
      const ws = await workspace(opts, ref.host);
      ws.requireConfig();
      if (opts.dryRun) {
        const report = await ws.dryRun(ref, opts.step);
        if (opts.json) printJson(report);
        else print(renderDryRun(report));
        return EXIT.ok;
      }
      const engine = await ws.engine();
      const controller = new AbortController();
      const onSigint = () => {
        process.stderr.write('\nCancelling (Ctrl-C again to force)…\n');
        controller.abort();
        process.once('SIGINT', () => process.exit(EXIT.sigint));
      };
      // A CI job cancelled with SIGTERM (or a closed terminal) stops the task like Ctrl-C, so no
      // deploy or test process outlives it.
      for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, onSigint);
      if (!opts.json) {
        engine.onEvent((e) => {
          if (e.type === 'log.line') process.stderr.write(`${renderLogEntry(e.entry)}\n`);
        });
      }
      const task = await engine.exec(ref, { steps: opts.step, waitForApproval: opts.wait, signal: controller.signal });
      for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(signal, onSigint);
      if (opts.json) printJson(toStatusJson(task));
      else print(finalLine(task));
      if (controller.signal.aborted) return EXIT.sigint;
      return exitCodeFor(task.status);
    }));

  program
    .command('status')
    .description('list the tasks of this repository')
    .option('--json', 'machine-readable output')
    .option('--issue <number>', 'only tasks of this issue number', (v) => Number.parseInt(v, 10))
    .action(act(async (opts: { json?: boolean; issue?: number }) => {
      const ws = await workspace({});
      const engine = await ws.engine();
      await engine.expireOverdue();
      let tasks = await engine.list();
      if (opts.issue !== undefined) tasks = tasks.filter((t) => t.issue.number === opts.issue);
      if (opts.json) printJson(tasks.map(toStatusJson));
      else print(renderStatusTable(tasks));
      return EXIT.ok;
    }));

  program
    .command('logs')
    .description("show a task's pipeline and log")
    .argument('<id>', 'task id (or a unique prefix)')
    .option('-f, --follow', 'keep printing until the task ends')
    .option('--json', 'one JSON object per log line')
    .action(act(async (id: string, opts: { follow?: boolean; json?: boolean }) => {
      const engine = await (await workspace({})).engine();
      let task = await engine.get(id);
      if (!opts.json) print(renderTaskDetail(task) + '\n\nLog:');
      let seq = 0;
      for (;;) {
        for (const entry of await engine.store.readLogs(task.id, seq)) {
          seq = entry.seq;
          print(opts.json ? JSON.stringify(entry) : renderLogEntry(entry));
        }
        if (!opts.follow || isTerminal(task.status)) break;
        await new Promise((r) => setTimeout(r, 500));
        task = await engine.get(task.id);
      }
      if (opts.follow && !opts.json) print(finalLine(task));
      return EXIT.ok;
    }));

  program
    .command('proposals')
    .description('list pending proposals (infrastructure fixes and deploy approvals)')
    .argument('[id]', 'only this task')
    .option('--json', 'machine-readable output, with each file path and its proposed content')
    .action(act(async (id: string | undefined, opts: { json?: boolean }) => {
      const engine = await (await workspace({})).engine();
      const tasks = id ? [await engine.get(id)] : await engine.list();
      const pending = tasks
        .filter((t) => t.status === 'awaiting_approval')
        .flatMap((t) => t.proposals.filter((p) => p.status === 'pending').map((p) => ({ t, p })));
      if (opts.json) printJson(pending.map(({ t, p }) => toProposalJson(t, p)));
      else print(pending.length ? pending.map(({ t, p }) => renderProposal(t, p)).join('\n\n') : 'No pending proposals.');
      return EXIT.ok;
    }));

  for (const verdict of ['approve', 'reject'] as const) {
    program
      .command(verdict)
      .description(verdict === 'approve' ? 'approve the pending proposal: apply it, commit, re-deploy and carry on' : 'reject the pending proposal: the task fails')
      .argument('<id>', 'task id (or a unique prefix)')
      .addOption(configOption())
      .option('--by <name>', 'who decides (recorded with the proposal)')
      .option('--no-wait', 'when this process carries the task on, do not wait for a further approval')
      .action(act(async (id: string, opts: { config?: string; by?: string; wait: boolean }) => {
        const ws = await workspace(opts);
        ws.requireConfig();
        const engine = ws.engine();
        engine.onEvent((e) => {
          if (e.type === 'log.line') process.stderr.write(`${renderLogEntry(e.entry)}\n`);
        });
        const by = opts.by ?? process.env.USER ?? 'cli';
        const { task, handedTo } = await engine.decide(id, verdict === 'approve', by, { waitForApproval: opts.wait });
        if (handedTo === 'owner') {
          print(`${verdict === 'approve' ? 'Approved' : 'Rejected'}: the process running ${task.id} carries on (rig logs ${task.id} --follow).`);
          return EXIT.ok;
        }
        print(finalLine(task));
        return verdict === 'reject' ? EXIT.ok : exitCodeFor(task.status);
      }));
  }

  program
    .command('cancel')
    .description('stop a task: its commands are killed and it ends cancelled')
    .argument('<id>', 'task id (or a unique prefix)')
    .action(act(async (id: string) => {
      const engine = await (await workspace({})).engine();
      const task = await engine.cancel(id);
      print(isTerminal(task.status) ? finalLine(task) : `Cancel requested; the process running ${task.id} stops it.`);
      return EXIT.ok;
    }));

  program
    .command('retry')
    .description('carry on an interrupted, failed, cancelled or timed-out task on its own branch')
    .argument('<id>', 'task id (or a unique prefix)')
    .addOption(configOption())
    .option('--no-wait', 'do not wait for approvals')
    .action(act(async (id: string, opts: { config?: string; wait: boolean }) => {
      const ws = await workspace(opts);
      ws.requireConfig();
      const engine = ws.engine();
      engine.onEvent((e) => {
        if (e.type === 'log.line') process.stderr.write(`${renderLogEntry(e.entry)}\n`);
      });
      const task = await engine.resume(id, { waitForApproval: opts.wait });
      print(finalLine(task));
      return exitCodeFor(task.status);
    }));

  program
    .command('explain')
    .description('why a task failed: a structured report, or with --ai the AI reads the failure and suggests a fix')
    .argument('<id>', 'task id (or a unique prefix)')
    .addOption(configOption())
    .option('--ai', 'ask the AI for the cause and a suggested fix (Markdown)')
    .action(act(async (id: string, opts: { config?: string; ai?: boolean }) => {
      print(await explainTask(await workspace(opts), id, { ai: opts.ai ?? false }));
      return EXIT.ok;
    }));

  program
    .command('context')
    .description('show what the planner is given first for an issue: the repository map, the ranked files and why, the token count')
    .argument('<issue-url>', 'https://github.com/OWNER/REPO/issues/N (or OWNER/REPO#N)')
    .addOption(configOption())
    .option('--json', 'machine-readable output: the map, every ranked file with its score and reasons, token counts')
    .option('--budget <tokens>', `token budget of the map (default ${DEFAULT_CONTEXT_BUDGET}, as in a task)`, (v) => {
      const n = Number(v);
      if (!/^\d+$/.test(v.trim()) || n < MIN_BUDGET_TOKENS || n > 1_000_000) throw new InvalidArgumentError(`expected a whole number of tokens from ${MIN_BUDGET_TOKENS} to 1000000`);
      return n;
    })
    .action(act(async (url: string, opts: { config?: string; json?: boolean; budget?: number }) => {
      const ref = issueRef(url);
      const report = await buildContextReport(await workspace(opts, ref.host), ref, { budgetTokens: opts.budget });
      if (opts.json) printJson(toContextJson(report));
      else print(renderContextReport(report));
      return EXIT.ok;
    }));

  for (const [name, mode, description] of [
    ['run', 'webhook', 'receive GitHub webhooks (POST /webhook) and run triggered issues; polls instead when server.poll_interval_seconds is set'],
    ['web', 'web', 'serve the dashboard and the REST API with live events'],
    ['serve', 'both', 'the webhook receiver and the dashboard together'],
  ] as const) {
    const cmd = program.command(name).description(description).addOption(configOption());
    if (mode !== 'web') cmd.option('-p, --port <port>', 'webhook port (default server.port, 8080)', parsePort);
    if (mode === 'both') cmd.option('--webhook-port <port>', 'same as --port', parsePort);
    if (mode !== 'webhook') cmd.option(mode === 'web' ? '-p, --port <port>' : '--web-port <port>', 'dashboard port (default server.web_port, 3000)', parsePort);
    cmd.option('--host <address>', 'interface to bind (default server.host, 127.0.0.1); beyond loopback an API key is required');
    if (mode !== 'web') cmd.option('--insecure-no-signature', 'accept unsigned webhook deliveries when no secret is set (anyone who can reach the port can start runs)');
    cmd.action(
      act(async (opts: { config?: string; port?: number; webhookPort?: number; webPort?: number; host?: string; insecureNoSignature?: boolean }) => {
        const log = (level: string, message: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${level.toUpperCase().padEnd(5)} ${message}\n`);
        const running = await startRigServer({
          mode,
          cwd: process.cwd(),
          configPath: opts.config,
          env: process.env,
          port: mode === 'web' ? undefined : (opts.webhookPort ?? opts.port),
          webPort: mode === 'web' ? opts.port : opts.webPort,
          host: opts.host,
          insecureNoSignature: opts.insecureNoSignature,
          dashboardDir: path.join(__dirname, 'webview'),
          log,
        });
        print(`Rig ${mode === 'webhook' ? 'webhook receiver' : mode === 'web' ? 'dashboard' : 'server'} for ${running.projects.map((p) => `${p.repo.owner}/${p.repo.repo}`).join(', ')}:`);
        for (const url of running.urls) print(`  ${url}`);
        await new Promise<void>((resolve) => {
          const stop = () => resolve();
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        log('info', 'stopping: waiting for the work in hand');
        await running.close();
        return EXIT.ok;
      }),
    );
  }

  program
    .command('webhook')
    .description('replay a webhook payload from a file through the triggers, routing and permission checks (no signature: the file is yours)')
    .requiredOption('--event <name>', 'the X-GitHub-Event it stands for (issues, issue_comment)')
    .requiredOption('--payload <file>', 'the delivery body, as JSON')
    .addOption(configOption())
    .option('--dry-run', 'say which trigger matches (or why none does) and for which issue; start and write nothing')
    .action(act(async (opts: { event: string; payload: string; config?: string; dryRun?: boolean }) => {
      const payload = await readPayloadFile(opts.payload);
      const ws = await workspace(opts, payloadHost(payload));
      const result = await replayWebhook(ws, {
        event: opts.event,
        payload,
        dryRun: opts.dryRun ?? false,
        onTask: (task) => {
          process.stderr.write(`Task ${task.id} started for issue #${task.issue.number}\n`);
          ws.engine().onEvent((e) => {
            if (e.type === 'log.line' && e.taskId === task.id) process.stderr.write(`${renderLogEntry(e.entry)}\n`);
          });
        },
      }).catch((err: unknown) => {
        throw err instanceof ReplayError ? new CliError(err.message, EXIT.usage) : err;
      });
      if (result.kind !== 'ran') {
        print(describeReplay(result));
        return EXIT.ok;
      }
      print(finalLine(result.task));
      return exitCodeFor(result.task.status);
    }));

  program
    .command('validate')
    .description('check a rig.yaml: every problem with its field and line')
    .addOption(configOption())
    .action(act(async (opts: { config?: string }) => {
      const file = path.resolve(opts.config ?? 'rig.yaml');
      const { config, warnings } = await readConfigFile(file, process.env);
      for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
      const deploy = config.deploy ? `deploy ${config.deploy.method}` : 'no deploy';
      print(`${path.basename(file)} is valid (${config.ai ? `ai ${config.ai.provider}` : 'no ai section'}, ${deploy}, ${config.test.length} test(s), ${config.policies.length} polic${config.policies.length === 1 ? 'y' : 'ies'}).`);
      return EXIT.ok;
    }));

  program
    .command('init')
    .description('write a commented rig.yaml template in the current directory')
    .addOption(new Option('--template <name>', 'template').choices(['default', 'docker']).default('default'))
    .option('-o, --output <file>', 'where to write', 'rig.yaml')
    .option('--force', 'overwrite an existing file')
    .action(act(async (opts: { template: 'default' | 'docker'; output: string; force?: boolean }) => {
      const file = path.resolve(opts.output);
      if (existsSync(file) && !opts.force) throw new CliError(`${opts.output} already exists; use --force to overwrite it`, EXIT.usage);
      await fs.writeFile(file, initTemplate(opts.template));
      print(`Wrote ${opts.output} (${opts.template} template). Check it with: rig validate -c ${opts.output}`);
      return EXIT.ok;
    }));

  program
    .command('doctor')
    .description('check config, credentials, GitHub and AI reachability, git state and the state directory')
    .addOption(configOption())
    .action(act(async (opts: { config?: string }) => {
      const { report, ok } = await runDoctor({ cwd: process.cwd(), configPath: opts.config, env: process.env });
      print(report);
      return ok ? EXIT.ok : EXIT.failed;
    }));

  program
    .command('version')
    .description('print the version')
    .action(act(() => {
      print(`rig ${VERSION}`);
      return EXIT.ok;
    }));

  return program;
}

async function readPayloadFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`, EXIT.usage);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new CliError(`${file} is not valid JSON`, EXIT.usage);
  }
}

/** GitHub Enterprise payloads name their own host; the API is found from it. */
function payloadHost(payload: unknown): string | undefined {
  const url = (payload as { repository?: { html_url?: unknown } } | null)?.repository?.html_url;
  if (typeof url !== 'string') return undefined;
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}

function finalLine(task: Task): string {
  const base = `Task ${task.id}: ${task.status}`;
  if (task.status === 'completed') return `${base}${task.pr ? ` — pull request ${task.pr.url}` : ''}`;
  if (task.status === 'awaiting_approval') return `${base} — review with: rig proposals ${task.id}; then rig approve ${task.id} or rig reject ${task.id}`;
  return `${base}${task.statusReason ? ` — ${task.statusReason.split('\n')[0]}` : ''} (details: rig explain ${task.id})`;
}

function renderDryRun(r: Awaited<ReturnType<Workspace['dryRun']>>): string {
  const out = [`DRY RUN — nothing was written. Issue #${r.issue.number}: ${r.issue.title}`, `branch ${r.branch} from ${r.baseBranch}; steps: ${r.steps.join(', ')}; max fixes: ${r.maxRetry}`];
  if (r.plan) out.push('', `Plan: ${r.plan.summary}`, ...r.plan.steps.map((s) => `  - ${s}`), `Likely files: ${r.plan.files.join(', ') || '—'}`);
  else if (r.planError) out.push('', `Plan: not available (${r.planError})`);
  if (r.deploy.length) out.push('', `Deploy${r.approvalBeforeDeploy ? ' (after human approval)' : ''}:`, ...r.deploy.map((d) => `  ${d.name} [${d.transport}, ${Math.round(d.timeoutMs / 1000)}s]: ${d.command}`));
  if (r.tests.length) out.push('', 'Tests:', ...r.tests.map((t) => `  ${t.name}: ${t.command}${t.affectedPaths ? ` (only if the change touches ${t.affectedPaths.join(', ')})` : ''}`));
  out.push('', 'A real run would:', ...r.blockedSideEffects.map((s) => `  - ${s}`));
  return out.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (err) {
    return reportError(err);
  }
}

function reportError(err: unknown): number {
  const e = err as { code?: string; exitCode?: number; message?: string };
  if (typeof e.code === 'string' && e.code.startsWith('commander.')) {
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT.ok;
    return EXIT.usage;
  }
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    return EXIT.usage;
  }
  if (err instanceof CliError) {
    process.stderr.write(`rig: ${err.message}\n`);
    return err.code;
  }
  if (err instanceof TaskConflictError || err instanceof TaskNotFoundError) {
    process.stderr.write(`rig: ${err.message}\n`);
    return EXIT.failed;
  }
  process.stderr.write(`rig: ${err instanceof Error ? err.message : String(err)}\n`);
  if (process.env.RIG_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  return EXIT.failed;
}
