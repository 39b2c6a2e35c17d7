import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// src/core is the engine every front door shares: it must run in plain Node and in tests without
// an editor, without the environment and without spawning anything itself.
const CORE = path.resolve(__dirname, '../../src/core');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? sources(full) : name.endsWith('.ts') ? [full] : [];
  });
}

describe('src/core boundary', () => {
  const files = sources(CORE);

  it('has sources to check', () => {
    expect(files.length).toBeGreaterThan(10);
  });

  it.each([
    ['imports vscode', /from ['"]vscode['"]|require\(['"]vscode['"]\)/],
    ['reads process.env', /process\.env/],
    ['spawns processes', /from ['"](node:)?child_process['"]/],
    ['imports an adapter', /from ['"](\.\.\/)+adapters\//],
  ])('no file %s', (_what, pattern) => {
    const offenders = files.filter((f) => pattern.test(readFileSync(f, 'utf8'))).map((f) => path.relative(CORE, f));
    expect(offenders).toEqual([]);
  });
});
