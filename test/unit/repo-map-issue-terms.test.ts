import { describe, expect, it } from 'vitest';
import { identifiersIn, issueTerms, normalisePath } from '../../src/adapters/context/issue-terms';
import { estimateTokens } from '../../src/adapters/context/tokens';
import { contentWords, splitIdentifier, stem } from '../../src/adapters/context/words';

const issue = (title: string, body = '', comments: string[] = []) => ({ title, body, comments: comments.map((c) => ({ author: 'a', body: c })) });

describe('words', () => {
  it('splits identifiers of every casing into lower-case parts', () => {
    expect(splitIdentifier('GitRepoMapper')).toEqual(['git', 'repo', 'mapper']);
    expect(splitIdentifier('parse_config_V2')).toEqual(['parse', 'config', 'v', '2']);
    expect(splitIdentifier('HTTPServerError')).toEqual(['http', 'server', 'error']);
    expect(splitIdentifier('repo-map.test.ts')).toEqual(['repo', 'map', 'test', 'ts']);
    expect(splitIdentifier('sha256sum')).toEqual(['sha', '256', 'sum']);
    expect(splitIdentifier('__init__')).toEqual(['init']);
  });

  it('stems plurals and verb endings lightly', () => {
    expect(stem('tokens')).toBe('token');
    expect(stem('mapping')).toBe('map');
    expect(stem('ranked')).toBe('rank');
    expect(stem('libraries')).toBe('library');
    expect(stem('classes')).toBe('class');
    expect(stem('status')).toBe('status');
    expect(stem('process')).toBe('process');
    expect(stem('processes')).toBe('process');
    expect(new Set(['ignore', 'ignored', 'ignoring', 'ignores'].map(stem)).size).toBe(1);
    expect(new Set(['cache', 'cached', 'caching', 'caches'].map(stem)).size).toBe(1);
    expect(stem('added')).toBe(stem('add'));
    expect(stem('called')).toBe(stem('call'));
  });

  it('drops stop words, short parts and numbers', () => {
    expect(contentWords('Please fix the bug in the token budget of 8000')).toEqual(['token', 'budget']);
  });
});

describe('issue terms', () => {
  it('keeps paths, file names and directories, cleaned of line numbers and diff prefixes', () => {
    const t = issueTerms(
      issue('Crash in src/adapters/git/git-cli.ts:42:7', 'See ./scripts/demo.ts and README.md, also a/src/core/engine.ts in the diff, the `test/unit/` folder, and the Dockerfile. Version 1.2.3, e.g. this.'),
    );
    expect(t.paths).toEqual(expect.arrayContaining(['src/adapters/git/git-cli.ts', 'scripts/demo.ts', 'README.md', 'src/core/engine.ts', 'test/unit/', 'Dockerfile']));
    expect(t.paths).not.toContain('1.2.3');
    expect(t.paths.some((p) => /^e\.g/.test(p))).toBe(false);
  });

  it('reads file paths out of repository links and stack traces', () => {
    const t = issueTerms(
      issue('Wrong total', 'https://github.com/acme/shop/blob/main/src/billing/tax.ts#L10-L20 and https://example.com/docs\n  File "/srv/app/services/billing/invoice.py", line 42, in total\n    at render (web/src/cart/Cart.tsx:12:5)'),
    );
    expect(t.paths).toEqual(expect.arrayContaining(['src/billing/tax.ts', 'srv/app/services/billing/invoice.py', 'web/src/cart/Cart.tsx']));
    expect(t.paths.some((p) => p.includes('example.com'))).toBe(false);
  });

  it('finds identifiers: quoted, camelCase, snake_case, kebab-case file names, calls', () => {
    expect(identifiersIn('The `estimate` helper and buildRepoMap call parse_config(); see repo-map and MAX_FILES. Call render() now.')).toEqual(
      expect.arrayContaining(['estimate', 'buildRepoMap', 'parse_config', 'repo-map', 'MAX_FILES', 'render']),
    );
    // Prose compounds are not identifiers.
    const prose = identifiersIn('A follow-up end-to-end run of the read-only mode. Plain Words Here.');
    expect(prose).toEqual([]);
  });

  it('weighs title words twice and reads comments', () => {
    const t = issueTerms(issue('Token budget ignored', 'the budget is exceeded', ['mapper output too long']));
    expect(t.words.get('token')).toBe(2);
    expect(t.words.get('budget')).toBe(3);
    expect(t.words.get('mapper')).toBe(1);
    expect(t.words.has('the')).toBe(false);
    expect(t.words.get(stem('ignore'))).toBe(2);
    expect(t.surfaces.get('token')).toEqual(new Set(['token']));
  });

  it('ignores what a reader of the issue cannot see', () => {
    const t = issueTerms(issue('Slow map', '<!-- hiddenSecretName src/secret.ts -->visible\u200Bword'));
    expect(t.identifiers).not.toContain('hiddenSecretName');
    expect(t.paths).not.toContain('src/secret.ts');
    expect(t.words.has('visibleword')).toBe(true);
  });

  it('caps how much it keeps', () => {
    const many = Array.from({ length: 500 }, (_, i) => `fooBar${i} word${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26) % 26)}x src/f${i}.ts`).join(' ');
    const t = issueTerms(issue('many', many));
    expect(t.identifiers.length).toBeLessThanOrEqual(40);
    expect(t.words.size).toBeLessThanOrEqual(60);
    expect(t.paths.length).toBeLessThanOrEqual(40);
  });

  it('normalises path tokens', () => {
    expect(normalisePath('src/a.ts:12')).toBe('src/a.ts');
    expect(normalisePath('./x/y.py,')).toBe('x/y.py');
    expect(normalisePath('b/src/z.go')).toBe('src/z.go');
    expect(normalisePath('../../etc/passwd')).toBeNull();
    expect(normalisePath('2.0.1')).toBeNull();
  });
});

describe('token estimate', () => {
  it('counts code and paths denser than prose, and grows with the text', () => {
    const prose = 'The planner reads this map first and chooses the files it wants to change.';
    const code = 'src/adapters/context/git-repo-mapper.ts:42 buildRepoMap(); {x: 1}';
    expect(estimateTokens(prose)).toBeGreaterThanOrEqual(14);
    expect(estimateTokens(prose)).toBeLessThanOrEqual(20);
    expect(estimateTokens(code) / code.length).toBeGreaterThan(estimateTokens(prose) / prose.length);
    expect(estimateTokens(prose + '\n' + prose)).toBeGreaterThan(estimateTokens(prose));
    expect(estimateTokens('')).toBe(0);
  });
});
