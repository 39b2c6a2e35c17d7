// `npm run demo`: one whole task, end to end, on a generated repository, with no accounts or keys.
// GitHub and the AI are local fakes on 127.0.0.1; git, the CLI, the deploy and the tests are real.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startAnthropicFake } from '../src/fakes/anthropic-fake-server';
import { DEMO_FILES, DEMO_ISSUE, DEMO_RIG_YAML, demoScript } from '../src/fakes/demo-script';
import { startGitHubFake } from '../src/fakes/github-fake-server';

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'cli.cjs');

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8' });
}

function say(text = ''): void {
  process.stdout.write(`${text}\n`);
}

async function main(): Promise<number> {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const dir = path.join(ROOT, '.rig-demo', stamp);
  const origin = path.join(dir, 'origin.git');
  const work = path.join(dir, 'shop');
  const deployDir = path.join(dir, 'server');
  mkdirSync(work, { recursive: true });

  say('Rig demo: a GitHub issue becomes a tested pull request.');
  say('  GitHub   — a local GitHub-compatible server on 127.0.0.1 (no account needed)');
  say('  AI       — a RECORDED SCRIPT replayed by a local Anthropic-compatible server; no model is called');
  say('  git, deploy and tests are real: a bare repository as origin, bash and node --test');
  say();

  git(dir, 'init', '--quiet', '--bare', '--initial-branch=main', origin);
  git(work, 'init', '--quiet', '--initial-branch=main');
  git(work, 'config', 'user.name', 'Demo User');
  git(work, 'config', 'user.email', 'demo@example.com');
  for (const [rel, content] of Object.entries({ ...DEMO_FILES, 'rig.yaml': DEMO_RIG_YAML })) {
    mkdirSync(path.dirname(path.join(work, rel)), { recursive: true });
    writeFileSync(path.join(work, rel), content);
  }
  chmodSync(path.join(work, 'scripts/deploy.sh'), 0o755);
  git(work, 'add', '--all');
  git(work, 'commit', '--quiet', '-m', 'demo shop');
  git(work, 'remote', 'add', 'origin', origin);
  git(work, 'push', '--quiet', '-u', 'origin', 'main');
  const headBefore = git(work, 'rev-parse', 'HEAD').trim();

  const github = await startGitHubFake({
    token: 'demo-github-token',
    viewer: 'rig-bot',
    repos: [{ owner: 'demo', name: 'shop', gitDir: origin, roles: { 'rig-bot': 'write' }, issues: [DEMO_ISSUE] }],
  });
  const anthropic = await startAnthropicFake(demoScript, { apiKey: 'demo-anthropic-key' });
  const issueUrl = 'https://github.com/demo/shop/issues/1';

  say(`Sample repository: ${work}`);
  say(`Issue #1 "${DEMO_ISSUE.title}" served at ${github.url}/repos/demo/shop/issues/1`);
  say(`Running: rig exec ${issueUrl}`);
  say('─'.repeat(72));

  const code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, [CLI, 'exec', issueUrl], {
      cwd: work,
      stdio: 'inherit',
      env: {
        ...process.env,
        GITHUB_TOKEN: 'demo-github-token',
        GITHUB_API_URL: github.url,
        ANTHROPIC_API_KEY: 'demo-anthropic-key',
        ANTHROPIC_BASE_URL: anthropic.url,
        DEMO_DEPLOY_DIR: deployDir,
      },
    });
    child.on('exit', (c) => resolve(c ?? 1));
  });

  say('─'.repeat(72));
  const pulls = github.pullRequests('demo/shop');
  const comments = github.comments('demo/shop', 1);
  const branchLog = git(origin, 'log', '--format=  %h %s', 'main..rig/issue-1').trimEnd();
  say(`rig exec exited with ${code}${code === 0 ? ' (task completed)' : ''}`);
  for (const pr of pulls) say(`Pull request #${pr.number} ${pr.draft ? '(draft) ' : ''}"${pr.title}" ${pr.head} → ${pr.base}`);
  say(`Commits on origin/rig/issue-1 (every attempt kept):\n${branchLog}`);
  say(`Issue comments posted: ${comments.length}`);
  say(`Your working tree: ${git(work, 'status', '--porcelain').trim() === '' ? 'untouched (git status is clean)' : 'CHANGED'}; HEAD ${git(work, 'rev-parse', 'HEAD').trim() === headBefore ? 'unchanged' : 'MOVED'}`);
  say(`AI calls answered by the recorded script: ${anthropic.requests.length}`);
  say();
  say('Where to look:');
  say(`  cd ${path.relative(process.cwd(), work) || '.'}`);
  say(`  node ${path.relative(work, path.join(ROOT, 'bin', 'rig.cjs'))} status            # the task and its attempts`);
  say(`  node ${path.relative(work, path.join(ROOT, 'bin', 'rig.cjs'))} logs <task-id>     # pipeline and full log`);
  say(`  git -C ${origin} log --stat rig/issue-1`);
  say(`  ${path.join(deployDir, 'DEPLOYED')}       # what the deploy step wrote`);
  if (pulls[0]) say(`\nPull request body:\n${(pulls[0].body ?? '').split('\n').map((l) => `  | ${l}`).join('\n')}`);

  await github.close();
  await anthropic.close();
  return code;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`demo failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
