import type http from 'node:http';
import path from 'node:path';
import type { RigConfig } from '../core/config/schema';
import { openWorkspace, type Workspace } from '../runtime/workspace';
import type { Project } from './contracts';
import { createHttpServer } from './http';
import { IssuePoller } from './poller';
import { createWebhookIntake, type DurableWebhookIntake } from './webhook/intake';

export type ServeMode = 'webhook' | 'web' | 'both';

export interface ServeOptions {
  mode: ServeMode;
  cwd: string;
  configPath?: string;
  env: Record<string, string | undefined>;
  /** Webhook port (rig run, rig serve); default server.port. */
  port?: number;
  /** Dashboard/API port (rig web, rig serve); default server.web_port. */
  webPort?: number;
  host?: string;
  /** Accept unsigned webhook deliveries when no secret is configured. Never the default. */
  insecureNoSignature?: boolean;
  /** Where the built dashboard is (dist/webview next to the CLI bundle). */
  dashboardDir?: string;
  /**
   * A workspace already open in this process (the editor's): the server drives its engine rather
   * than a second one, so tasks started from the browser and from the editor share one owner.
   */
  workspace?: Workspace;
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
}

export interface RunningServer {
  urls: string[];
  projects: Project[];
  close(): Promise<void>;
}

const REPO_RE = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/;

/** One Project per repository: the current one, or each `projects:` entry's local clone. */
async function loadProjects(opts: ServeOptions): Promise<{ root: Workspace; projects: Project[] }> {
  const root = opts.workspace ?? (await openWorkspace({ cwd: opts.cwd, configPath: opts.configPath, env: opts.env }));
  const config = root.requireConfig();
  const toProject = (ws: Workspace, name: string, repo: string): Project => {
    const m = REPO_RE.exec(repo);
    if (!m) throw new Error(`project ${name}: repository "${repo}" is not owner/name`);
    return { name, repo: { owner: m[1]!, repo: m[2]! }, workspace: ws, engine: ws.engine() };
  };
  if (config.projects?.length) {
    const projects: Project[] = [];
    for (const [i, entry] of config.projects.entries()) {
      if (!entry.path) throw new Error(`projects[${i}] (${entry.name}) needs path: the local clone of ${entry.repo} that Rig works in`);
      const dir = path.resolve(path.dirname(root.configFile), entry.path);
      const ws = dir === root.root ? root : await openWorkspace({ cwd: dir, env: opts.env });
      projects.push(toProject(ws, entry.name, entry.repo));
    }
    return { root, projects };
  }
  if (!config.source?.repo) throw new Error('rig.yaml needs source.repo (owner/name) so the server knows which repository it serves');
  return { root, projects: [toProject(root, config.project?.name ?? config.source.repo.split('/')[1]!, config.source.repo)] };
}

function listen(server: http.Server, port: number, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address();
      const actual = typeof address === 'object' && address ? address.port : port;
      resolve(`http://${host.includes(':') ? `[${host}]` : host}:${actual}`);
    });
  });
}

function serverSettings(config: RigConfig, env: Record<string, string | undefined>) {
  const s = config.server;
  // The original tool's environment variables still work where rig.yaml says nothing.
  return {
    secret: s?.secret ?? (env.WEBHOOK_SECRET || undefined),
    apiKey: s?.api_key ?? (env.RIG_API_KEY || undefined),
    corsOrigins: s?.cors_origins.length ? s.cors_origins : (env.RIG_CORS_ORIGINS ?? '').split(',').map((o) => o.trim()).filter(Boolean),
  };
}

/** `rig run`, `rig web`, `rig serve`: the webhook receiver, the dashboard with its API, or both. */
export async function startRigServer(opts: ServeOptions): Promise<RunningServer> {
  const { root, projects } = await loadProjects(opts);
  const config = root.requireConfig();
  const settings = serverSettings(config, opts.env);
  const host = opts.host ?? config.server?.host ?? '127.0.0.1';
  const security = {
    host,
    apiKey: settings.apiKey,
    corsOrigins: settings.corsOrigins,
    rateLimitPerMinute: config.server?.rate_limit_per_minute,
    trustProxy: config.server?.trust_proxy,
    allowedHosts: config.server?.allowed_hosts,
  };
  const chatops = {
    slackSigningSecret: config.server?.slack_signing_secret,
    discordPublicKey: config.server?.discord_public_key,
    allowUsers: config.server?.chatops_allow_users,
  };
  const servers: http.Server[] = [];
  const urls: string[] = [];
  let intake: DurableWebhookIntake | undefined;
  let poller: IssuePoller | undefined;

  try {
    if (opts.mode !== 'web') {
      if (!settings.secret && !opts.insecureNoSignature) {
        throw new Error('no webhook secret: set server.secret in rig.yaml (or WEBHOOK_SECRET) to the secret of the GitHub webhook; --insecure-no-signature accepts unsigned deliveries, which lets anyone who can reach the port start runs');
      }
      if (!settings.secret) opts.log('warn', 'accepting UNSIGNED webhook deliveries (--insecure-no-signature): anyone who can reach this port can start runs');
      intake = createWebhookIntake({ projects, secret: settings.secret, acceptUnsigned: opts.insecureNoSignature === true, allowUsers: config.server?.allow_users, log: opts.log });
      await intake.start();
      const port = opts.port ?? config.server?.port ?? 8080;
      const server = createHttpServer({ projects, webhook: intake, chatops, security: { ...security, port }, log: opts.log });
      servers.push(server);
      urls.push(`${await listen(server, port, host)}/webhook`);
      if (config.server?.poll_interval_seconds) {
        poller = new IssuePoller({ projects, allowUsers: config.server.allow_users, log: opts.log });
        poller.start();
        opts.log('info', `polling labelled issues every ${config.server.poll_interval_seconds}s`);
      }
    }
    if (opts.mode !== 'webhook') {
      const port = opts.webPort ?? config.server?.web_port ?? 3000;
      const server = createHttpServer({ projects, chatops, security: { ...security, port }, dashboardDir: opts.dashboardDir, log: opts.log });
      servers.push(server);
      urls.push(await listen(server, port, host));
    }
  } catch (err) {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    await poller?.stop();
    await intake?.stop();
    throw err;
  }

  return {
    urls,
    projects,
    close: async () => {
      await poller?.stop();
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.close(() => resolve());
              s.closeAllConnections();
            }),
        ),
      );
      await intake?.stop();
    },
  };
}
