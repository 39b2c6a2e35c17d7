import type { z } from 'zod';
import type { ConfigProblem } from './errors';
import { closest, fieldsAt } from './known-fields';
import { formatPath, type PathSegment, type YamlSource } from './yaml-source';

// Zod's findings turned into problems a person can act on: the field path, what was expected, what
// was found, and the line it was written on.

const TYPE_NAMES: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping of fields',
  array: 'a list',
  null: 'an empty value',
};

const show = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

/** Messages for the issues no schema worded itself, in YAML's terms rather than JavaScript's. */
export const issueMessages: z.core.$ZodErrorMap = (iss) => {
  switch (iss.code) {
    case 'invalid_type':
      if (iss.input === undefined) return 'required field is missing';
      return `expected ${TYPE_NAMES[iss.expected] ?? iss.expected}`;
    case 'invalid_value':
      if (iss.input === undefined) return `required field is missing (one of ${iss.values.map(show).join(', ')})`;
      return iss.values.length === 1 ? `expected ${show(iss.values[0])}` : `expected one of ${iss.values.map(show).join(', ')}`;
    case 'too_small': {
      const n = Number(iss.minimum);
      if (iss.origin === 'string') return n === 1 ? 'must not be empty' : `must be at least ${n} characters long`;
      if (iss.origin === 'array') return n === 1 ? 'needs at least one entry' : `needs at least ${n} entries`;
      return iss.inclusive ? `must be at least ${n}` : `must be more than ${n}`;
    }
    case 'too_big': {
      const n = Number(iss.maximum);
      if (iss.origin === 'string') return `must be at most ${n} characters long`;
      if (iss.origin === 'array') return `must have at most ${n} entries`;
      return iss.inclusive ? `must be at most ${n}` : `must be less than ${n}`;
    }
    case 'invalid_format':
      return iss.format === 'url' ? 'expected a URL such as "https://example.com/…"' : `expected a valid ${iss.format}`;
    case 'invalid_union':
    {
      const options = (iss as { options?: unknown[] }).options ?? [];
      if (iss.discriminator) return `expected ${iss.discriminator} to be one of ${options.map(show).join(', ')}`;
      return 'is not in any accepted form';
    }
    case 'invalid_key':
      return `is not a valid name: ${iss.issues[0]?.message ?? 'not accepted here'}`;
    case 'not_multiple_of':
      return `must be a multiple of ${Number(iss.divisor)}`;
    default:
      return undefined;
  }
};

function valueAt(data: unknown, path: readonly PathSegment[]): unknown {
  let v = data;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

function describeValue(value: unknown): string {
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  return String(value);
}

export interface IssueContext {
  schema: z.ZodType;
  source: YamlSource;
  /** The data that was validated, after environment substitution. */
  data: unknown;
  /** Paths whose text came (partly) from environment variables, with their names. */
  envPaths: ReadonlyMap<string, readonly string[]>;
}

/** The value found at the issue, worded for the message; undefined when it adds nothing. */
function found(issue: z.core.$ZodIssue, path: PathSegment[], ctx: IssueContext): string | undefined {
  const value = valueAt(ctx.data, path);
  if (value === undefined) return undefined;
  const scalar = value === null || typeof value !== 'object';
  if ((issue.code === 'too_small' || issue.code === 'too_big') && typeof value !== 'number') return undefined;
  if (issue.code === 'custom' && !scalar) return undefined;
  // The key is what was wrong, and the path already shows it.
  if (issue.code === 'invalid_key') return undefined;
  // A value from the environment may be a secret: name the variable, never print the value.
  const refs = ctx.envPaths.get(formatPath(path));
  if (refs?.length) return `the value of ${refs.map((n) => `\${${n}}`).join(' and ')}`;
  return describeValue(value);
}

function messageFor(issue: z.core.$ZodIssue, path: PathSegment[], ctx: IssueContext): string {
  const what = found(issue, path, ctx);
  if (what === undefined) return issue.message;
  // "is not a valid git branch name" reads best with the value as its subject.
  return issue.message.startsWith('is ') ? `${what} ${issue.message}` : `${issue.message}, got ${what}`;
}

export function problemsFromIssues(issues: readonly z.core.$ZodIssue[], ctx: IssueContext): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of issues) {
    const path = issue.path.map((seg) => (typeof seg === 'number' ? seg : String(seg)));
    if (issue.code === 'unrecognized_keys') {
      const known = fieldsAt(ctx.schema, path);
      for (const key of issue.keys) {
        const fieldPath = [...path, key];
        const guess = closest(key, known);
        const hint = guess ? `; did you mean "${guess}"?` : known.length ? `; fields here: ${known.join(', ')}` : '';
        problems.push({ path: formatPath(fieldPath), message: `unknown field${hint}`, ...ctx.source.locate(fieldPath, 'key') });
      }
      continue;
    }
    problems.push({ path: formatPath(path), message: messageFor(issue, path, ctx), ...ctx.source.locate(path) });
  }
  return dedupe(problems).sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}

function dedupe(problems: ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\0${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
