import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CommandTemplateError, RUNTIME_VAR_NAMES, rewriteCommand, runtimeEnv, shellQuote } from '../../src/adapters/exec/shell-vars';
import { RUNTIME_VARS } from '../../src/core/config/runtime-vars';
import type { RuntimeVars } from '../../src/core/ports';

// Strings an attacker controls (issue titles, branch names). The first two are GitHub's own
// examples from https://docs.github.com/en/actions/concepts/security/script-injections.
const HOSTILE = [
  'a"; ls $GITHUB_WORKSPACE"',
  'zzz";echo${IFS}"hello";#',
  '$(touch canary)',
  '`touch canary`',
  "'; touch canary; '",
  '"; touch canary; "',
  'first line\ntouch canary\nlast',
  '${IFS}touch${IFS}canary',
  "'\"'\"'; touch canary; echo '",
  "$'\\x27'; touch canary",
  '\\"; touch canary; #',
  'a[$(touch canary)]',
  'x\\',
  '  spaced   out  * ?  ',
  '-n',
  '%s %n %%',
  '!! ~root $HOME $$ ${HOME}',
  'café 🚀 ‮evil',
];

const vars = (title: string): RuntimeVars => ({
  BRANCH_NAME: 'rig/issue-7',
  COMMIT_SHA: '0123456789abcdef0123456789abcdef01234567',
  ISSUE_ID: 'octo/hello#7',
  ISSUE_NUMBER: '7',
  ISSUE_TITLE: title,
  REPO_OWNER: 'octo',
  REPO_NAME: 'hello',
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'rig-shellvars-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Runs a rig.yaml command the way the runners do: rewritten, values in the environment only. */
function bash(command: string, title: string): string {
  const result = spawnSync('bash', ['--noprofile', '--norc', '-c', rewriteCommand(command)], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH, ...runtimeEnv(vars(title)) },
    encoding: 'utf8',
  });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  // Nothing the value said was executed.
  expect(readdirSync(dir)).toEqual([]);
  return result.stdout;
}

describe('rewriteCommand run by bash', () => {
  // Each quoting context, with what bash must print for a value v.
  const contexts: Array<[string, string, (v: string) => string]> = [
    ['unquoted', "printf '<%s>' ${ISSUE_TITLE}", (v) => `<${v}>`],
    ['double quotes', `printf '%s' "[\${ISSUE_TITLE}] it's"`, (v) => `[${v}] it's`],
    ['single quotes', "printf '%s' '[${ISSUE_TITLE}] \"q\"'", (v) => `[${v}] "q"`],
    ['ANSI-C quotes', "printf '%s' $'[${ISSUE_TITLE}]\\t'", (v) => `[${v}]\t`],
    ['assignment', 'T=${ISSUE_TITLE}; printf "%s" "$T"', (v) => v],
    ['$() in double quotes', `printf '%s' "[$(printf '%s' \${ISSUE_TITLE})]"`, (v) => `[${v}]`],
    ['backticks in double quotes', "printf '%s' \"[`printf '%s' ${ISSUE_TITLE}`]\"", (v) => `[${v}]`],
    ['single quotes in $()', "printf '%s' \"$(echo '[${ISSUE_TITLE}]')\"", (v) => `[${v}]`],
    ['default of an unquoted expansion', "printf '<%s>' ${UNSET:-${ISSUE_TITLE}}", (v) => `<${v}>`],
    ['default of a quoted expansion', `printf '<%s>' "\${UNSET:-\${ISSUE_TITLE}}"`, (v) => `<${v}>`],
    ['here-document', 'cat <<EOF\n[${ISSUE_TITLE}] "q" \'s\'\nEOF', (v) => `[${v}] "q" 's'\n`],
    ['here-document fed to a shell', "bash <<'EOF'\nprintf '<%s>' ${ISSUE_TITLE}\nEOF", (v) => `<${v}>`],
    ['after a comment with a quote', "# it's a comment\nprintf '<%s>' ${ISSUE_TITLE}", (v) => `<${v}>`],
    ['two variables', 'printf \'%s|%s\' ${BRANCH_NAME} "${ISSUE_TITLE}"', (v) => `rig/issue-7|${v}`],
  ];

  for (const [where, command, expected] of contexts) {
    it(`keeps every hostile value inert and exact: ${where}`, () => {
      for (const value of HOSTILE) {
        // Command substitution drops trailing newlines; none of the values end with one.
        expect(bash(command, value), `${where} with ${JSON.stringify(value)}`).toBe(expected(value));
      }
    });
  }

  it('rewrites into the quoting each context needs', () => {
    expect(rewriteCommand('echo ${ISSUE_TITLE}')).toBe('echo "${RIG_ISSUE_TITLE}"');
    expect(rewriteCommand('echo "a ${ISSUE_TITLE}"')).toBe('echo "a ${RIG_ISSUE_TITLE}"');
    expect(rewriteCommand("echo 'a ${ISSUE_TITLE} b'")).toBe(`echo 'a '"\${RIG_ISSUE_TITLE}"' b'`);
  });

  it('leaves escaped references and other expansions to the shell', () => {
    expect(rewriteCommand('echo \\${ISSUE_TITLE} "\\${ISSUE_TITLE}" ${HOME} $HOME $${ISSUE_TITLE}')).toBe(
      'echo \\${ISSUE_TITLE} "\\${ISSUE_TITLE}" ${HOME} $HOME $${ISSUE_TITLE}',
    );
    expect(bash("printf '%s|' \\${ISSUE_TITLE} \"\\${ISSUE_TITLE}\"", 'x')).toBe('${ISSUE_TITLE}|${ISSUE_TITLE}|');
    // An escaped backslash does not escape the `$` after it.
    expect(bash("printf '%s' \\\\${ISSUE_TITLE}", 'v a')).toBe('\\v a');
  });

  it('lets arithmetic use the number of the issue', () => {
    expect(bash('echo $(( ${ISSUE_NUMBER} + 1 ))', 'x')).toBe('8\n');
    expect(bash('for (( i = ${ISSUE_NUMBER}; i < 9; i++ )); do printf %s $i; done', 'x')).toBe('78');
  });

  it('refuses untrusted values where bash would evaluate them as arithmetic', () => {
    for (const command of [
      'echo $(( ${ISSUE_TITLE} + 1 ))',
      '(( ${BRANCH_NAME} > 1 ))',
      'echo $[ ${ISSUE_TITLE} ]',
      'a=(x y); echo ${a[${ISSUE_TITLE}]}',
      's=abc; echo ${s:${ISSUE_TITLE}}',
      'echo $(( $(echo ${ISSUE_TITLE}) ))',
    ]) {
      expect(() => rewriteCommand(command), command).toThrow(CommandTemplateError);
      expect(() => rewriteCommand(command), command).toThrow(/evaluate its value as code/);
    }
    // A default value is not arithmetic.
    expect(bash("printf '%s' \"${s:-${ISSUE_TITLE}}\"", 'a[$(touch canary)]')).toBe('a[$(touch canary)]');
  });

  it('explains that expansion forms of a runtime variable go through RIG_*', () => {
    expect(() => rewriteCommand('echo ${ISSUE_TITLE:0:20}')).toThrow(/only the plain form \$\{ISSUE_TITLE\}.*RIG_ISSUE_TITLE/);
    expect(() => rewriteCommand('echo ${#ISSUE_TITLE}')).toThrow(CommandTemplateError);
    expect(bash('printf %s "${RIG_ISSUE_TITLE:0:3}"', 'abcdef')).toBe('abc');
  });
});

describe('runtimeEnv', () => {
  it('maps every runtime variable to RIG_<NAME>, without NUL bytes', () => {
    const env = runtimeEnv(vars('a\0b'));
    expect(Object.keys(env).sort()).toEqual(RUNTIME_VAR_NAMES.map((n) => `RIG_${n}`).sort());
    expect(env.RIG_ISSUE_TITLE).toBe('ab');
    expect(env.RIG_ISSUE_NUMBER).toBe('7');
  });

  it('refuses an issue number that is not digits, since arithmetic may use it', () => {
    expect(() => runtimeEnv({ ...vars('x'), ISSUE_NUMBER: 'a[$(id)]' })).toThrow(/ISSUE_NUMBER must be digits/);
  });

  it('knows the same names as the config loader', () => {
    expect([...RUNTIME_VAR_NAMES].sort()).toEqual([...RUNTIME_VARS].sort());
  });
});

describe('shellQuote', () => {
  it('round-trips any value through a shell', () => {
    for (const value of [...HOSTILE, '', "'", "''", '\n']) {
      const out = spawnSync('bash', ['--noprofile', '--norc', '-c', `printf '%s' ${shellQuote(value)}`], { cwd: dir, encoding: 'utf8' });
      expect(out.stdout).toBe(value);
      expect(readdirSync(dir)).toEqual([]);
    }
  });

  it('refuses a NUL byte rather than truncate', () => {
    expect(() => shellQuote('a\0b')).toThrow(/NUL/);
  });
});
