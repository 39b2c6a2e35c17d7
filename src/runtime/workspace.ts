import { promises as fs } from 'node:fs';
import path from 'node:path';
import { TransportCommandRunner } from '../adapters/exec/command-runner';
import { CommandTemplateError, rewriteCommand } from '../adapters/exec/shell-vars';
import { CommandDeployer } from '../adapters/deploy/command-deployer';
import { GitRepoMapper } from '../adapters/context/git-repo-mapper';
import { GitCliWorkspace } from '../adapters/git/git-workspace';
import { GitHubCodeHost } from '../adapters/github/github-code-host';
import { chooseApiBaseUrl } from '../adapters/github/issue-url';
import { createGitHubClient } from '../adapters/github/octokit-client';
import { createNotifier } from '../adapters/notify/notifier';
import { FileTaskStore } from '../adapters/store/file-task-store';
import { CommandTestRunner } from '../adapters/test-runner/command-test-runner';
import { loadConfig } from '../core/config/load';
import { rigConfigSchema, type RigConfig } from '../core/config/schema';
import { resolveEndpoints, type EditorSecrets, type Endpoints } from '../core/credentials';
import { describeDryRun, type DryRunReport } from '../core/dry-run';
import { Engine } from '../core/engine';
import { sanitizeIssue } from '../core/sanitize';
import { REPO_MAP_BUDGET_TOKENS } from '../core/task-run';
import type { IssueRef, StepSelection } from '../core/model';
import type { AiAgent, CodeHost, Notifier } from '../core/ports';
import { createRedactor, type Redactor } from '../core/redact';
import { VERSION } from '../version';
import { WorktreeInfraFs } from './worktree-infra-fs';
import { createAiAgent } from './ai-provider';

export interface WorkspaceOptions {
  cwd: string;
  /** rig.yaml path; default rig.yaml at the repository root. */
  configPath?: string;
  env: Record<string, string | undefined>;
  /** Credentials from the editor (GitHub session, SecretStorage), ahead of rig.yaml and the environment. */
  secrets?: EditorSecrets;
  /** Where GitHub's web host is when no issue URL says it (GitHub Enterprise). */
  githubHost?: string;
}

/** A command the runner would refuse at run time is reported by `rig validate` instead. */
function commandProblem(run: string): string | null {
  try {
    rewriteCommand(run);
    return null;
  } catch (err) {
    if (err instanceof CommandTemplateError) return err.message;
    throw err;
  }
}

export async function readConfigFile(file: string, env: Record<string, string | undefined>) {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`no ${path.basename(file)} at ${file}; create one with: rig init`);
    throw err;
  }
  return loadConfig(text, { env, file: path.basename(file), checkCommand: commandProblem });
}

/**
 * Everything one repository needs to run tasks, wired from its rig.yaml and the environment. The
 * CLI, the server and the extension all start here, so they find credentials the same way.
 */
export class Workspace {
  private engineInstance: Engine | undefined;

  private constructor(
    readonly git: GitCliWorkspace,
    readonly store: FileTaskStore,
    readonly configFile: string,
    readonly config: RigConfig | null,
    readonly endpoints: Endpoints,
    readonly redact: Redactor,
    private readonly options: WorkspaceOptions,
    private readonly configError?: Error,
  ) {}

  static async open(options: WorkspaceOptions): Promise<Workspace> {
    const git = await GitCliWorkspace.open(options.cwd);
    const configFile = path.resolve(options.cwd, options.configPath ?? path.join(git.root, 'rig.yaml'));
    const hasConfig = await fs.access(configFile).then(
      () => true,
      () => false,
    );
    if (options.configPath && !hasConfig) throw new Error(`config file ${options.configPath} not found`);
    // An invalid rig.yaml must not stop anyone from looking at tasks: it is an error only for
    // the commands that run a pipeline (requireConfig).
    let config: RigConfig | null = null;
    let configError: Error | undefined;
    if (hasConfig) {
      try {
        config = (await readConfigFile(configFile, options.env)).config;
      } catch (err) {
        configError = err as Error;
      }
    }
    const endpoints = resolveEndpoints(config ?? rigConfigSchema.parse({}), options.env, options.secrets);
    const redact = createRedactor([endpoints.github.token, endpoints.ai.apiKey, ...secretsInConfig(config)]);
    return new Workspace(git, new FileTaskStore(git.stateDir), configFile, config, endpoints, redact, options, configError);
  }

  get root(): string {
    return this.git.root;
  }

  requireConfig(): RigConfig {
    if (this.configError) throw this.configError;
    if (!this.config) throw new Error(`no rig.yaml at ${this.configFile}; create one with: rig init`);
    return this.config;
  }

  /**
   * The engine for this repository. Without a valid rig.yaml it can still list, follow and cancel
   * tasks; commands that run a pipeline call requireConfig() first.
   */
  engine(): Engine {
    if (!this.engineInstance) {
      const config = this.config ?? rigConfigSchema.parse({});
      const runner = new TransportCommandRunner();
      const codeHost = this.codeHost();
      this.engineInstance = new Engine(config, {
        store: this.store,
        git: this.git,
        codeHost,
        ai: () => this.aiAgent(),
        runner,
        deployer: new CommandDeployer(runner),
        tests: new CommandTestRunner(runner),
        notifier: this.notifier(config, codeHost),
        redact: this.redact,
        fs: new WorktreeInfraFs(),
        repoMapper: new GitRepoMapper(),
      });
    }
    return this.engineInstance;
  }

  codeHost(host?: string): CodeHost {
    const gh = this.endpoints.github;
    const baseUrl = chooseApiBaseUrl({ configured: gh.apiUrl, host: host ?? this.options.githubHost ?? 'github.com' });
    return new GitHubCodeHost(createGitHubClient({ token: gh.token, baseUrl, userAgent: `rig/${VERSION}` }));
  }

  aiAgent(): AiAgent {
    const config = this.requireConfig().ai;
    if (!config) throw new Error('rig.yaml has no ai: section; add one (provider, model, api_key) — see rig init');
    return createAiAgent(this.endpoints.ai, config);
  }

  private notifier(config: RigConfig, codeHost: CodeHost): Notifier {
    return createNotifier(config.notify, codeHost, (level, message) => void this.log(level, message));
  }

  private async log(level: string, message: string): Promise<void> {
    if (level === 'error' || level === 'warn') process.stderr.write(`${level}: ${this.redact(message)}\n`);
  }

  /** What `rig exec` would do: reads the issue and asks the AI for a plan, writes nothing. */
  async dryRun(ref: IssueRef & { host?: string }, steps?: StepSelection[]): Promise<DryRunReport> {
    const config = this.requireConfig();
    const issue = sanitizeIssue(await this.codeHost(ref.host).getIssue(ref), { redact: this.redact });
    const chosen = steps ?? [...config.workflow.steps];
    let plan = null;
    let planError: string | undefined;
    if (chosen.includes('code')) {
      try {
        const context = await new GitRepoMapper().build(this.root, issue, { budgetTokens: REPO_MAP_BUDGET_TOKENS });
        plan = await this.aiAgent().plan(
          { issue, repoMap: context.map },
          { worktree: this.root, signal: new AbortController().signal, onUsage: () => {}, log: () => {} },
        );
      } catch (err) {
        planError = err instanceof Error ? err.message : String(err);
      }
    }
    return describeDryRun(config, issue, chosen, plan, planError);
  }
}

export const openWorkspace = (options: WorkspaceOptions) => Workspace.open(options);

function secretsInConfig(config: RigConfig | null): string[] {
  if (!config) return [];
  const out: string[] = [];
  const server = config.server;
  for (const secret of [server?.secret, server?.api_key, server?.slack_signing_secret]) if (secret) out.push(secret);
  for (const n of config.notify) if (n.type !== 'comment') out.push(n.webhook);
  return out;
}
