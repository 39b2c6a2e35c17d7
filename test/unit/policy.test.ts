import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config/load';
import type { PolicyConfig } from '../../src/core/config/schema';
import { blockedPathMatcher, evaluatePolicies, type PolicyFacts } from '../../src/core/policy';

const policy = (rule: PolicyConfig['rule'], value?: string, action: PolicyConfig['action'] = 'block'): PolicyConfig => ({
  name: `${rule}-policy`,
  rule,
  value,
  action,
});

const facts = (over: Partial<PolicyFacts> = {}): PolicyFacts => ({
  changedFiles: ['src/app.ts'],
  testsConfigured: 1,
  attemptsSoFar: 1,
  maxRetry: 3,
  ...over,
});

const files = (n: number) => Array.from({ length: n }, (_, i) => `src/file${i + 1}.ts`);

describe('max_file_changes', () => {
  it('allows exactly the limit', () => {
    expect(evaluatePolicies([policy('max_file_changes', '10')], facts({ changedFiles: files(10) })).violations).toEqual([]);
  });

  it('names the files of a change over the limit', () => {
    const { violations } = evaluatePolicies([policy('max_file_changes', '3')], facts({ changedFiles: files(4) }));
    expect(violations).toEqual([
      {
        name: 'max_file_changes-policy',
        rule: 'max_file_changes',
        action: 'block',
        message: '4 files changed, more than the limit of 3: src/file1.ts, src/file2.ts, src/file3.ts, src/file4.ts',
      },
    ]);
  });

  it('cuts a long list of files short', () => {
    const { violations } = evaluatePolicies([policy('max_file_changes', '2')], facts({ changedFiles: files(25) }));
    expect(violations[0]!.message).toMatch(/src\/file10\.ts and 15 more$/);
    expect(violations[0]!.message).not.toContain('src/file11.ts');
  });
});

describe('require_tests', () => {
  it('passes when a test is configured', () => {
    expect(evaluatePolicies([policy('require_tests')], facts({ testsConfigured: 2 })).violations).toEqual([]);
  });

  it('fails without tests and says which change would go untested', () => {
    const { violations } = evaluatePolicies([policy('require_tests', undefined, 'warn')], facts({ testsConfigured: 0 }));
    expect(violations).toEqual([
      expect.objectContaining({ action: 'warn', message: 'no tests are configured under test: to check the change to src/app.ts' }),
    ]);
  });
});

describe('blocked_paths', () => {
  const readme = blockedPathMatcher('*.env,secrets/,.env*');

  it.each(['prod.env', 'config/prod.env', 'secrets/db.yml', 'secrets/nested/key.pem', '.env', '.env.local', 'web/.env.production', './secrets/a', 'PROD.ENV', 'a/../secrets/x'])(
    'blocks %s with the README patterns',
    (file) => expect(readme(file)).toBe(true),
  );

  it.each(['src/env.ts', 'environment.ts', 'docs/secrets.md', 'secrets', 'src/secrets/helper.ts', 'my.envrc'])(
    'lets %s through',
    (file) => expect(readme(file)).toBe(false),
  );

  it('matches globs with a directory against the whole path', () => {
    const match = blockedPathMatcher(' deploy/*.yml , k8s/** ');
    expect(['deploy/app.yml', 'k8s/base/svc.yaml'].map(match)).toEqual([true, true]);
    expect(['deploy/sub/app.yml', 'other/deploy/app.yml', 'app.yml'].map(match)).toEqual([false, false, false]);
  });

  it('names only the files that broke the rule', () => {
    const { violations } = evaluatePolicies(
      [policy('blocked_paths', '*.env,secrets/')],
      facts({ changedFiles: ['src/a.ts', 'secrets/key.yml', 'README.md', 'prod.env'] }),
    );
    expect(violations.map((v) => v.message)).toEqual(['changes blocked paths (*.env,secrets/): secrets/key.yml, prod.env']);
  });
});

describe('max_retries', () => {
  it('passes when ai.max_retry is within the value', () => {
    expect(evaluatePolicies([policy('max_retries', '5')], facts({ maxRetry: 5 })).violations).toEqual([]);
  });

  it('fires when ai.max_retry is above the value', () => {
    const { violations } = evaluatePolicies([policy('max_retries', '5', 'warn')], facts({ maxRetry: 6, attemptsSoFar: 2 }));
    expect(violations).toEqual([
      expect.objectContaining({ rule: 'max_retries', action: 'warn', message: 'ai.max_retry is 6, above the limit of 5 (2 attempts so far)' }),
    ]);
  });
});

describe('the README policies as loaded from rig.yaml', () => {
  const { config } = loadConfig(readFileSync(path.join(__dirname, '../fixtures/seed-readme/12-policies.yaml'), 'utf8'), { env: {} });

  it('report every broken rule in the order written, with its action', () => {
    const { violations } = evaluatePolicies(config.policies, {
      changedFiles: [...files(10), '.env.local'],
      testsConfigured: 0,
      attemptsSoFar: 3,
      maxRetry: 6,
    });
    expect(violations.map((v) => [v.name, v.action])).toEqual([
      ['file-change-limit', 'block'],
      ['require-tests', 'block'],
      ['protect-secrets', 'block'],
      ['retry-warning', 'warn'],
    ]);
    expect(violations[2]!.message).toBe('changes blocked paths (*.env,secrets/,.env*): .env.local');
  });

  it('report nothing for a small, tested change away from secrets', () => {
    expect(evaluatePolicies(config.policies, facts({ changedFiles: ['src/a.ts', 'test/a.test.ts'] })).violations).toEqual([]);
  });
});
