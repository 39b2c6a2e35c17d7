import type { z } from 'zod';
import type { PathSegment } from './yaml-source';

// The field names a schema accepts at a path, read from the schema itself so that an unknown-field
// error can suggest the right spelling without a second list that could drift from the schema.

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
  left?: z.ZodType;
  right?: z.ZodType;
  valueType?: z.ZodType;
  getter?: () => z.ZodType;
}

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** The object, array and record schemas a schema stands for once wrappers and unions are opened. */
function containers(schema: z.ZodType, depth = 0): z.ZodType[] {
  if (depth > 20) return [];
  const def = defOf(schema);
  switch (def.type) {
    case 'object':
    case 'array':
    case 'record':
      return [schema];
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'nonoptional':
    case 'readonly':
    case 'catch':
      return containers(def.innerType!, depth + 1);
    case 'pipe':
      return [...containers(def.in!, depth + 1), ...containers(def.out!, depth + 1)];
    case 'union':
      return def.options!.flatMap((o) => containers(o, depth + 1));
    case 'intersection':
      return [...containers(def.left!, depth + 1), ...containers(def.right!, depth + 1)];
    case 'lazy':
      return containers(def.getter!(), depth + 1);
    default:
      return [];
  }
}

export function fieldsAt(schema: z.ZodType, path: readonly PathSegment[]): string[] {
  let current = containers(schema);
  for (const seg of path) {
    const next: z.ZodType[] = [];
    for (const c of current) {
      const def = defOf(c);
      if (def.type === 'object' && typeof seg === 'string' && def.shape![seg]) next.push(def.shape![seg]!);
      else if (def.type === 'array' && typeof seg === 'number') next.push(def.element!);
      else if (def.type === 'record' && typeof seg === 'string') next.push(def.valueType!);
    }
    current = next.flatMap((s) => containers(s));
  }
  const fields = new Set<string>();
  for (const c of current) {
    const def = defOf(c);
    if (def.type === 'object') for (const key of Object.keys(def.shape!)) fields.add(key);
  }
  return [...fields];
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/** The closest known field when it is close enough to be a typo (`timout` → `timeout`). */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = distance(lower, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}
