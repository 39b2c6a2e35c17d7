// Runs rig.yaml `test:` entries. A test with affected_paths runs only when the task changed a
// file it covers: a path prefix (`api/`, `api`) or a glob (`web/**/*.ts`).
import picomatch from 'picomatch';
import type { CommandConfig, TestConfig } from '../../core/config/schema';
import type { CommandOutcome, TestOutcome } from '../../core/model';
import type { CommandRunner, RunContext, TestRunner } from '../../core/ports';

const normalize = (p: string): string => p.replace(/\\/g, '/').replace(/^(\.\/)+/, '');

/** A predicate for one affected_paths entry. Globs follow the usual rules: `*` stays within a directory. */
export function pathMatcher(pattern: string): (file: string) => boolean {
  const p = normalize(pattern);
  if (picomatch.scan(p).isGlob) {
    const isMatch = picomatch(p, { dot: true });
    return (file) => isMatch(normalize(file));
  }
  const dir = p.endsWith('/') ? p : `${p}/`;
  return (file) => {
    const f = normalize(file);
    return f === p || f.startsWith(dir);
  };
}

export function affects(patterns: string[], changedFiles: string[]): boolean {
  const matchers = patterns.map(pathMatcher);
  return changedFiles.some((file) => matchers.some((m) => m(file)));
}

const asCommand = (test: TestConfig): CommandConfig => ({
  name: test.name,
  run: test.run,
  timeout: test.timeout,
  workdir: test.workdir,
  env: test.env,
  transport: { type: 'local' },
});

function failureReason(outcome: CommandOutcome, timeoutMs: number): string {
  if (outcome.timedOut) return `timed out after ${timeoutMs / 1000}s`;
  if (outcome.exitCode === null) return outcome.signal ? `ended by ${outcome.signal}` : 'did not finish';
  return `exited with code ${outcome.exitCode}`;
}

export class CommandTestRunner implements TestRunner {
  constructor(private readonly runner: CommandRunner) {}

  async run(tests: TestConfig[], changedFiles: string[], ctx: RunContext): Promise<TestOutcome[]> {
    const outcomes: TestOutcome[] = [];
    for (const test of tests) {
      if (ctx.signal.aborted) {
        outcomes.push({ name: test.name, status: 'skipped', reason: 'cancelled before it ran' });
        continue;
      }
      if (test.affected_paths && !affects(test.affected_paths, changedFiles)) {
        outcomes.push({ name: test.name, status: 'skipped', reason: `no changed file matches affected_paths (${test.affected_paths.join(', ')})` });
        continue;
      }
      // Every test runs even after one fails: the fixer does better seeing all that is broken.
      const result = await this.runner.run(asCommand(test), ctx);
      const passed = result.exitCode === 0 && !result.timedOut;
      outcomes.push(passed ? { name: test.name, status: 'passed', result } : { name: test.name, status: 'failed', reason: failureReason(result, test.timeout), result });
    }
    return outcomes;
  }
}
