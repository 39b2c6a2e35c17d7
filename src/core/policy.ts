import path from 'node:path';
import picomatch from 'picomatch';
import type { PolicyConfig } from './config/schema';

// Policies are checked against the real diff of the task's worktree, after the AI has written code
// and before anything is committed. They are pure: the same facts always give the same verdict.

export interface PolicyFacts {
  /** Repository-relative paths the change touches (added, modified, deleted, both sides of a rename). */
  changedFiles: string[];
  /** How many `test:` entries rig.yaml configures. */
  testsConfigured: number;
  /** Attempts made on the task so far, the current one included. */
  attemptsSoFar: number;
  /** The configured `ai.max_retry`. */
  maxRetry: number;
}

export interface PolicyViolation {
  name: string;
  rule: PolicyConfig['rule'];
  action: 'block' | 'warn';
  message: string;
}

/** Long lists are cut: a message is read in a log line or an issue comment. */
const LISTED_FILES = 10;

function listFiles(files: readonly string[]): string {
  const shown = files.slice(0, LISTED_FILES).join(', ');
  return files.length > LISTED_FILES ? `${shown} and ${files.length - LISTED_FILES} more` : shown;
}

function normalise(file: string): string {
  const posix = path.posix.normalize(file.replaceAll('\\', '/'));
  return posix.replace(/^(?:\.\/)+/, '').replace(/^\/+/, '');
}

/**
 * `*.env,secrets/,.env*`: an entry ending in `/` is a directory and everything under it; any other
 * entry is a glob matched against the whole path and against the file name alone, so `*.env`
 * also catches `config/prod.env`. Dotfiles are matched like other files, and case is ignored so
 * that `PROD.ENV` is no way around `*.env` on a case-insensitive file system.
 */
export function blockedPathMatcher(value: string): (file: string) => boolean {
  const entries = value
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  const tests = entries.map((entry): ((file: string) => boolean) => {
    if (entry.endsWith('/')) {
      const dir = normalise(entry).toLowerCase().replace(/\/?$/, '/');
      return (file) => file.toLowerCase().startsWith(dir);
    }
    const glob = picomatch(entry, { dot: true, nocase: true });
    return (file) => glob(file) || glob(path.posix.basename(file));
  });
  return (file) => {
    const f = normalise(file);
    return tests.some((t) => t(f));
  };
}

function check(policy: PolicyConfig, facts: PolicyFacts): string | undefined {
  const limit = Number(policy.value);
  switch (policy.rule) {
    case 'max_file_changes': {
      const n = facts.changedFiles.length;
      return n > limit ? `${n} files changed, more than the limit of ${limit}: ${listFiles(facts.changedFiles)}` : undefined;
    }
    case 'require_tests': {
      if (facts.testsConfigured > 0) return undefined;
      const untested = facts.changedFiles.length ? ` to check the change to ${listFiles(facts.changedFiles)}` : '';
      return `no tests are configured under test:${untested}`;
    }
    case 'blocked_paths': {
      const isBlocked = blockedPathMatcher(policy.value ?? '');
      const hits = facts.changedFiles.filter(isBlocked);
      return hits.length ? `changes blocked paths (${policy.value}): ${listFiles(hits)}` : undefined;
    }
    case 'max_retries':
      return facts.maxRetry > limit
        ? `ai.max_retry is ${facts.maxRetry}, above the limit of ${limit} (${facts.attemptsSoFar} attempt${facts.attemptsSoFar === 1 ? '' : 's'} so far)`
        : undefined;
  }
}

export function evaluatePolicies(policies: readonly PolicyConfig[], facts: PolicyFacts): { violations: PolicyViolation[] } {
  const violations: PolicyViolation[] = [];
  for (const policy of policies) {
    const message = check(policy, facts);
    if (message) violations.push({ name: policy.name, rule: policy.rule, action: policy.action, message });
  }
  return { violations };
}
