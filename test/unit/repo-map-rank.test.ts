import { symlinkSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { GitRepoMapper } from '../../src/adapters/context/git-repo-mapper';
import { MapAbortedError } from '../../src/adapters/context/git-search';
import { estimateTokens } from '../../src/adapters/context/tokens';
import type { Issue } from '../../src/core/model';
import { createSampleRepo, type SampleRepo } from '../helpers/git-repo';

const FILES: Record<string, string> = {
  'src/billing/invoice.ts': [
    "import { formatMoney } from '../util/format';",
    'export class InvoiceService {',
    '  total(lines: number[]): number {',
    '    return lines.reduce((a, b) => a + b, 0);',
    '  }',
    '}',
    'export function computeInvoiceTax(amount: number): number {',
    '  return Math.round(amount * 0.2);',
    '}',
  ].join('\n'),
  'src/billing/tax-rules.ts': "import { computeInvoiceTax } from './invoice';\nexport const applyRules = (x: number) => computeInvoiceTax(x) + 1;\n",
  'src/shipping/carrier.ts': 'export function pickCarrier(weight: number): string {\n  return weight > 10 ? "truck" : "van";\n}\n',
  'src/shipping/label-printer.ts': 'export function printLabel(text: string): string {\n  return text.slice(0, 40);\n}\n',
  'src/util/format.ts': 'export function formatMoney(cents: number): string {\n  return (cents / 100).toFixed(2);\n}\n',
  'test/billing/invoice.test.ts': "import { computeInvoiceTax } from '../../src/billing/invoice';\ntest('tax', () => expect(computeInvoiceTax(10)).toBe(2));\n",
  'docs/billing.md': '# Billing\n\nHow invoices are computed.\n',
  'scripts/release': '#!/usr/bin/env bash\nset -e\npublish_release() {\n  echo release\n}\n',
  'deploy/app.yaml': 'services:\n  invoice_api:\n    image: x\n',
  // Someone else's code and generated files: never ranked, never a definition.
  'node_modules/money-lib/index.js': 'export function computeInvoiceTax(a) { return a; }\nexport function pickCarrier() {}\n',
  'dist/bundle.js': 'export function computeInvoiceTax(a) { return a; }\n',
  'package-lock.json': '{ "computeInvoiceTax": "carrier invoice" }\n',
  'assets/logo.png': '\u0089PNG\r\n\u001a\n\u0000\u0000computeInvoiceTax carrier',
};

function issue(title: string, body = ''): Issue {
  return { owner: 'acme', repo: 'shop', number: 7, title, body, labels: [], author: 'someone', url: 'https://github.com/acme/shop/issues/7', comments: [] };
}

let repo: SampleRepo;
const mapper = new GitRepoMapper();
const paths = (ranked: Array<{ path: string }>) => ranked.map((r) => r.path);

beforeAll(() => {
  repo = createSampleRepo(FILES, { executable: ['scripts/release'] });
  // A tracked symlink to a file outside the repository must never be read.
  const outside = path.join(mkdtempSync(path.join(os.tmpdir(), 'rig-outside-')), 'secret.ts');
  writeFileSync(outside, 'export function outsideSecretFunction() {}\n');
  symlinkSync(outside, path.join(repo.work, 'src/linked.ts'));
  repo.git('add', 'src/linked.ts');
  repo.git('commit', '--quiet', '-m', 'link');
});

describe('ranking on a small repository', () => {
  it('puts a mentioned path first, above a file defining a quoted identifier', async () => {
    const ctx = await mapper.build(repo.work, issue('Labels are cut short', 'In src/shipping/label-printer.ts the text is cut; `computeInvoiceTax` is fine.'), { budgetTokens: 4000 });
    expect(paths(ctx.ranked).slice(0, 2)).toEqual(['src/shipping/label-printer.ts', 'src/billing/invoice.ts']);
    expect(ctx.ranked[0]!.reasons).toContain('path mentioned: src/shipping/label-printer.ts');
    expect(ctx.ranked[1]!.reasons).toContain('defines computeInvoiceTax');
    expect(ctx.ranked[0]!.score).toBeGreaterThan(2 * ctx.ranked[1]!.score);
  });

  it('ranks the definer of an identifier above its users, and its test just below it', async () => {
    const ctx = await mapper.build(repo.work, issue('computeInvoiceTax rounds the wrong way'), { budgetTokens: 4000 });
    const order = paths(ctx.ranked);
    expect(order[0]).toBe('src/billing/invoice.ts');
    const test = ctx.ranked.find((r) => r.path === 'test/billing/invoice.test.ts')!;
    expect(test.reasons).toContain('tests src/billing/invoice.ts');
    expect(test.score).toBeLessThan(ctx.ranked[0]!.score);
    expect(order.indexOf('test/billing/invoice.test.ts')).toBeLessThan(order.indexOf('src/billing/tax-rules.ts'));
    expect(ctx.ranked.find((r) => r.path === 'src/billing/tax-rules.ts')!.reasons.join(' ')).toMatch(/uses computeInvoiceTax ×2/);
  });

  it('ranks by plain words when the issue names no code', async () => {
    const ctx = await mapper.build(repo.work, issue('Choosing a carrier for heavy parcels is wrong'), { budgetTokens: 4000 });
    expect(ctx.ranked[0]!.path).toBe('src/shipping/carrier.ts');
    expect(ctx.ranked[0]!.reasons).toContain('word "carrier" in file name');
  });

  it('finds a file from a deployment path in a stack trace', async () => {
    const ctx = await mapper.build(repo.work, issue('Crash', 'Error: boom\n    at pick (/srv/app/current/src/shipping/carrier.ts:2:10)'), { budgetTokens: 4000 });
    expect(ctx.ranked[0]!.path).toBe('src/shipping/carrier.ts');
  });

  it('never ranks or reads vendored, generated, lock, binary or symlinked files', async () => {
    const ctx = await mapper.build(repo.work, issue('computeInvoiceTax and pickCarrier and outsideSecretFunction', 'carrier invoice money bundle logo'), { budgetTokens: 8000 });
    const ranked = paths(ctx.ranked);
    for (const excluded of ['node_modules/money-lib/index.js', 'dist/bundle.js', 'package-lock.json', 'assets/logo.png', 'src/linked.ts']) {
      expect(ranked).not.toContain(excluded);
    }
    expect(ctx.map).not.toContain('outsideSecretFunction');
    expect(ctx.map).toContain('node_modules/ (1 file, vendored or generated)');
    expect(ctx.totalFiles).toBe(Object.keys(FILES).length + 1);
  });

  it('shows the ranked files with their definitions first, the remaining files after', async () => {
    const ctx = await mapper.build(repo.work, issue('`publish_release` fails'), { budgetTokens: 4000 });
    const lines = ctx.map.split('\n');
    const ranked = lines.indexOf('## Most relevant files');
    const rest = lines.indexOf('## Other files by directory');
    expect(ranked).toBeGreaterThan(0);
    expect(rest).toBeGreaterThan(ranked);
    expect(lines[ranked + 1]).toMatch(/^scripts\/release {2}\(defines publish_release/);
    expect(lines[ranked + 2]).toBe('  3 function publish_release');
    expect(lines.slice(rest).join('\n')).toContain('src/billing/ invoice.ts, tax-rules.ts');
    expect(lines.slice(rest).join('\n')).not.toMatch(/^scripts\/ release/m);
  });
});

describe('budget and bounds', () => {
  it('keeps the map within every budget and reports its estimate', async () => {
    for (const budget of [100, 150, 250, 400, 1000, 3000]) {
      const ctx = await mapper.build(repo.work, issue('computeInvoiceTax carrier label', 'src/util/format.ts'), { budgetTokens: budget });
      expect(ctx.tokens).toBeLessThanOrEqual(budget);
      expect(ctx.tokens).toBe(estimateTokens(ctx.map));
      expect(ctx.map.length).toBeGreaterThan(0);
    }
  });

  it('refuses a budget too small to say anything', async () => {
    await expect(mapper.build(repo.work, issue('x'), { budgetTokens: 10 })).rejects.toThrow(RangeError);
    await expect(mapper.build(repo.work, issue('x'), { budgetTokens: 1000.5 })).rejects.toThrow(/whole number/);
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(mapper.build(repo.work, issue('carrier'), { budgetTokens: 1000, signal: controller.signal })).rejects.toBeInstanceOf(MapAbortedError);
  });

  it('says so when a limit cut the work short', async () => {
    const tight = new GitRepoMapper({ grepMaxHits: 1, maxFileBytes: 60 });
    const ctx = await tight.build(repo.work, issue('computeInvoiceTax'), { budgetTokens: 2000 });
    expect(ctx.map).toMatch(/# Note: the text search was cut short/);
    // invoice.ts is larger than 60 bytes: listed, but its definitions were not read.
    expect(ctx.map).not.toContain('class InvoiceService');
    expect(ctx.map).toContain('invoice.ts');
  });

  it('explains a directory that is not a git working tree', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rig-not-git-'));
    await expect(mapper.build(dir, issue('x'), { budgetTokens: 1000 })).rejects.toThrow(/not a git working tree/);
  });
});
