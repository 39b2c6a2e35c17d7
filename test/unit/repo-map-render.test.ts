import { describe, expect, it } from 'vitest';
import { renderMap, type RenderInput } from '../../src/adapters/context/render-map';
import { renderTree } from '../../src/adapters/context/render-tree';
import type { CodeSymbol } from '../../src/adapters/context/symbols';
import { estimateTokens } from '../../src/adapters/context/tokens';

/** A deep tree of `count` files across languages, plus a vendored directory. */
function files(count: number): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < count; i++) {
    const area = ['billing', 'shipping', 'catalog', 'search'][i % 4]!;
    const sub = ['core', 'api', 'model', 'util', 'jobs'][Math.floor(i / 4) % 5]!;
    const deep = i % 3 === 0 ? `/${['v1', 'v2'][i % 2]}/impl` : '';
    out.push(`services/${area}/${sub}${deep}/file-${i}.${['ts', 'py', 'go'][i % 3]}`);
    if (i % 50 === 0) out.push(`web/node_modules/pkg-${i}/index.js`);
  }
  return out.slice(0, count);
}

function symbolsFor(file: string, n: number): CodeSymbol[] {
  return Array.from({ length: n }, (_, i) => ({ name: `fn${i}InFile`, kind: 'function' as const, line: i * 10 + 1, exported: i % 2 === 0 }));
}

function input(over: Partial<RenderInput> = {}): RenderInput {
  const all = files(3000);
  const ranked = all.slice(0, 30).map((path, i) => ({ path, score: 100 - i, reasons: [`reason ${i}`] }));
  return {
    files: all,
    ranked,
    symbols: new Map(ranked.map((r) => [r.path, symbolsFor(r.path, 30)])),
    matchedNames: new Set(),
    budgetTokens: 4000,
    notes: [],
    ...over,
  };
}

describe('map layout', () => {
  it('respects every budget, from tiny to generous', () => {
    for (const budgetTokens of [100, 200, 500, 1000, 2000, 4000, 8000, 16000, 64000]) {
      const r = renderMap(input({ budgetTokens }));
      expect(r.tokens, `budget ${budgetTokens}`).toBeLessThanOrEqual(budgetTokens);
      expect(r.tokens).toBe(estimateTokens(r.map));
    }
  });

  it('uses most of a budget it needs', () => {
    const r = renderMap(input({ budgetTokens: 8000 }));
    expect(r.tokens).toBeGreaterThan(8000 * 0.8);
  });

  it('lists the ranked files first, in rank order, with definitions in file order', () => {
    const r = renderMap(input());
    const lines = r.map.split('\n');
    const first = lines.indexOf('## Most relevant files');
    expect(lines[first + 1]).toBe(`${input().ranked[0]!.path}  (reason 0)`);
    const defs = lines.slice(first + 2, first + 6);
    expect(defs).toEqual(['  1 function fn0InFile', '  11 function fn1InFile', '  21 function fn2InFile', '  31 function fn3InFile']);
    const positions = r.detailed.map((p) => lines.findIndex((l) => l.startsWith(`${p}  (`)));
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it('shows the definitions the issue named first when a file has more than fit', () => {
    const r = renderMap(input({ matchedNames: new Set(['fn29InFile']) }));
    const block = r.map.split('\n## Most relevant files\n')[1]!.split('\n').slice(0, 30);
    expect(block).toContain('  291 function fn29InFile');
    expect(block.some((l) => /… \d+ more definitions/.test(l))).toBe(true);
  });

  it('compresses the rest of the tree as far as the budget needs, never dropping whole areas first', () => {
    const roomy = renderMap(input({ ranked: [], budgetTokens: 60000 })).map;
    expect(roomy).toContain('services/shipping/core/ file-1.py, ');
    expect(roomy).toMatch(/^services\/billing\/core\/v1\/impl\/ file-0.ts, /m);
    const tight = renderMap(input({ ranked: [], budgetTokens: 100 })).map;
    // Folded to the top directories with counts, every area still named.
    expect(tight).toMatch(/^services\/\*\* \(\d+ files: /m);
    expect(tight).toMatch(/^web\/node_modules\/ \(\d+ files, vendored or generated\)$/m);
    const middle = renderMap(input({ ranked: [], budgetTokens: 1500 })).map;
    expect(middle.length).toBeGreaterThan(tight.length);
    for (const area of ['billing', 'shipping', 'catalog', 'search']) expect(middle).toContain(`services/${area}/`);
  });

  it('folds a vendored tree into one line', () => {
    const r = renderMap(input({ ranked: [], budgetTokens: 60000 }));
    expect(r.map).toMatch(/^web\/node_modules\/ \(\d+ files, vendored or generated\)$/m);
    expect(r.map).not.toContain('pkg-0/index.js');
  });

  it('says when nothing matched, and adds notes at the top', () => {
    const r = renderMap(input({ ranked: [], notes: ['the text search was cut short'] }));
    const lines = r.map.split('\n');
    expect(lines[1]).toBe('# Note: the text search was cut short');
    expect(r.map).not.toContain('## Most relevant files');
    expect(r.map).toContain('## Files by directory');
  });
});

describe('directory tree', () => {
  it('lists parents before children and siblings alphabetically', () => {
    expect(renderTree(['b/x.ts', 'a/b/c.ts', 'a/z.ts', 'a-b/y.ts', 'top.md', 'a/b/d/e.ts'], 1000)).toEqual(['./ top.md', 'a/ z.ts', 'a/b/ c.ts', 'a/b/d/ e.ts', 'a-b/ y.ts', 'b/ x.ts']);
  });

  it('names every area first, then unfolds the directory of a relevant file', () => {
    const areas = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta'];
    const all = areas.flatMap((a) => Array.from({ length: 60 }, (_, i) => `${a}/sub-${i % 6}/deep/file-${i}.ts`));
    const relevance = new Map([['gamma/sub-3/deep/file-3.ts', 40]]);
    const lines = renderTree(all, 700, relevance);
    expect(lines).toContain('gamma/sub-3/deep/ file-15.ts, file-21.ts, file-27.ts, file-3.ts, file-33.ts, file-39.ts, file-45.ts, file-51.ts, file-57.ts, file-9.ts');
    // Names are listed nowhere else: the budget went to the layout and the relevant directory.
    expect(lines.filter((l) => /\/ file-/.test(l))).toHaveLength(1);
    for (const a of areas) for (let i = 0; i < 6; i++) expect(lines.some((l) => l.startsWith(`${a}/sub-${i}/`))).toBe(true);
    const without = renderTree(all, 700);
    expect(without.some((l) => l.startsWith('gamma/sub-3/deep/ file-'))).toBe(false);
  });

  it('gives nothing when not even one line fits', () => {
    expect(renderTree(['a/b.ts'], 2)).toEqual([]);
    expect(renderTree([], 1000)).toEqual([]);
  });
});
