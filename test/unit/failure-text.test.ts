import { describe, expect, it } from 'vitest';
import { trimOutput } from '../../src/core/failure-text';

describe('trimOutput', () => {
  it('returns short output unchanged', () => {
    expect(trimOutput('ok\nfine', 100)).toBe('ok\nfine');
  });

  it('keeps failure lines from the middle and the tail of a long log', () => {
    const lines = Array.from({ length: 2000 }, (_, i) => `line ${i} all good`);
    lines[700] = 'AssertionError: expected 3 to equal 4';
    const out = trimOutput(lines.join('\n'), 4000);
    expect(out.length).toBeLessThanOrEqual(4100);
    expect(out).toContain('AssertionError: expected 3 to equal 4');
    expect(out).toContain('line 1999 all good');
    expect(out).toContain('lines omitted');
    expect(out).not.toContain('line 5 all good');
  });
});
