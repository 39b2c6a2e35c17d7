import { isRuntimeVar } from './runtime-vars';

// `${NAME}` in rig.yaml values: environment variables are filled in at load, runtime variables are
// kept for the runners, `$${` stands for a literal `${` (for the shell's own `${HOME}`). A bare
// `$NAME` or `$$` is left alone because shell commands use both.

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

export type InterpolationProblem =
  | { kind: 'missing'; name: string }
  | { kind: 'malformed'; text: string }
  | { kind: 'unclosed' };

export interface Interpolated {
  value: string;
  /** Environment variables whose values went into `value`. */
  envRefs: string[];
  /** Runtime variables left in `value` for run time. */
  runtimeRefs: string[];
  problems: InterpolationProblem[];
}

export function interpolate(text: string, env: Record<string, string | undefined>): Interpolated {
  const out: Interpolated = { value: '', envRefs: [], runtimeRefs: [], problems: [] };
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('$${', i)) {
      out.value += '${';
      i += 3;
      continue;
    }
    if (!text.startsWith('${', i)) {
      out.value += text[i];
      i += 1;
      continue;
    }
    const close = text.indexOf('}', i + 2);
    if (close < 0) {
      out.problems.push({ kind: 'unclosed' });
      out.value += text.slice(i);
      break;
    }
    const name = text.slice(i + 2, close);
    const ref = text.slice(i, close + 1);
    i = close + 1;
    if (!NAME_RE.test(name)) {
      out.problems.push({ kind: 'malformed', text: ref });
      out.value += ref;
    } else if (isRuntimeVar(name)) {
      out.runtimeRefs.push(name);
      out.value += ref;
    } else if (env[name] === undefined) {
      out.problems.push({ kind: 'missing', name });
      out.value += ref;
    } else {
      out.envRefs.push(name);
      // Inserted verbatim and never rescanned: a value holding `${X}` stays that text.
      out.value += env[name];
    }
  }
  return out;
}

export function describeInterpolationProblem(p: InterpolationProblem): string {
  switch (p.kind) {
    case 'missing':
      return `environment variable ${p.name} is not set (referenced as \${${p.name}})`;
    case 'malformed':
      return `${p.text} is not a variable reference (names are letters, digits and _); write ${'$' + p.text} to keep it as text`;
    case 'unclosed':
      return '"${" is not closed by "}"; write "$${" to keep it as text';
  }
}
