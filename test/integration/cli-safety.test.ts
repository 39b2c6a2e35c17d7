// What must never happen, checked through the real CLI: attacker-controlled issue titles turning
// into shell code, a dry run writing something, a cut-off AI reply being applied, the AI writing
// outside its worktree, blocked paths reaching origin, unbounded self-healing, a second PR after a
// lost answer; and the small commands a user relies on (validate, init, version, logs, status).
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sanitizeIssue } from '../../src/core/sanitize';
import { fakeText, fakeToolUse } from '../../src/fakes/anthropic-fake-server';
import { ANTHROPIC_KEY, GITHUB_TOKEN, startScenario, type Scenario } from '../helpers/cli-harness';
import { createSampleRepo } from '../helpers/git-repo';
import {
  EDITOR,
  create,
  findByName,
  originBranches,
  rigIn,
  scriptedAi,
  toolResults,
  type AiScriptSpec,
  type CodingTurn,
} from '../helpers/cli-approval-safety';

const FILES: Record<string, string> = { 'README.md': '# shop\n', 'src/app.txt': 'app\n' };

const HEAD = `source:
  platform: github
  repo: acme/shop
  base_branch: main
ai:
  provider: anthropic
  model: claude-sonnet-5
  max_retry: 1
`;

const SIMPLE_YAML = `${HEAD}deploy:
  method: custom
  config:
    commands:
      - name: deploy
        run: echo deployed >> "$GATE_DIR/deploys.log"
        timeout: 30s
test:
  - name: unit
    run: test -f src/feature.txt
    timeout: 30s
`;

const issue = (title = 'Add the feature file') => ({ number: 1, title, body: 'We need src/feature.txt.', labels: ['rig'], author: 'reporter' });
const FEATURE: CodingTurn[][] = [[[create('src/feature.txt', 'feature\n')]]];

let scenario: Scenario | undefined;
afterEach(async () => {
  await scenario?.close();
  scenario = undefined;
});

async function start(rigYaml: string, spec: AiScriptSpec, opts: { title?: string; files?: Record<string, string> } = {}) {
  const ai = scriptedAi(spec);
  const s = (scenario = await startScenario({ files: opts.files ?? FILES, rigYaml, issues: [issue(opts.title)], script: ai.script }));
  return { s, ai };
}

const lines = (file: string): string[] => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : []);

// ---------------------------------------------------------------- hostile issue titles

describe.concurrent('hostile issue titles in deploy and test commands', () => {
  const canaryDir = mkdtempSync(path.join(os.tmpdir(), 'rig-canary-'));
  const canary = path.join(canaryDir, 'CANARY');
  // From test/fixtures/test-vectors.json, hostile_inputs_from_github_docs
  // (https://docs.github.com/en/actions/concepts/security/script-injections).
  const fromGithubDocs = ['a"; ls $GITHUB_WORKSPACE"', 'zzz";echo${IFS}"hello";#'];
  const titles = [
    ...fromGithubDocs,
    `$(touch ${canary})`,
    `\`touch ${canary}\``,
    `"; touch ${canary}; "`,
    `'; touch ${canary}; '`,
    `first line\ntouch ${canary}`,
    `ends in a backslash \\`,
  ];
  const positions = {
    dq: `printf '%s' "\${ISSUE_TITLE}" > "$GATE_DIR/$KIND-dq.txt"`,
    uq: `printf '%s' \${ISSUE_TITLE} > "$GATE_DIR/$KIND-uq.txt"`,
    sq: `printf '%s' '\${ISSUE_TITLE}' > "$GATE_DIR/$KIND-sq.txt"`,
  };
  const commands = (kind: 'deploy' | 'test', indent: string) =>
    Object.entries(positions)
      .map(([name, run]) => `${indent}- name: ${kind}-${name}\n${indent}  run: |-\n${indent}    KIND=${kind}\n${indent}    ${run}\n${indent}  timeout: 30s`)
      .join('\n');
  const yaml = `${HEAD}deploy:
  method: custom
  config:
    commands:
${commands('deploy', '      ')}
test:
${commands('test', '  ')}
`;

  it.each(titles)('title %j never runs and reaches every command verbatim', async (title) => {
    const ai = scriptedAi({ coding: FEATURE });
    const storedTitle = sanitizeIssue({ owner: 'acme', repo: 'shop', number: 1, title, body: '', labels: [], author: 'a', url: '', comments: [] }).title;
    const s = await startScenario({ files: FILES, rigYaml: yaml, issues: [issue(title)], script: ai.script });
    try {
      const r = await s.rig(['exec', s.issueUrl()]);
      expect(existsSync(canary), `canary created by ${JSON.stringify(title)}`).toBe(false);
      expect(findByName(s.repo.dir, 'CANARY')).toEqual([]);
      expect(r.code, r.stderr + r.stdout).toBe(0);
      for (const kind of ['deploy', 'test']) {
        for (const pos of Object.keys(positions)) {
          // The title as stored: sanitised once (control characters such as newlines go), then passed untouched.
          expect(readFileSync(path.join(s.repo.dir, `${kind}-${pos}.txt`), 'utf8'), `${kind} ${pos}`).toBe(storedTitle);
        }
      }
      expect(s.github.pullRequests('acme/shop')).toHaveLength(1);
      expect(originBranches(s.repo.originGit)).toEqual(['main', 'rig/issue-1']);
    } finally {
      await s.close();
    }
  });
});

// ---------------------------------------------------------------- dry run

describe('rig exec --dry-run', () => {
  it('writes nothing anywhere and says what a real run would do', async () => {
    const { s } = await start(SIMPLE_YAML, { coding: FEATURE, plan: { summary: 'Create src/feature.txt.', steps: ['Write the file'], files: ['src/feature.txt'] } });
    const head = s.repo.git('rev-parse', 'HEAD');
    const r = await s.rig(['exec', s.issueUrl(), '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/DRY RUN/);
    expect(r.stdout).toContain('Plan: Create src/feature.txt.');
    expect(r.stdout).toMatch(/Likely files: src\/feature\.txt/);
    expect(r.stdout).toMatch(/A real run would:[\s\S]*push rig\/issue-1[\s\S]*pull request/);

    const j = await s.rig(['exec', s.issueUrl(), '--dry-run', '--json']);
    expect(j.code, j.stderr).toBe(0);
    const report = JSON.parse(j.stdout);
    expect(report).toMatchObject({ branch: 'rig/issue-1', baseBranch: 'main', plan: { summary: 'Create src/feature.txt.' } });
    expect(report.blockedSideEffects.length).toBeGreaterThan(0);

    expect(existsSync(path.join(s.repo.work, '.git', 'rig'))).toBe(false);
    expect(originBranches(s.repo.originGit)).toEqual(['main']);
    expect(s.repo.git('branch', '--format=%(refname:short)').trim()).toBe('main');
    expect(s.repo.git('worktree', 'list').trim().split('\n')).toHaveLength(1);
    expect(s.repo.git('status', '--porcelain')).toBe('');
    expect(s.repo.git('rev-parse', 'HEAD')).toBe(head);
    expect(existsSync(path.join(s.repo.dir, 'deploys.log'))).toBe(false);
    expect(s.github.requests.length).toBeGreaterThan(0);
    expect(s.github.requests.filter((q) => q.method !== 'GET').map((q) => `${q.method} ${q.path}`)).toEqual([]);
    expect(s.github.comments('acme/shop', 1)).toEqual([]);
    expect(s.github.pullRequests('acme/shop')).toEqual([]);
  });
});

// ---------------------------------------------------------------- the AI misbehaving

describe('AI replies that must not be applied', () => {
  it('a coding reply cut off at max_tokens fails the task; nothing is committed or pushed', async () => {
    const truncated: CodingTurn = () => ({
      kind: 'message',
      stop_reason: 'max_tokens',
      content: [fakeText('Now the second file'), fakeToolUse(EDITOR, create('src/second.txt', 'half'))],
    });
    const { s } = await start(SIMPLE_YAML, { coding: [[[create('src/feature.txt', 'feature\n')], truncated]] });
    const r = await s.rig(['exec', s.issueUrl()]);
    expect(r.code, r.stdout).toBe(1);
    const [task] = await s.statusJson();
    expect(task!.status).toBe('failed');
    expect(task!.status_reason).toMatch(/max_tokens|truncat|cut off/i);
    expect(originBranches(s.repo.originGit)).toEqual(['main']);
    const local = s.repo.git('branch', '--list', 'rig/issue-1').trim();
    if (local) expect(s.repo.git('rev-parse', 'rig/issue-1')).toBe(s.repo.git('rev-parse', 'main'));
    expect(s.github.pullRequests('acme/shop')).toHaveLength(0);
    expect(existsSync(path.join(s.repo.dir, 'deploys.log'))).toBe(false);
    const log = (await s.rig(['logs', task!.id, '--json'])).stdout;
    expect(log).toContain('editor create src/feature.txt');
    expect(log).not.toContain('src/second.txt');
    expect(findByName(s.repo.dir, 'second.txt')).toEqual([]);
  });

  it('writes outside the worktree are refused to the model; the run completes with a legitimate edit', async () => {
    const spec: AiScriptSpec = { coding: [] };
    const { s, ai } = await start(SIMPLE_YAML, spec);
    // A symlink in the repository leading to a directory outside it.
    const outside = path.join(s.repo.dir, 'outside');
    mkdirSync(outside);
    writeFileSync(path.join(outside, 'victim.txt'), 'original\n');
    symlinkSync(outside, path.join(s.repo.work, 'link-out'));
    s.repo.git('add', 'link-out');
    s.repo.git('commit', '--quiet', '-m', 'add a link');
    s.repo.git('push', '--quiet', 'origin', 'main');
    const gitConfig = readFileSync(path.join(s.repo.work, '.git', 'config'), 'utf8');
    const hostile = [
      create('../outside.txt', 'escaped\n'),
      create('.git/config', '[core]\n\tfsmonitor = touch /tmp/pwned\n'),
      create('link-out/victim.txt', 'pwned\n'),
      { command: 'str_replace' as const, path: 'link-out/victim.txt', old_str: 'original', new_str: 'pwned' },
      create(path.join(s.repo.dir, 'abs.txt'), 'escaped\n'),
    ];
    spec.coding.push([hostile, [create('src/feature.txt', 'feature\n')]]);

    const r = await s.rig(['exec', s.issueUrl()]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const results = toolResults(ai.conversations[0]![1]!);
    expect(results).toHaveLength(hostile.length);
    for (const res of results) expect(res.is_error, JSON.stringify(res.content)).toBe(true);
    expect(readFileSync(path.join(outside, 'victim.txt'), 'utf8')).toBe('original\n');
    expect(readFileSync(path.join(s.repo.work, '.git', 'config'), 'utf8')).toBe(gitConfig);
    expect(findByName(s.repo.dir, 'outside.txt')).toEqual([]);
    expect(findByName(s.repo.dir, 'abs.txt')).toEqual([]);
    expect(s.repo.originGit('diff', '--name-only', 'main', 'rig/issue-1').trim()).toBe('src/feature.txt');
    expect((await s.statusJson())[0]).toMatchObject({ status: 'completed' });
    expect(s.github.pullRequests('acme/shop')).toHaveLength(1);
  });
});

// ---------------------------------------------------------------- policies

describe('policy blocked_paths', () => {
  const yaml = (action: 'block' | 'warn') => `${SIMPLE_YAML}policies:
  - name: protect-secrets
    rule: blocked_paths
    value: ".env"
    action: ${action}
`;
  const edits: CodingTurn[][] = [[[create('src/feature.txt', 'feature\n'), create('.env', 'SECRET=hunter2\n')]]];

  it('block: an AI edit to .env fails the task naming the file; nothing is pushed', async () => {
    const { s } = await start(yaml('block'), { coding: edits });
    const r = await s.rig(['exec', s.issueUrl()]);
    expect(r.code, r.stdout).toBe(1);
    const [task] = await s.statusJson();
    expect(task!.status).toBe('failed');
    expect(task!.status_reason).toMatch(/protect-secrets/);
    expect(task!.status_reason).toMatch(/\.env/);
    expect(r.stdout).toMatch(/\.env/);
    expect(originBranches(s.repo.originGit)).toEqual(['main']);
    expect(s.github.pullRequests('acme/shop')).toHaveLength(0);
    expect(existsSync(path.join(s.repo.dir, 'deploys.log'))).toBe(false);
  });

  it('warn: the run completes and the violation is only logged (rig logs --json prints JSON lines)', async () => {
    const { s } = await start(yaml('warn'), { coding: edits });
    const r = await s.rig(['exec', s.issueUrl()]);
    expect(r.code, r.stderr).toBe(0);
    const [task] = await s.statusJson();
    expect(task!.status).toBe('completed');
    expect(s.repo.originGit('show', 'rig/issue-1:.env')).toBe('SECRET=hunter2\n');
    const logs = await s.rig(['logs', task!.id, '--json']);
    expect(logs.code, logs.stderr).toBe(0);
    const entries = logs.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(entries.length).toBeGreaterThan(5);
    for (const e of entries) expect(e).toMatchObject({ seq: expect.any(Number), time: expect.any(String), level: expect.any(String), message: expect.any(String) });
    expect(entries.map((e) => e.seq)).toEqual([...entries.map((e) => e.seq)].sort((a, b) => a - b));
    const warn = entries.find((e) => e.level === 'warn' && /protect-secrets/.test(e.message));
    expect(warn?.message).toMatch(/\.env/);
  });
});

// ---------------------------------------------------------------- self-healing runs out

describe('self-healing exhausted', () => {
  it('ai.max_retry 2: exactly 3 attempts, rollback runs, task failed, no PR, exit 1', async () => {
    const yaml = `${HEAD.replace('max_retry: 1', 'max_retry: 2')}deploy:
  method: custom
  config:
    commands:
      - name: deploy
        run: echo deployed >> "$GATE_DIR/deploys.log"
        timeout: 30s
  rollback:
    config:
      commands:
        - name: undo
          run: echo rolled back >> "$GATE_DIR/rollback.log"
          timeout: 30s
test:
  - name: unit
    run: ls src; test -f src/never.txt
    timeout: 30s
`;
    // Each fix changes the failure output (ls shows one more file), so this is about ai.max_retry
    // and not about the engine's detection of a fix that fails exactly like the one before.
    const coding = [1, 2, 3, 4].map((n) => [[create(`src/attempt-${n}.txt`, `${n}\n`)]]);
    const { s, ai } = await start(yaml, { coding });
    const r = await s.rig(['exec', s.issueUrl()]);
    expect(r.code, r.stdout).toBe(1);
    const [task] = await s.statusJson();
    expect(task).toMatchObject({ status: 'failed', attempts: 3, attempt_outcomes: ['test_failed', 'test_failed', 'test_failed'] });
    expect(ai.conversations).toHaveLength(3);
    expect(lines(path.join(s.repo.dir, 'deploys.log'))).toHaveLength(3);
    expect(lines(path.join(s.repo.dir, 'rollback.log'))).toEqual(['rolled back']);
    expect(s.github.pullRequests('acme/shop')).toHaveLength(0);
    // Every attempt's commit is kept on the branch.
    expect(s.repo.originGit('log', '--format=%s', 'main..rig/issue-1').trim().split('\n')).toHaveLength(3);
  });
});

// ---------------------------------------------------------------- a lost answer

describe('pull request creation whose answer is lost', () => {
  it('ends with exactly one pull request', async () => {
    const { s } = await start(SIMPLE_YAML, { coding: FEATURE });
    s.github.inject({ method: 'POST', path: '/repos/acme/shop/pulls', fault: { type: 'lose_answer' } });
    let r = await s.rig(['exec', s.issueUrl()]);
    // The fault was met: the pull request was created and its answer dropped.
    expect(s.github.requestsTo('POST', '/repos/acme/shop/pulls').length).toBeGreaterThanOrEqual(1);
    if (r.code !== 0) r = await s.rig(['exec', s.issueUrl()]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const pulls = s.github.pullRequests('acme/shop');
    expect(pulls).toHaveLength(1);
    const tasks = await s.statusJson();
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ status: 'completed', pr: { number: pulls[0]!.number } });
  });
});

// ---------------------------------------------------------------- everyday commands

describe('everyday commands', () => {
  const baseEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root' };
  const withKeys = { ...baseEnv, GITHUB_TOKEN, ANTHROPIC_API_KEY: ANTHROPIC_KEY };

  it('validate -c bad.yaml exits 2 with file:line and the field path', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rig-validate-'));
    const bad = ['source:', '  repo: acme/shop', 'deploy:', '  method: custom', '  config:', '    commands:', '      - name: deploy', '        run: echo hi', '        timeout: soon', ''].join('\n');
    writeFileSync(path.join(dir, 'bad.yaml'), bad);
    const r = await rigIn(dir, ['validate', '-c', 'bad.yaml'], withKeys);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.yaml:9\b/);
    expect(r.stderr).toContain('deploy.config.commands[0].timeout');
  });

  it('init writes a template that validates with the env vars it names; it refuses to overwrite without --force', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rig-init-'));
    const init = await rigIn(dir, ['init'], baseEnv);
    expect(init.code, init.stderr).toBe(0);
    const file = path.join(dir, 'rig.yaml');
    const template = readFileSync(file, 'utf8');

    const ok = await rigIn(dir, ['validate'], withKeys);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/rig\.yaml is valid/);
    const missing = await rigIn(dir, ['validate'], { ...baseEnv, GITHUB_TOKEN });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/ANTHROPIC_API_KEY/);
    expect(missing.stderr).toMatch(/rig\.yaml:\d+/);

    writeFileSync(file, `${template}# my own edit\n`);
    const again = await rigIn(dir, ['init'], baseEnv);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists.*--force/);
    expect(readFileSync(file, 'utf8')).toBe(`${template}# my own edit\n`);
    const forced = await rigIn(dir, ['init', '--force'], baseEnv);
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(template);
  });

  it('version prints the package version', async () => {
    const r = await rigIn(os.tmpdir(), ['version'], baseEnv);
    expect(r.code).toBe(0);
    const { version } = JSON.parse(readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8'));
    expect(r.stdout.trim()).toBe(`rig ${version}`);
  });

  it('status --json in a repository with no tasks prints []', async () => {
    const repo = createSampleRepo({ 'README.md': '# empty\n' });
    const r = await rigIn(repo.work, ['status', '--json'], withKeys);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([]);
  });
});
