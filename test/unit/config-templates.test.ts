import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/core/config/load';
import { initTemplate, TEMPLATE_NAMES } from '../../src/core/config/templates';

const ENV = { GITHUB_TOKEN: 'ghp_example', ANTHROPIC_API_KEY: 'sk-ant-example' };

describe.each(TEMPLATE_NAMES)('the %s template', (name) => {
  const text = initTemplate(name);

  it('loads as written, without warnings', () => {
    const { config, warnings } = loadConfig(text, { env: ENV });
    expect(warnings).toEqual([]);
    expect(config.source?.token).toBe('ghp_example');
    expect(config.ai?.api_key).toBe('sk-ant-example');
    expect(config.test.length).toBeGreaterThan(0);
    expect(config.workflow.branch).toBe('rig/issue-${ISSUE_NUMBER}');
  });

  it('names exactly the environment variables it needs, with their lines', () => {
    let error: unknown;
    try {
      loadConfig(text, { env: {} });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems.map((p) => [p.path, p.message.split(' ')[2]])).toEqual([
      ['source.token', 'GITHUB_TOKEN'],
      ['ai.api_key', 'ANTHROPIC_API_KEY'],
    ]);
    const lines = text.split('\n');
    expect(lines[problems[0]!.line! - 1]).toContain('token: ${GITHUB_TOKEN}');
    expect(lines[problems[1]!.line! - 1]).toContain('api_key: ${ANTHROPIC_API_KEY}');
  });

  it('explains itself in comments, in plain ASCII English', () => {
    expect(text).toMatch(/^# rig\.yaml/);
    expect(text.split('\n').filter((l) => l.trim().startsWith('#')).length).toBeGreaterThan(20);
    expect(text).toMatch(/^[\x20-\x7e\n]*$/);
  });
});

describe('init templates', () => {
  it('deploy with custom commands by default and with docker compose for --template docker', () => {
    const deployOf = (name: (typeof TEMPLATE_NAMES)[number]) => loadConfig(initTemplate(name), { env: ENV }).config.deploy;
    expect(deployOf('default')?.method).toBe('custom');
    const docker = deployOf('docker');
    expect(docker?.method).toBe('docker-compose');
    if (docker?.method !== 'docker-compose') throw new Error('unreachable');
    expect(docker.config).toMatchObject({ file: 'docker-compose.yml', build: true, timeout: 600_000 });
  });
});
