// Runtime variables in rig.yaml commands. Their values come from GitHub (an issue title, a branch
// name) and are attacker-controlled, so they are never spliced into command text: each
// `${NAME}` becomes a reference to the environment variable RIG_NAME, quoted for where it stands,
// and the value travels in the environment (locally) or as a single-quoted export (over SSH).
//
// The rewrite scans bash quoting state. If the scan ever misjudges a context, the result is a
// wrongly quoted *reference* (word splitting, or the text `${RIG_X}` printed literally), never
// the value parsed as code: the value is not in the text. The exception is arithmetic, where bash
// evaluates a variable's value as an expression (`a[$(cmd)]` runs cmd), so untrusted variables
// are refused inside `$((…))`, `((…))`, `$[…]`, array subscripts and substring offsets.
//
// What the scan cannot protect: a command that hands the value to a second parser itself
// (`eval`, `bash -c "…${ISSUE_TITLE}…"`, `ssh host "…"`, `[[ … -eq … ]]`, `let`). Use
// transport: ssh instead of calling ssh by hand.
import type { RuntimeVars } from '../../core/ports';

type VarName = keyof RuntimeVars;

// One place for the names; `satisfies` makes a new RuntimeVars key a compile error here.
const VAR_TABLE = {
  BRANCH_NAME: true,
  COMMIT_SHA: true,
  ISSUE_ID: true,
  ISSUE_NUMBER: true,
  ISSUE_TITLE: true,
  REPO_OWNER: true,
  REPO_NAME: true,
} as const satisfies Record<VarName, true>;

export const RUNTIME_VAR_NAMES = Object.keys(VAR_TABLE) as VarName[];

/** Variables whose values are checked to be digits, and so are safe where bash does arithmetic. */
const NUMERIC_VARS: ReadonlySet<VarName> = new Set<VarName>(['ISSUE_NUMBER']);

export const ENV_PREFIX = 'RIG_';

export const envName = (name: VarName): string => `${ENV_PREFIX}${name}`;

const isVarName = (name: string): name is VarName => Object.hasOwn(VAR_TABLE, name);

/** A rig.yaml command that cannot be run safely as written. */
export class CommandTemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandTemplateError';
  }
}

/** The RIG_* environment for a run. NUL cannot live in an environment string, so it is dropped. */
export function runtimeEnv(vars: RuntimeVars): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of RUNTIME_VAR_NAMES) {
    const value = String(vars[name] ?? '').replaceAll('\0', '');
    if (NUMERIC_VARS.has(name) && !/^[0-9]*$/.test(value)) {
      throw new CommandTemplateError(`${name} must be digits only, got ${JSON.stringify(value)}`);
    }
    env[envName(name)] = value;
  }
  return env;
}

/** POSIX single quoting: the only quoting a shell never looks inside. */
export function shellQuote(value: string): string {
  if (value.includes('\0')) throw new CommandTemplateError('a NUL byte cannot be passed through a shell script');
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

// ---------------------------------------------------------------- the rewrite

type Ctx =
  /** Unquoted command text: the top level, `$(…)`, `<(…)` or backticks. */
  | { kind: 'cmd'; close: ')' | '`' | null; parens: number }
  | { kind: 'dq' }
  | { kind: 'sq' }
  /** `$'…'`, where backslash escapes work. */
  | { kind: 'ansi' }
  /** `${…}` the shell expands; `quoted` when it stands inside double quotes. */
  | { kind: 'param'; quoted: boolean; arith: boolean }
  | { kind: 'arith'; close: '))' | ']'; parens: number }
  /** The body of a here-document with an unquoted delimiter: expansions, but `"` is literal. */
  | { kind: 'heredoc' };

interface PendingHeredoc {
  delimiter: string;
  quoted: boolean;
  stripTabs: boolean;
}

const OWN_REF = /^\$\{([A-Z_]+)\}/;
// Any other `${…}` whose name is one of ours (`${#NAME}`, `${NAME:-x}`): a shell expansion form.
const OWN_EXPANSION = /^\$\{[#!]?([A-Za-z_][A-Za-z0-9_]*)/;
const PARAM_HEAD = /^\$\{[#!]?(?:[A-Za-z_][A-Za-z0-9_]*|[0-9]+|[@*#?$!-])/;
const SPECIAL_PARAM = /[$#?!@*0-9-]/;
const WORD_BREAK = /[\s;&|()<>`]/;

/**
 * Rewrites every `${NAME}` of a runtime variable into a quoted reference to `$RIG_NAME`.
 * Other `${…}` and `$…` are left to the shell.
 */
export function rewriteCommand(command: string): string {
  return scan(command, [{ kind: 'cmd', close: null, parens: 0 }]);
}

function scan(text: string, stack: Ctx[]): string {
  const out: string[] = [];
  const pending: PendingHeredoc[] = [];
  let i = 0;
  const wordStart = (at: number) => at === 0 || WORD_BREAK.test(text[at - 1]!);
  const push = (ctx: Ctx, consumed: number) => {
    stack.push(ctx);
    out.push(text.slice(i, i + consumed));
    i += consumed;
  };
  const pop = (consumed: number) => {
    if (stack.length > 1) stack.pop();
    out.push(text.slice(i, i + consumed));
    i += consumed;
  };
  const copy = (n = 1) => {
    out.push(text.slice(i, i + n));
    i += n;
  };

  /** Handles what a `$` starts, in any context where expansions happen. */
  const dollar = (ctx: Ctx): void => {
    const rest = text.slice(i);
    if (ownReference(ctx)) return;
    const form = OWN_EXPANSION.exec(rest)?.[1];
    if (form !== undefined && isVarName(form)) {
      const close = rest.indexOf('}');
      const shown = close === -1 ? rest.slice(0, 40) : rest.slice(0, close + 1);
      throw new CommandTemplateError(
        `${shown}: only the plain form \${${form}} is rewritten; for shell expansion forms use the environment variable, e.g. "\${${envName(form)}:-default}"`,
      );
    }
    const quotedHere = ctx.kind === 'dq' || ctx.kind === 'heredoc' || (ctx.kind === 'param' && ctx.quoted);
    if (rest.startsWith('$((')) return push({ kind: 'arith', close: '))', parens: 0 }, 3);
    if (rest.startsWith('$(')) return push({ kind: 'cmd', close: ')', parens: 0 }, 2);
    if (rest.startsWith('$[')) return push({ kind: 'arith', close: ']', parens: 0 }, 2);
    if (rest.startsWith('${')) {
      const head = PARAM_HEAD.exec(rest);
      const after = head ? head[0].length : 2;
      const next = rest[after];
      const arith = head !== null && (next === '[' || (next === ':' && !'-=?+'.includes(rest[after + 1] ?? '')));
      return push({ kind: 'param', quoted: quotedHere, arith }, after);
    }
    if (ctx.kind === 'cmd' || (ctx.kind === 'param' && !ctx.quoted)) {
      if (rest.startsWith("$'")) return push({ kind: 'ansi' }, 2);
      if (rest.startsWith('$"')) return push({ kind: 'dq' }, 2);
    }
    // `$$`, `$#`…: consume the pair so `$${X}` is not read as `$` + `${X}`.
    copy(rest.length > 1 && SPECIAL_PARAM.test(rest[1]!) ? 2 : 1);
  };

  while (i < text.length) {
    const ctx = stack[stack.length - 1]!;
    const c = text[i]!;
    switch (ctx.kind) {
      case 'sq':
        if (c === "'") pop(1);
        else if (c !== '$' || !ownReference(ctx)) copy();
        break;
      case 'ansi':
        if (c === '\\') copy(2);
        else if (c === "'") pop(1);
        else if (c !== '$' || !ownReference(ctx)) copy();
        break;
      case 'dq':
      case 'heredoc':
        if (c === '\\') copy('$`"\\\n'.includes(text[i + 1] ?? '') ? 2 : 1);
        else if (c === '"' && ctx.kind === 'dq') pop(1);
        else if (c === '`') push({ kind: 'cmd', close: '`', parens: 0 }, 1);
        else if (c === '$') dollar(ctx);
        else copy();
        break;
      case 'param':
        if (c === '\\') copy(2);
        else if (c === '}') pop(1);
        else if (c === '"') push({ kind: 'dq' }, 1);
        else if (c === "'" && !ctx.quoted) push({ kind: 'sq' }, 1);
        else if (c === '`') push({ kind: 'cmd', close: '`', parens: 0 }, 1);
        else if (c === '$') dollar(ctx);
        else copy();
        break;
      case 'arith':
        if (c === '\\') copy(2);
        else if (c === '$') dollar(ctx);
        else if (c === '`') push({ kind: 'cmd', close: '`', parens: 0 }, 1);
        else if (c === '"') push({ kind: 'dq' }, 1);
        else if (c === '(') {
          ctx.parens++;
          copy();
        } else if (c === ')' && ctx.parens > 0) {
          ctx.parens--;
          copy();
        } else if (ctx.close === '))' && text.startsWith('))', i)) pop(2);
        else if (ctx.close === ']' && c === ']') pop(1);
        else copy();
        break;
      case 'cmd':
        if (c === '\\') copy(2);
        else if (c === "'") push({ kind: 'sq' }, 1);
        else if (c === '"') push({ kind: 'dq' }, 1);
        else if (c === '`') {
          if (ctx.close === '`') pop(1);
          else push({ kind: 'cmd', close: '`', parens: 0 }, 1);
        } else if (c === '$') dollar(ctx);
        else if (c === '#' && wordStart(i)) {
          // A comment: quotes in it mean nothing to the shell, so they must not change our state.
          const end = text.indexOf('\n', i);
          copy((end === -1 ? text.length : end) - i);
        } else if (c === '(' && text[i + 1] === '(' && wordStart(i)) push({ kind: 'arith', close: '))', parens: 0 }, 2);
        else if ((c === '<' || c === '>') && text[i + 1] === '(') push({ kind: 'cmd', close: ')', parens: 0 }, 2);
        else if (c === '<' && text.startsWith('<<<', i)) copy(3);
        else if (c === '<' && text[i + 1] === '<') {
          const header = readHeredocHeader(text, i);
          pending.push(header.heredoc);
          copy(header.length);
        } else if (c === '(') {
          if (ctx.close === ')') ctx.parens++;
          copy();
        } else if (c === ')' && ctx.close === ')') {
          if (ctx.parens > 0) {
            ctx.parens--;
            copy();
          } else pop(1);
        } else if (c === '\n' && pending.length > 0) {
          copy();
          for (const heredoc of pending.splice(0)) {
            const body = readHeredocBody(text, i, heredoc);
            // A quoted delimiter makes the body literal text, which matters only when a shell
            // reads it (`bash <<'EOF'`): so it is rewritten as the command text it then is.
            const inner: Ctx = heredoc.quoted ? { kind: 'cmd', close: null, parens: 0 } : { kind: 'heredoc' };
            out.push(scan(body.body, [inner]), body.terminator);
            i = body.end;
          }
        } else copy();
        break;
    }
  }
  return out.join('');

  /** Rewrites a `${NAME}` of ours at `i`; false when there is none. */
  function ownReference(ctx: Ctx): boolean {
    const own = OWN_REF.exec(text.slice(i));
    const name = own?.[1];
    if (own === null || name === undefined || !isVarName(name)) return false;
    out.push(reference(name, ctx, stack));
    i += own[0].length;
    return true;
  }
}

/** The text that replaces `${NAME}` in context `ctx`. */
function reference(name: VarName, ctx: Ctx, stack: Ctx[]): string {
  const ref = `\${${envName(name)}}`;
  const arithmetic = stack.some((c) => c.kind === 'arith' || (c.kind === 'param' && c.arith));
  if (arithmetic) {
    if (!NUMERIC_VARS.has(name)) {
      throw new CommandTemplateError(
        `\${${name}} cannot be used inside shell arithmetic ($((…)), ((…)), an array index or a substring offset): bash would evaluate its value as code`,
      );
    }
    return ref;
  }
  switch (ctx.kind) {
    case 'cmd':
      return `"${ref}"`;
    case 'dq':
    case 'heredoc':
      return ref;
    case 'param':
      return ctx.quoted ? ref : `"${ref}"`;
    case 'sq':
      return `'"${ref}"'`;
    case 'ansi':
      return `'"${ref}"$'`;
    case 'arith':
      return ref;
  }
}

function readHeredocHeader(text: string, start: number): { heredoc: PendingHeredoc; length: number } {
  let i = start + 2;
  const stripTabs = text[i] === '-';
  if (stripTabs) i++;
  while (text[i] === ' ' || text[i] === '\t') i++;
  let delimiter = '';
  let quoted = false;
  while (i < text.length && !/[\s;&|<>()]/.test(text[i]!)) {
    const c = text[i]!;
    if (c === "'" || c === '"') {
      quoted = true;
      const end = text.indexOf(c, i + 1);
      const stop = end === -1 ? text.length : end;
      delimiter += text.slice(i + 1, stop);
      i = stop + 1;
    } else if (c === '\\') {
      quoted = true;
      delimiter += text[i + 1] ?? '';
      i += 2;
    } else {
      delimiter += c;
      i++;
    }
  }
  return { heredoc: { delimiter, quoted, stripTabs }, length: Math.min(i, text.length) - start };
}

function readHeredocBody(text: string, start: number, heredoc: PendingHeredoc): { body: string; terminator: string; end: number } {
  let i = start;
  while (i < text.length) {
    const newline = text.indexOf('\n', i);
    const lineEnd = newline === -1 ? text.length : newline;
    const line = text.slice(i, lineEnd);
    if ((heredoc.stripTabs ? line.replace(/^\t+/, '') : line) === heredoc.delimiter) {
      const end = newline === -1 ? text.length : newline + 1;
      return { body: text.slice(start, i), terminator: text.slice(i, end), end };
    }
    i = lineEnd + 1;
  }
  // No terminator: bash reads to the end of the text, and so do we.
  return { body: text.slice(start), terminator: '', end: text.length };
}
