import type { Scalar } from 'yaml';
import type { ConfigProblem } from './errors';
import { describeInterpolationProblem, interpolate, type InterpolationProblem } from './interpolate';
import type { RuntimeRef } from './lint';
import { formatPath, type PathSegment, type YamlSource } from './yaml-source';

// Environment variables go into the parsed document's string values, never into the raw text: a
// value holding `"`, `:` or a newline then stays one string and cannot reshape the document.

export interface Substitution {
  problems: ConfigProblem[];
  /** Path → environment variables whose values went into the string at that path. */
  envPaths: Map<string, string[]>;
  runtimeRefs: RuntimeRef[];
  /** Unquoted values written as exactly one `${NAME}`: they may stand for a number or true/false. */
  wholeRefs: Set<string>;
}

const WHOLE_REF_RE = /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/;

export function substituteEnv(source: YamlSource, text: string, env: Record<string, string | undefined>): Substitution {
  const out: Substitution = { problems: [], envPaths: new Map(), runtimeRefs: [], wholeRefs: new Set() };
  source.eachString((scalar, path) => {
    if (!scalar.value || !(scalar.value as string).includes('${')) return;
    const result = interpolate(scalar.value as string, env);
    for (const problem of result.problems) {
      out.problems.push({
        path: formatPath(path),
        message: describeInterpolationProblem(problem),
        ...source.position(refOffset(text, scalar, problem)),
      });
    }
    for (const name of result.runtimeRefs) out.runtimeRefs.push({ path, name });
    if (result.envRefs.length) {
      const key = formatPath(path);
      out.envPaths.set(key, [...new Set(result.envRefs)]);
      if (scalar.type === 'PLAIN' && WHOLE_REF_RE.test(scalar.source ?? '')) out.wholeRefs.add(key);
    }
    scalar.value = result.value;
  });
  return out;
}

/** The offset of the reference itself, which in a block scalar can be lines below the key. */
function refOffset(text: string, scalar: Scalar, problem: InterpolationProblem): number {
  const [start = 0, end = start] = scalar.range ?? [];
  const needle = problem.kind === 'missing' ? `\${${problem.name}}` : problem.kind === 'malformed' ? problem.text : '${';
  const raw = text.slice(start, end);
  for (let i = raw.indexOf(needle); i >= 0; i = raw.indexOf(needle, i + 1)) {
    if (raw[i - 1] !== '$') return start + i;
  }
  return start;
}

const NUMBER_RE = /^-?\d+(?:\.\d+)?$/;

/**
 * `port: ${PORT}` means the number in PORT, as it would if the value had been typed there. Only
 * fields that expect a number or true/false, and only values that are exactly one, are retyped.
 */
export function retypeWholeRefs(data: unknown, paths: Array<{ path: PathSegment[]; expected: string }>, wholeRefs: Set<string>): boolean {
  let changed = false;
  for (const { path, expected } of paths) {
    if (!wholeRefs.has(formatPath(path)) || path.length === 0) continue;
    let parent = data as Record<string | number, unknown> | null;
    for (const seg of path.slice(0, -1)) parent = (parent?.[seg] ?? null) as Record<string | number, unknown> | null;
    const last = path[path.length - 1]!;
    const value = parent?.[last];
    if (typeof value !== 'string') continue;
    if ((expected === 'number' || expected === 'int') && NUMBER_RE.test(value.trim())) {
      parent![last] = Number(value);
      changed = true;
    } else if (expected === 'boolean' && (value === 'true' || value === 'false')) {
      parent![last] = value === 'true';
      changed = true;
    }
  }
  return changed;
}
