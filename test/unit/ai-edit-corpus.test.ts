// Every case of test/fixtures/edit-corpus through WorktreeFiles on a real directory: tolerant
// matching must apply what should apply, byte for byte, refuse what should be refused with the
// expected reason, and never leave a file that is neither the original nor the expected one.
import { afterAll, describe, expect, it } from 'vitest';
import { loadCorpus, reportTable, runCase, runCorpus, tally, type CaseResult } from '../helpers/edit-corpus';

const corpus = loadCorpus();
const tolerant: CaseResult[] = [];
let exactOnly: CaseResult[] = [];

describe('edit corpus', () => {
  it('is large and varied enough to mean something', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(60);
    expect(new Set(corpus.map((c) => c.group)).size).toBeGreaterThanOrEqual(8);
    expect(corpus.filter((c) => c.expect.outcome === 'refused').length).toBeGreaterThanOrEqual(15);
    const names = corpus.map((c) => `${c.group}/${c.name}`);
    expect(names.length - new Set(names).size).toBe(0);
  });

  describe.each([...new Set(corpus.map((c) => c.group))])('%s', (group) => {
    it.each(corpus.filter((c) => c.group === group).map((c) => [c.name, c] as const))('%s', async (_name, c) => {
      const result = await runCase(c, { tolerant: true });
      tolerant.push(result);
      if (c.expect.outcome === 'applied') {
        expect(result.message, 'the edit should have been applied').not.toMatch(/^No replacement was performed/);
        expect(result.isError).toBe(false);
        expect(JSON.stringify(result.fileAfter)).toBe(JSON.stringify(c.expect.file));
      } else {
        expect(result.isError, `should have been refused, but: ${result.message}`).toBe(true);
        expect(result.message).toContain(c.expect.error);
        expect(result.fileAfter).toBe(c.original);
      }
      expect(result.verdict).not.toBe('corrupted');
    });
  });

  it('applies strictly more of the should-apply cases than exact matching alone, and corrupts nothing', async () => {
    exactOnly = await runCorpus(corpus, { tolerant: false });
    const baseline = tally(exactOnly);
    const withTolerance = tally(await runCorpus(corpus, { tolerant: true }));
    expect(withTolerance.corrupted).toBe(0);
    expect(withTolerance.applied).toBe(withTolerance.shouldApply);
    expect(withTolerance.refused).toBe(withTolerance.shouldRefuse);
    expect(withTolerance.applied).toBeGreaterThan(baseline.applied);
  });
});

afterAll(() => {
  if (tolerant.length !== corpus.length || exactOnly.length !== corpus.length) return;
  const t = tally(tolerant);
  const share = (part: number, whole: number) => `${((100 * part) / whole).toFixed(1)}%`;
  process.stdout.write(
    `\nedit corpus, tolerant: ${t.cases} cases; applied correctly ${t.applied}/${t.shouldApply} (${share(t.applied, t.shouldApply)}), ` +
      `refused correctly ${t.refused}/${t.shouldRefuse} (${share(t.refused, t.shouldRefuse)}), corrupted ${t.corrupted}\n`,
  );
  process.stdout.write(`${reportTable(exactOnly, tolerant)}\n`);
});
