import { describe, expect, it } from 'vitest';
import { chooseApiBaseUrl, defaultApiBaseUrl, parseIssueRef } from '../../src/adapters/github/issue-url';

describe('parseIssueRef', () => {
  it.each([
    ['https://github.com/octo/hello-world/issues/42', { owner: 'octo', repo: 'hello-world', number: 42, host: 'github.com' }],
    ['https://github.com/octo/hello-world/issues/42/', { owner: 'octo', repo: 'hello-world', number: 42, host: 'github.com' }],
    ['https://github.com/octo/hello-world/issues/42#issuecomment-1', { owner: 'octo', repo: 'hello-world', number: 42, host: 'github.com' }],
    ['https://github.com/octo/hello-world/issues/42?q=is%3Aopen', { owner: 'octo', repo: 'hello-world', number: 42, host: 'github.com' }],
    ['  https://www.github.com/Octo/Repo.js/issues/7  ', { owner: 'Octo', repo: 'Repo.js', number: 7, host: 'github.com' }],
    ['https://ghe.example.com/team/svc_api/issues/7', { owner: 'team', repo: 'svc_api', number: 7, host: 'ghe.example.com' }],
    ['https://GHE.Example.com:8443/team/svc/issues/7', { owner: 'team', repo: 'svc', number: 7, host: 'ghe.example.com:8443' }],
    ['octo/hello-world#42', { owner: 'octo', repo: 'hello-world', number: 42, host: 'github.com' }],
    ['jane_acme/.dotfiles#3', { owner: 'jane_acme', repo: '.dotfiles', number: 3, host: 'github.com' }],
  ])('reads %s', (input, expected) => {
    expect(parseIssueRef(input)).toMatchObject(expected);
  });

  it('gives the web origin with its scheme, for deriving the API URL', () => {
    expect(parseIssueRef('http://ghe.local:8080/o/r/issues/1').origin).toBe('http://ghe.local:8080');
    expect(parseIssueRef('o/r#1', { defaultHost: 'ghe.example.com' })).toMatchObject({ host: 'ghe.example.com', origin: 'https://ghe.example.com' });
  });

  it.each([
    ['https://github.com/o/r/pull/42', /pull request/],
    ['https://github.com/o/r/pulls/42', /pull request/],
    ['https://github.com/o/r/issues/abc', /"abc" is not an issue number/],
    ['https://github.com/o/r/issues/0', /"0" is not an issue number/],
    ['https://github.com/o/r/issues/042', /"042" is not an issue number/],
    ['https://github.com/o/r/issues/99999999999', /not an issue number/],
    ['o/r#-1', /"-1" is not an issue number/],
    ['https://github.com/o/r/issues', /path is not/],
    ['https://github.com/o/r/issues/1/comments', /path is not/],
    ['https://github.com/o/r', /path is not/],
    ['https://github.com/-bad/r/issues/1', /"-bad" is not a valid GitHub owner/],
    ['https://github.com/bad-/r/issues/1', /"bad-" is not a valid GitHub owner/],
    [`${'a'.repeat(40)}/r#1`, /is not a valid GitHub owner/],
    ['o/..#1', /"\.\." is not a valid GitHub repository/],
    ['https://github.com/o/r%20x/issues/1', /"r x" is not a valid GitHub repository/],
    // The URL parser resolves an encoded ".." before the name check sees it; refused all the same.
    ['https://github.com/o/%2e%2e/issues/1', /path is not/],
    ['https://github.com/o/r;rm -rf/issues/1', /is not a valid GitHub repository/],
    ['javascript:alert(1)', /not a URL and not OWNER\/REPO#NUMBER/],
    ['file:///etc/passwd', /not a URL/],
    ['ftp://github.com/o/r/issues/1', /not a URL/],
    ['o/r#1\nINFO forged log line', /control characters/],
    ['', /empty/],
    ['42', /not a URL/],
    ['https://', /not a valid URL/],
  ])('refuses %j, naming what is wrong', (input, why) => {
    let error: Error | undefined;
    try {
      parseIssueRef(input);
    } catch (e) {
      error = e as Error;
    }
    expect(error, `expected ${JSON.stringify(input)} to be refused`).toBeInstanceOf(Error);
    expect(error!.message).toMatch(why);
    // Every refusal shows what a good reference looks like.
    expect(error!.message).toContain('https://github.com/OWNER/REPO/issues/NUMBER');
    expect(error!.message).toContain('OWNER/REPO#NUMBER');
  });

  it('quotes the bad input, but never credentials pasted inside it', () => {
    const secret = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789';
    expect(() => parseIssueRef(`https://x:${secret}@github.com/o/r/issues/1`)).toThrow(/credentials/);
    try {
      parseIssueRef(`https://x:${secret}@github.com/o/r/issues/1`);
    } catch (e) {
      expect((e as Error).message).not.toContain(secret);
      expect((e as Error).message).toContain('***@github.com');
    }
  });

  it('quotes a huge input shortened', () => {
    const long = `https://github.com/${'x'.repeat(3000)}`;
    expect(() => parseIssueRef(long)).toThrow(/longer than 2048/);
    try {
      parseIssueRef(long);
    } catch (e) {
      expect((e as Error).message.length).toBeLessThan(400);
    }
  });
});

describe('defaultApiBaseUrl', () => {
  it('maps github.com to api.github.com', () => {
    expect(defaultApiBaseUrl('github.com')).toBe('https://api.github.com');
    expect(defaultApiBaseUrl('https://github.com')).toBe('https://api.github.com');
  });

  it('maps an Enterprise Server host to /api/v3, keeping scheme and port', () => {
    expect(defaultApiBaseUrl('ghe.example.com')).toBe('https://ghe.example.com/api/v3');
    expect(defaultApiBaseUrl('http://ghe.local:8080')).toBe('http://ghe.local:8080/api/v3');
    expect(defaultApiBaseUrl(parseIssueRef('https://GHE.example.com/o/r/issues/1').origin)).toBe('https://ghe.example.com/api/v3');
  });

  it('maps a data-residency ghe.com subdomain to its api. host', () => {
    expect(defaultApiBaseUrl('octocorp.ghe.com')).toBe('https://api.octocorp.ghe.com');
  });

  it('refuses something that is not a host', () => {
    expect(() => defaultApiBaseUrl('ghe.example.com/some/path')).toThrow(/bare host/);
    expect(() => defaultApiBaseUrl('https://u:p@ghe.example.com')).toThrow(/bare host/);
    expect(() => defaultApiBaseUrl('https://u:p@ghe.example.com')).not.toThrow(/u:p/);
  });
});

describe('chooseApiBaseUrl', () => {
  it('prefers rig.yaml, then GITHUB_API_URL, then the host', () => {
    expect(chooseApiBaseUrl({ configured: 'https://api.example.test/', fromEnv: 'https://env.test', host: 'github.com' })).toBe('https://api.example.test');
    expect(chooseApiBaseUrl({ fromEnv: 'https://ghe.test/api/v3', host: 'github.com' })).toBe('https://ghe.test/api/v3');
    expect(chooseApiBaseUrl({ configured: '  ', host: 'ghe.test' })).toBe('https://ghe.test/api/v3');
  });

  it('refuses a URL with credentials without repeating them', () => {
    expect(() => chooseApiBaseUrl({ configured: 'https://me:hunter2hunter2@ghe.test/api/v3', host: 'x' })).toThrow(/must not contain credentials/);
    expect(() => chooseApiBaseUrl({ configured: 'not a url', host: 'x' })).toThrow(/is not a URL/);
    expect(() => chooseApiBaseUrl({ configured: 'ftp://ghe.test', host: 'x' })).toThrow(/must be http/);
  });
});
