import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { GitCliWorkspace } from '../adapters/git/git-workspace';
import { chooseApiBaseUrl } from '../adapters/github/issue-url';
import { readConfigFile } from './workspace';
import { rigConfigSchema, type RigConfig } from '../core/config/schema';
import { resolveEndpoints } from '../core/credentials';

type Level = 'ok' | 'warn' | 'fail';
interface Check {
  level: Level;
  name: string;
  detail: string;
}

const MARK: Record<Level, string> = { ok: '✓', warn: '!', fail: '✗' };

/** Every check runs, whatever failed before it, so one run shows everything to fix. */
export async function runDoctor(opts: { cwd: string; configPath?: string; env: Record<string, string | undefined> }): Promise<{ report: string; ok: boolean }> {
  const checks: Check[] = [];
  const add = (level: Level, name: string, detail: string) => checks.push({ level, name, detail });

  let git: GitCliWorkspace | undefined;
  try {
    git = await GitCliWorkspace.open(opts.cwd);
    add('ok', 'git', `repository at ${git.root}`);
    const origin = await run('git', ['-C', git.root, 'remote', 'get-url', 'origin']).catch(() => null);
    if (origin) add('ok', 'origin', redactUrl(origin.trim()));
    else add('fail', 'origin', 'no remote named origin: Rig pushes task branches there');
    const dirty = (await run('git', ['-C', git.root, 'status', '--porcelain'])).trim();
    if (dirty) add('warn', 'working tree', 'has uncommitted changes; Rig works from origin in its own worktrees, so they are neither used nor touched');
  } catch (err) {
    add('fail', 'git', (err as Error).message);
  }

  let config: RigConfig | null = null;
  const file = path.resolve(opts.cwd, opts.configPath ?? path.join(git?.root ?? opts.cwd, 'rig.yaml'));
  try {
    config = (await readConfigFile(file, opts.env)).config;
    add('ok', 'rig.yaml', `${file} is valid`);
  } catch (err) {
    add('fail', 'rig.yaml', (err as Error).message);
  }

  if (git) {
    try {
      await fs.mkdir(git.stateDir, { recursive: true });
      const probe = path.join(git.stateDir, `.doctor-${process.pid}`);
      await fs.writeFile(probe, 'ok');
      await fs.rm(probe);
      add('ok', 'state dir', `${git.stateDir} is writable`);
    } catch (err) {
      add('fail', 'state dir', `${git.stateDir} is not writable: ${(err as Error).message}`);
    }
  }

  const endpoints = resolveEndpoints(config ?? rigConfigSchema.parse({}), opts.env);
  const gh = endpoints.github;
  if (!gh.token) add('fail', 'GitHub token', 'none: set GITHUB_TOKEN (or source.token in rig.yaml)');
  else {
    let apiUrl = '';
    try {
      apiUrl = chooseApiBaseUrl({ configured: gh.apiUrl, host: 'github.com' });
      const res = await fetch(`${apiUrl}/user`, { headers: { authorization: `Bearer ${gh.token}`, accept: 'application/vnd.github+json', 'user-agent': 'rig-doctor' }, signal: AbortSignal.timeout(10_000) });
      if (res.ok) {
        const login = ((await res.json()) as { login?: string }).login;
        add('ok', 'GitHub', `${apiUrl} accepts the token from ${gh.tokenSource}${login ? ` (user ${login})` : ''}`);
      } else add('fail', 'GitHub', `${apiUrl} answered ${res.status} for the token from ${gh.tokenSource}`);
    } catch (err) {
      add('fail', 'GitHub', `${apiUrl || 'API'} unreachable: ${(err as Error).message}`);
    }
  }

  const ai = endpoints.ai;
  if (!config?.ai) add('warn', 'AI', 'rig.yaml has no ai: section');
  else if (ai.provider === 'claude-code') {
    const claude = await run('claude', ['--version']).then((v) => v.trim(), () => null);
    add(claude ? 'ok' : 'fail', 'AI', claude ? `Claude Code CLI ${claude}` : 'provider claude-code needs the `claude` executable on PATH');
  } else if (ai.provider === 'ollama') {
    const base = ai.baseUrl ?? 'http://127.0.0.1:11434';
    const origin = /^https?:\/\//.test(base) ? base : `http://${base}`;
    try {
      const res = await fetch(`${origin.replace(/\/+$/, '')}/api/tags`, { signal: AbortSignal.timeout(10_000) });
      add(res.ok ? 'ok' : 'fail', 'AI', `Ollama at ${origin} answered ${res.status}`);
    } catch (err) {
      add('fail', 'AI', `Ollama at ${origin} unreachable: ${(err as Error).message}`);
    }
  } else if (!ai.apiKey) add('fail', 'AI key', `none: set ${ai.provider === 'openai' ? 'OPENAI_API_KEY' : 'ANTHROPIC_API_KEY'} (or ai.api_key in rig.yaml)`);
  else if (ai.provider === 'openai') {
    const base = (ai.baseUrl ?? 'https://api.openai.com/v1').replace(/\/+$/, '');
    try {
      const res = await fetch(`${base}/models`, { headers: { authorization: `Bearer ${ai.apiKey}` }, signal: AbortSignal.timeout(10_000) });
      if (res.status === 401 || res.status === 403) add('fail', 'AI', `${base} rejected the key from ${ai.keySource} (${res.status})`);
      else add('ok', 'AI', `${base} reachable (HTTP ${res.status}), key from ${ai.keySource}, model ${ai.model ?? 'default'}`);
    } catch (err) {
      add('fail', 'AI', `${base} unreachable: ${(err as Error).message}`);
    }
  } else {
    const base = (ai.baseUrl ?? 'https://api.anthropic.com').replace(/\/+$/, '');
    try {
      const res = await fetch(`${base}/v1/models`, { headers: { 'x-api-key': ai.apiKey, 'anthropic-version': '2023-06-01' }, signal: AbortSignal.timeout(10_000) });
      if (res.status === 401 || res.status === 403) add('fail', 'AI', `${base} rejected the key from ${ai.keySource} (${res.status})`);
      else add('ok', 'AI', `${base} reachable (HTTP ${res.status}), key from ${ai.keySource}, model ${ai.model ?? 'default'}`);
    } catch (err) {
      add('fail', 'AI', `${base} unreachable: ${(err as Error).message}`);
    }
  }

  const deploy = config?.deploy;
  if (deploy?.method === 'custom' && deploy.config.commands.some((c) => c.transport.type === 'ssh')) {
    const ssh = await run('ssh', ['-V']).then(() => true, () => false);
    add(ssh ? 'ok' : 'fail', 'ssh', ssh ? 'OpenSSH client found' : 'an ssh transport is configured but the ssh client is not installed');
  }
  if (deploy?.method === 'docker-compose') {
    const docker = await run('docker', ['compose', 'version']).then((v) => v.trim(), () => null);
    add(docker ? 'ok' : 'fail', 'docker', docker ?? 'deploy.method docker-compose needs `docker compose`, which is not available');
  }

  const report = checks.map((c) => `${MARK[c.level]} ${c.name.padEnd(14)} ${c.detail}`).join('\n');
  return { report, ok: !checks.some((c) => c.level === 'fail') };
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 10_000 }, (err, stdout, stderr) => (err ? reject(err) : resolve(stdout || stderr)));
  });
}

function redactUrl(url: string): string {
  return url.replace(/\/\/[^/@\s]*@/, '//***@');
}
