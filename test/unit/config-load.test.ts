import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/core/config/load';
import { RUNTIME_VARS } from '../../src/core/config/runtime-vars';

const FIXTURES = path.join(__dirname, '../fixtures/seed-readme');
const readmeExamples = readdirSync(FIXTURES).filter((f) => f.endsWith('.yaml')).sort();

const ENV = {
  GITHUB_TOKEN: 'ghp_example',
  ANTHROPIC_API_KEY: 'sk-ant-example',
  OPENAI_API_KEY: 'sk-example',
  WEBHOOK_SECRET: 'webhook-secret',
};

const fixture = (name: string) => readFileSync(path.join(FIXTURES, name), 'utf8');

/** The ConfigError a text raises; fails the test when it loads. */
function problemsOf(text: string, env: Record<string, string | undefined> = {}, file?: string): ConfigError {
  try {
    loadConfig(text, { env, file });
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected the config to be rejected');
}

const command = (extra: string) => `deploy:
  method: custom
  config:
    commands:
      - name: build
        run: "make build"
${extra}`;

describe('README examples', () => {
  it('are all present as fixtures', () => {
    expect(readmeExamples).toHaveLength(13);
  });

  it.each(readmeExamples)('%s loads as written', (name) => {
    const { config } = loadConfig(fixture(name), { env: ENV, file: name });
    expect(config.workflow.steps.length).toBeGreaterThan(0);
  });

  it('reads the minimal example into the fields the engine uses', () => {
    const { config, warnings } = loadConfig(fixture('01-minimal.yaml'), { env: ENV });
    expect(warnings).toEqual([]);
    expect(config.source).toMatchObject({ repo: 'owner/repo', base_branch: 'main', token: 'ghp_example' });
    expect(config.ai).toMatchObject({ provider: 'anthropic', api_key: 'sk-ant-example', max_retry: 3 });
    expect(config.deploy?.method).toBe('custom');
    if (config.deploy?.method !== 'custom') throw new Error('unreachable');
    expect(config.deploy.config.commands[0]).toMatchObject({ name: 'build', run: 'make build', timeout: 120_000, transport: { type: 'local' } });
    expect(config.test[0]).toMatchObject({ name: 'unit-test', timeout: 120_000 });
    expect(config.server).toMatchObject({ port: 8080, host: '127.0.0.1', secret: 'webhook-secret', cors_origins: [], trust_proxy: false, rate_limit_per_minute: 120 });
  });

  it('reads ssh transports and rollback commands', () => {
    const { config } = loadConfig(fixture('06-deploy-ssh.yaml'), { env: {} });
    if (config.deploy?.method !== 'custom') throw new Error('expected a custom deploy');
    expect(config.deploy.config.commands[1]!.transport).toEqual({
      type: 'ssh',
      ssh: { host: '192.168.1.100', port: 22, user: 'deploy', key: '~/.ssh/deploy_key' },
    });
    expect(config.deploy.rollback?.config.commands[0]).toMatchObject({ name: 'rollback', timeout: 300_000 });
  });

  it('treats a deploy without a method, as in the known_hosts example, as custom', () => {
    const { config } = loadConfig(fixture('13-ssh-known-hosts.yaml'), { env: {} });
    expect(config.deploy?.method).toBe('custom');
  });

  it('keeps policy values as text, as the policy rules read them', () => {
    const { config } = loadConfig(fixture('12-policies.yaml'), { env: {} });
    expect(config.policies.map((p) => [p.rule, p.value, p.action])).toEqual([
      ['max_file_changes', '10', 'block'],
      ['require_tests', undefined, 'block'],
      ['blocked_paths', '*.env,secrets/,.env*', 'block'],
      ['max_retries', '5', 'warn'],
    ]);
  });
});

describe('defaults', () => {
  it('fills in what a short file leaves out', () => {
    const { config } = loadConfig(
      `ai:\n  provider: anthropic\ndeploy:\n  config:\n    commands:\n      - name: a\n        run: b\ntest:\n  - name: t\n    run: x\n`,
      { env: {} },
    );
    expect(config.ai?.max_retry).toBe(3);
    expect(config.deploy?.approval.timeout).toBe(24 * 3_600_000);
    expect(config.deploy?.infra_files).toEqual([]);
    expect(config.test[0]).toMatchObject({ type: 'command', timeout: 300_000, env: {} });
    expect(config.workflow).toEqual({
      trigger: [],
      steps: ['code', 'deploy', 'test', 'report'],
      approval: { before_deploy: false },
      branch: 'rig/issue-${ISSUE_NUMBER}',
      draft_pr: true,
    });
  });

  it('gives every load its own default objects', () => {
    const first = loadConfig('project:\n  name: a\n', { env: {} }).config;
    first.workflow.steps.push('code');
    first.workflow.approval.before_deploy = true;
    const second = loadConfig('project:\n  name: b\n', { env: {} }).config;
    expect(second.workflow.steps).toEqual(['code', 'deploy', 'test', 'report']);
    expect(second.workflow.approval.before_deploy).toBe(false);
  });
});

describe('environment variables', () => {
  it('are substituted in string values, also inside longer text', () => {
    const { config } = loadConfig(
      'source:\n  repo: o/r\n  token: ${GITHUB_TOKEN}\nai:\n  provider: openai\n  base_url: "https://${HOST}/v1"\n',
      { env: { GITHUB_TOKEN: 'ghp_1', HOST: 'llm.internal' } },
    );
    expect(config.source?.token).toBe('ghp_1');
    expect(config.ai?.base_url).toBe('https://llm.internal/v1');
  });

  it('report a missing variable by name, field and line', () => {
    const err = problemsOf('project:\n  name: app\nsource:\n  repo: o/r\n  token: ${GITHUB_TOKEN}\n');
    expect(err.problems).toEqual([
      { path: 'source.token', message: expect.stringContaining('GITHUB_TOKEN is not set'), line: 5, column: 10 },
    ]);
    expect(err.message).toBe('rig.yaml:5:10 source.token: environment variable GITHUB_TOKEN is not set (referenced as ${GITHUB_TOKEN})');
  });

  it('report every missing variable, at the line of the reference inside a block scalar', () => {
    const err = problemsOf('test:\n  - name: t\n    run: |\n      echo start\n      echo ${FIRST}\n      echo ${SECOND}\n');
    expect(err.problems.map((p) => [p.line, p.message.split(' ')[2]])).toEqual([
      [5, 'FIRST'],
      [6, 'SECOND'],
    ]);
  });

  it('leave runtime variables for run time, even when the environment has the same name', () => {
    const refs = RUNTIME_VARS.map((v) => `\${${v}}`).join(' ');
    const env = Object.fromEntries(RUNTIME_VARS.map((v) => [v, 'from-env']));
    const { config } = loadConfig(command(`        env:\n          ALL: "${refs}"\n`).replace('make build', `deploy ${refs}`), { env });
    if (config.deploy?.method !== 'custom') throw new Error('expected a custom deploy');
    expect(config.deploy.config.commands[0]!.run).toBe(`deploy ${refs}`);
    expect(config.deploy.config.commands[0]!.env.ALL).toBe(refs);
  });

  it('treat $${ as a literal ${ that needs no variable', () => {
    const { config } = loadConfig('test:\n  - name: t\n    run: "echo $${HOME} costs $$5 and $PATH"\n', { env: {} });
    expect(config.test[0]!.run).toBe('echo ${HOME} costs $$5 and $PATH');
  });

  it('do not expand references inside a substituted value', () => {
    const { config } = loadConfig('project:\n  name: ${NAME}\n', { env: { NAME: '${OTHER} $${X}' } });
    expect(config.project?.name).toBe('${OTHER} $${X}');
  });

  it('reject a reference that is not a variable name, saying how to keep it', () => {
    const err = problemsOf('test:\n  - name: t\n    run: "echo ${HOME:-/root}"\n');
    expect(err.problems[0]).toMatchObject({ path: 'test[0].run', line: 3 });
    expect(err.problems[0]!.message).toContain('$${HOME:-/root}');
  });

  it.each([
    ['a newline and a new top-level key', 'x"\nserver:\n  port: 1\n'],
    ['quotes and a comment', `"' # not a comment`],
    ['flow syntax', '{ provider: openai }, [1, 2]'],
    ['an alias and a tag', '*anchor !!int 5'],
    ['a document marker', '\n---\nai: {provider: ollama}'],
  ])('cannot change the document structure with %s', (_, hostile) => {
    const text = 'source:\n  repo: o/r\n  token: ${TOKEN}\nworkflow:\n  trigger:\n    - event: issues.opened\n      labels: ["${TOKEN}"]\n';
    const { config } = loadConfig(text, { env: { TOKEN: hostile } });
    expect(config.source?.token).toBe(hostile);
    expect(config.workflow.trigger[0]!.labels).toEqual([hostile]);
    expect(config.server).toBeUndefined();
    expect(config.ai).toBeUndefined();
    expect(Object.keys(config.source!)).toEqual(['platform', 'repo', 'base_branch', 'token']);
  });

  it('stand for a number or true/false when written alone where one is expected', () => {
    const { config } = loadConfig('server:\n  port: ${PORT}\nworkflow:\n  draft_pr: ${DRAFT}\nproject:\n  name: ${NUMERIC}\n', {
      env: { PORT: '9000', DRAFT: 'false', NUMERIC: '12345' },
    });
    expect(config.server?.port).toBe(9000);
    expect(config.workflow.draft_pr).toBe(false);
    expect(config.project?.name).toBe('12345');
  });

  it('never appear in an error message, which names the variable instead', () => {
    const err = problemsOf('server:\n  port: ${TOKEN}\n', { TOKEN: 'ghp_supersecretvalue' });
    expect(err.message).not.toContain('supersecret');
    expect(err.message).toBe('rig.yaml:2:9 server.port: expected a number, got the value of ${TOKEN}');
  });
});

describe('YAML reuse', () => {
  it('shares settings through anchors, merge keys and top-level x- entries', () => {
    const { config } = loadConfig(
      'x-command: &command\n  timeout: 45s\n  env:\n    STAGE: ${STAGE}\ndeploy:\n  config:\n    commands:\n' +
        '      - <<: *command\n        name: build\n        run: make build\n      - <<: *command\n        name: up\n        run: make up\n',
      { env: { STAGE: 'qa' } },
    );
    if (config.deploy?.method !== 'custom') throw new Error('expected a custom deploy');
    expect(config.deploy.config.commands.map((c) => [c.name, c.timeout, c.env.STAGE])).toEqual([
      ['build', 45_000, 'qa'],
      ['up', 45_000, 'qa'],
    ]);
    expect(Object.keys(config)).not.toContain('x-command');
  });
});

describe('invalid files', () => {
  it('report an unknown field under deploy, which used to be dropped silently', () => {
    const err = problemsOf(command('  infra_file: ["deploy/*.yml"]\n'));
    expect(err.problems).toEqual([{ path: 'deploy.infra_file', message: 'unknown field; did you mean "infra_files"?', line: 7, column: 3 }]);
  });

  it('report an unknown field in a command with its line and a suggestion', () => {
    const err = problemsOf(command('        timout: 120s\n'));
    expect(err.message).toBe('rig.yaml:7:9 deploy.config.commands[0].timout: unknown field; did you mean "timeout"?');
  });

  it('list the accepted fields when nothing is close', () => {
    const err = problemsOf('ai:\n  provider: anthropic\n  temperature: 0.2\n');
    expect(err.problems[0]!.message).toBe('unknown field; fields here: provider, model, api_key, base_url, max_retry, max_turns, max_tokens, edit_format, review, budget, prices');
  });

  it('report a wrong type with what was found', () => {
    const err = problemsOf('ai:\n  provider: anthropic\n  max_retry: three\n');
    expect(err.message).toBe('rig.yaml:3:14 ai.max_retry: expected a number, got "three"');
  });

  it('report a missing field at the line of its parent', () => {
    const err = problemsOf('project:\n  name: x\nai:\n  model: gpt-4o\n');
    expect(err.problems).toEqual([
      { path: 'ai.provider', message: 'required field is missing (one of anthropic, openai, ollama, claude-code)', line: 3, column: 1 },
    ]);
  });

  it('report every problem at once, in line order', () => {
    const err = problemsOf('ai:\n  provider: gpt\n  max_retry: 50\ntest:\n  - name: t\n');
    expect(err.problems.map((p) => `${p.line} ${p.path}`)).toEqual(['2 ai.provider', '3 ai.max_retry', '5 test[0].run']);
    expect(err.message.split('\n')[0]).toBe('rig.yaml has 3 problems:');
  });

  it('report a YAML syntax error with its line', () => {
    const err = problemsOf('project:\n  name: x\nworkflow:\n  steps: [code, test\n  draft_pr: true\n');
    expect(err.problems[0]!.message).toMatch(/^YAML syntax: /);
    expect(err.problems[0]!.line).toBeGreaterThanOrEqual(4);
  });

  it('report a duplicate key with its line', () => {
    const err = problemsOf('project:\n  name: a\n  name: b\n');
    expect(err.problems[0]).toMatchObject({ line: 3, message: expect.stringContaining('unique') });
  });

  it.each(['', '\n\n', '# only comments\n# here\n'])('say that an empty file is empty (%j)', (text) => {
    const err = problemsOf(text);
    expect(err.message).toBe('rig.yaml: the file is empty; "rig init" writes a commented template');
  });

  it('refuse aliases that would expand without bound', () => {
    const bomb = ['a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]'];
    for (const n of 'bcdefghij') bomb.push(`${n}: &${n} [${Array(10).fill(`*${String.fromCharCode(n.charCodeAt(0) - 1)}`).join(', ')}]`);
    expect(problemsOf(bomb.join('\n')).problems[0]!.message).toMatch(/alias/i);
  });

  it('reject a file that is a list rather than settings', () => {
    expect(problemsOf('- ai\n- deploy\n').problems[0]!.message).toContain('expected a mapping of settings');
  });

  it.each(['terraform', 'ansible', 'k8s'])('reject the unimplemented deploy method %s, naming the ones that exist', (method) => {
    const err = problemsOf(`deploy:\n  method: ${method}\n  config:\n    file: main.tf\n`);
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]).toMatchObject({ path: 'deploy.method', line: 2, column: 11 });
    expect(err.problems[0]!.message).toMatch(new RegExp(`^"${method}" is not a deploy method Rig implements; use custom or docker-compose`));
  });

  it.each([
    ['5x', '"5x"'],
    ['0', '0'],
    ['-30s', '"-30s"'],
    ['"10 minutes"', '"10 minutes"'],
  ])('reject the duration %s', (written, shown) => {
    const err = problemsOf(command(`        timeout: ${written}\n`));
    expect(err.message).toBe(
      `rig.yaml:7:18 deploy.config.commands[0].timeout: expected a positive duration such as "120s", "5m" or "24h", got ${shown}`,
    );
  });

  it('accept durations in each unit and bare seconds', () => {
    const load = (t: string) => loadConfig(`deploy:\n  method: docker-compose\n  config:\n    timeout: ${t}\n`, { env: {} }).config.deploy!.config;
    expect(['250ms', '90s', '1.5m', '2h', '1d', '45'].map((t) => (load(t) as { timeout: number }).timeout)).toEqual([
      250, 90_000, 90_000, 7_200_000, 86_400_000, 45_000,
    ]);
  });

  it('reject a branch template that uses anything but ${ISSUE_NUMBER}', () => {
    const err = problemsOf('workflow:\n  branch: "rig/${ISSUE_TITLE}"\n');
    expect(err.problems[0]).toMatchObject({ path: 'workflow.branch', line: 2 });
    expect(err.problems[0]!.message).toContain('${ISSUE_TITLE} cannot be used here');
    expect(problemsOf('workflow:\n  branch: "rig/issue ${ISSUE_NUMBER}"\n').problems[0]!.message).toContain('is not a valid git branch name');
  });

  it('reject a command workdir that leads out of the worktree', () => {
    const err = problemsOf(command('        workdir: ../other\n'));
    expect(err.problems[0]).toMatchObject({ path: 'deploy.config.commands[0].workdir', line: 7 });
  });

  it('require a model for ollama and a keyword for comment triggers', () => {
    expect(problemsOf('ai:\n  provider: ollama\n').problems[0]!.path).toBe('ai.model');
    expect(problemsOf('workflow:\n  trigger:\n    - event: issue_comment.created\n').problems[0]!.path).toBe('workflow.trigger[0].keyword');
  });

  it('reject a policy whose value does not fit its rule', () => {
    const err = problemsOf('policies:\n  - name: limit\n    rule: max_file_changes\n    value: ten\n');
    expect(err.message).toBe('rig.yaml:4:12 policies[0].value: rule max_file_changes needs a whole number, got "ten"');
  });

  it('use the file name it is given', () => {
    expect(problemsOf('ai: 3\n', {}, 'ops/rig.yaml').message).toBe('ops/rig.yaml:1:5 ai: expected a mapping of fields, got 3');
  });
});

describe('warnings', () => {
  it('flag a secret written straight into the file', () => {
    const { warnings } = loadConfig('ai:\n  provider: anthropic\n  api_key: sk-ant-literal\n', { env: {} });
    expect(warnings).toEqual([expect.stringMatching(/^rig\.yaml:3:12 ai\.api_key: a secret written into rig\.yaml/)]);
  });

  it('flag a runtime variable where nothing fills it in', () => {
    const { warnings } = loadConfig('project:\n  name: "app-${ISSUE_NUMBER}"\n', { env: {} });
    expect(warnings).toEqual([expect.stringContaining('project.name: ${ISSUE_NUMBER} stays as written here')]);
  });

  it('flag policies that would fire on every task', () => {
    const { warnings } = loadConfig(
      'ai:\n  provider: anthropic\n  max_retry: 8\npolicies:\n  - name: tests\n    rule: require_tests\n  - name: retries\n    rule: max_retries\n    value: 5\n    action: warn\n',
      { env: {} },
    );
    expect(warnings).toEqual([
      expect.stringContaining('rig.yaml:5:5 policies[0]: policy tests will block every task: no test entries'),
      expect.stringContaining('rig.yaml:7:5 policies[1]: policy retries will warn about every task: ai.max_retry is 8'),
    ]);
  });
});
