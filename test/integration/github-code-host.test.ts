import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GitHubCodeHost, GitHubError } from '../../src/adapters/github/github-code-host';
import { createGitHubClient, type GitHubClientOptions } from '../../src/adapters/github/octokit-client';
import { startGitHubFake, type GitHubFake } from '../../src/fakes/github-fake-server';

const TOKEN = 'ghp_testtokenAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
const REF = { owner: 'octo', repo: 'shop', number: 1 };
const PR_DRAFT = { title: 'Fix the cart', body: 'Closes #1', head: 'rig/issue-1', base: 'main', draft: true };

let gitRoot: string;
let originGitDir: string;
let fake: GitHubFake;
let logs: string[];

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
}

beforeAll(() => {
  // A real bare repository as origin: main, and rig/issue-1 one commit ahead of it.
  gitRoot = mkdtempSync(join(tmpdir(), 'rig-gh-'));
  const work = join(gitRoot, 'work');
  git(gitRoot, 'init', '-q', '-b', 'main', work);
  writeFileSync(join(work, 'cart.js'), 'module.exports = 1;\n');
  git(work, 'add', '.');
  git(work, 'commit', '-q', '-m', 'start');
  git(work, 'checkout', '-q', '-b', 'rig/issue-1');
  writeFileSync(join(work, 'cart.js'), 'module.exports = 2;\n');
  git(work, 'commit', '-q', '-am', 'fix');
  originGitDir = join(gitRoot, 'origin.git');
  git(gitRoot, 'clone', '-q', '--bare', work, originGitDir);
});

afterAll(() => rmSync(gitRoot, { recursive: true, force: true }));

beforeEach(async () => {
  logs = [];
  fake = await startGitHubFake({
    token: TOKEN,
    viewer: 'rig-bot',
    repos: [
      {
        owner: 'octo',
        name: 'shop',
        gitDir: originGitDir,
        roles: { alice: 'write' },
        issues: [
          {
            number: 1,
            title: 'Cart total is wrong',
            body: 'Adding two items shows the price of one.',
            labels: ['bug', 'rig'],
            author: 'alice',
            comments: Array.from({ length: 75 }, (_, i) => ({ author: i % 2 ? 'alice' : 'bob', body: `comment ${i + 1}` })),
          },
          { number: 2, title: 'No description', body: null, author: 'bob' },
        ],
        pulls: [{ number: 3, title: 'Earlier work', head: 'feature/x', author: 'alice' }],
      },
      { owner: 'octo', name: 'secret', private: true, issues: [{ number: 1, title: 'Hidden' }] },
    ],
  });
});

afterEach(async () => {
  await fake.close();
  // Whatever happened in the test, the token never reached a log line.
  for (const line of logs) expect(line).not.toContain(TOKEN);
});

function codeHost(options: Partial<GitHubClientOptions> = {}): GitHubCodeHost {
  const client = createGitHubClient({
    token: TOKEN,
    baseUrl: fake.url,
    userAgent: 'rig-test',
    // A "retry after 1 s" becomes 2 ms.
    waitScale: 0.002,
    log: (level, message) => logs.push(`${level} ${message}`),
    ...options,
  });
  return new GitHubCodeHost(client, { pageSize: 30 });
}

async function failure(promise: Promise<unknown>): Promise<GitHubError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, 'expected the call to fail').toBeInstanceOf(GitHubError);
  // Not in the message, not in the cause chain (octokit keeps the request there).
  expect(inspect(error, { depth: 12 })).not.toContain(TOKEN);
  return error as GitHubError;
}

describe('getIssue', () => {
  it('reads the issue and every comment, page after page', async () => {
    const issue = await codeHost().getIssue(REF);
    expect(issue).toMatchObject({
      owner: 'octo',
      repo: 'shop',
      number: 1,
      title: 'Cart total is wrong',
      body: 'Adding two items shows the price of one.',
      labels: ['bug', 'rig'],
      author: 'alice',
      url: 'https://github.com/octo/shop/issues/1',
    });
    expect(issue.comments).toHaveLength(75);
    expect(issue.comments[0]).toEqual({ author: 'bob', body: 'comment 1' });
    expect(issue.comments[74]).toEqual({ author: 'bob', body: 'comment 75' });
    const pages = fake.requestsTo('GET', '/repos/octo/shop/issues/1/comments');
    expect(pages.map((r) => [r.query.per_page, r.query.page ?? '1'])).toEqual([
      ['30', '1'],
      ['30', '2'],
      ['30', '3'],
    ]);
    expect(pages.every((r) => r.auth !== 'none')).toBe(true);
  });

  it('turns a missing body into an empty string', async () => {
    const issue = await codeHost().getIssue({ ...REF, number: 2 });
    expect(issue.body).toBe('');
    expect(issue.comments).toEqual([]);
  });

  it('refuses a pull request number', async () => {
    const error = await failure(codeHost().getIssue({ ...REF, number: 3 }));
    expect(error.message).toMatch(/octo\/shop#3 is a pull request, not an issue/);
    expect(fake.requestsTo('GET', '/repos/octo/shop/issues/3/comments')).toHaveLength(0);
  });

  it('says the token was rejected on 401, without the token', async () => {
    const error = await failure(codeHost({ token: 'ghp_wrongwrongwrongwrongwrongwrongwrong1' }).getIssue(REF));
    expect(error.status).toBe(401);
    expect(error.message).toMatch(/^GitHub rejected the token \(401 Bad credentials\) while reading issue octo\/shop#1/);
    expect(error.message).not.toContain('ghp_wrong');
    expect(fake.requestsTo('GET', '/repos/octo/shop/issues/1')).toHaveLength(1);
  });

  it('tells a missing issue from a repository it cannot see (404)', async () => {
    const missingIssue = await failure(codeHost().getIssue({ ...REF, number: 999 }));
    expect(missingIssue.status).toBe(404);
    expect(missingIssue.message).toMatch(/Issue #999 does not exist in octo\/shop/);

    const missingRepo = await failure(codeHost().getIssue({ owner: 'octo', repo: 'nope', number: 1 }));
    expect(missingRepo.message).toMatch(/repository octo\/nope was not found on GitHub, or the token cannot see it/);

    // Without a token a private repository is invisible, exactly like one that does not exist.
    const hidden = await failure(codeHost({ token: undefined }).getIssue({ owner: 'octo', repo: 'secret', number: 1 }));
    expect(hidden.message).toMatch(/repository octo\/secret was not found on GitHub, or the token cannot see it/);
  });

  it('retries a 502 and then succeeds', async () => {
    fake.inject({ method: 'GET', path: '/repos/octo/shop/issues/1', times: 2, fault: { type: 'status', status: 502 } });
    const issue = await codeHost().getIssue(REF);
    expect(issue.title).toBe('Cart total is wrong');
    expect(fake.requestsTo('GET', '/repos/octo/shop/issues/1')).toHaveLength(3);
  });

  it('gives up on a 5xx that does not go away, saying so', async () => {
    fake.inject({ method: 'GET', path: '/repos/octo/shop/issues/1', times: 10, fault: { type: 'status', status: 503 } });
    const error = await failure(codeHost({ retries: 2 }).getIssue(REF));
    expect(error.status).toBe(503);
    expect(error.message).toMatch(/GitHub failed \(503 Service Unavailable\) while reading issue octo\/shop#1, even after retries/);
    expect(fake.requestsTo('GET', '/repos/octo/shop/issues/1')).toHaveLength(3);
  });

  it('never retries a 403 that is not a rate limit', async () => {
    fake.inject({
      method: 'GET',
      path: '/repos/octo/shop/issues/1',
      fault: { type: 'status', status: 403, body: { message: 'Resource not accessible by personal access token', documentation_url: 'https://docs.github.com/rest' } },
    });
    const error = await failure(codeHost().getIssue(REF));
    expect(error.message).toMatch(/403 Resource not accessible by personal access token.*lacks permission on octo\/shop/);
    expect(fake.requestsTo('GET', '/repos/octo/shop/issues/1')).toHaveLength(1);
  });

  it.each([403, 429] as const)('waits out a short secondary rate limit (%i with retry-after) and succeeds', async (status) => {
    fake.inject({ method: 'GET', path: '/repos/octo/shop/issues/1', fault: { type: 'secondary_rate_limit', status, retryAfterSeconds: 2 } });
    const issue = await codeHost().getIssue(REF);
    expect(issue.number).toBe(1);
    expect(fake.requestsTo('GET', '/repos/octo/shop/issues/1')).toHaveLength(2);
    expect(logs.some((l) => /^warn GitHub secondary rate limit .*retrying in 2 s/.test(l))).toBe(true);
  });

  it('does not sleep through a long secondary rate limit, and says when to try again', async () => {
    fake.inject({ method: 'GET', path: '/repos/octo/shop/issues/1', fault: { type: 'secondary_rate_limit', retryAfterSeconds: 3600 } });
    const started = Date.now();
    const error = await failure(codeHost({ waitScale: 1 }).getIssue(REF));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error.status).toBe(403);
    expect(error.message).toMatch(/GitHub secondary rate limit \(403\) on GET \/repos\/octo\/shop\/issues\/1: GitHub asks to wait 3600 s, until \d{4}-\d\d-\d\dT/);
    expect(fake.requestsTo('GET', '/repos/octo/shop/issues/1')).toHaveLength(1);
  });

  it('waits for a primary limit that resets soon, but not for one an hour away', async () => {
    fake.inject({ method: 'GET', path: '/repos/octo/shop/issues/1', fault: { type: 'primary_rate_limit', resetInSeconds: 1 } });
    expect((await codeHost().getIssue(REF)).number).toBe(1);

    fake.inject({ method: 'GET', path: '/repos/octo/shop/issues/1', fault: { type: 'primary_rate_limit', resetInSeconds: 3000 } });
    const error = await failure(codeHost().getIssue(REF));
    expect(error.message).toMatch(/GitHub API rate limit exhausted \(5000 of 5000 requests used\) on GET \/repos\/octo\/shop\/issues\/1; it resets at \d{4}-.*in about 50 min/);
  });

  it('gives up on a GitHub that does not answer, naming the timeout', async () => {
    fake.inject({ method: 'GET', path: '/repos/octo/shop/issues/1', fault: { type: 'stall' } });
    const error = await failure(codeHost({ timeoutMs: 300, retries: 0 }).getIssue(REF));
    expect(error.status).toBeNull();
    expect(error.message).toMatch(/Could not reach GitHub while reading issue octo\/shop#1: .*timeout/i);
  });
});

describe('pull requests', () => {
  it('finds the open pull request of a branch, and nothing for other branches', async () => {
    const host = codeHost();
    expect(await host.findPullRequest(REF, 'feature/x')).toEqual({ number: 3, url: 'https://github.com/octo/shop/pull/3', draft: false });
    expect(await host.findPullRequest(REF, 'feature')).toBeNull();
    expect(fake.requestsTo('GET', '/repos/octo/shop/pulls')[0]!.query).toMatchObject({ state: 'open', head: 'octo:feature/x' });
  });

  it('opens a draft pull request from a pushed branch', async () => {
    const pr = await codeHost().createPullRequest(REF, PR_DRAFT);
    expect(pr).toEqual({ number: 4, url: 'https://github.com/octo/shop/pull/4', draft: true });
    expect(fake.pullRequests('octo/shop').find((p) => p.number === 4)).toMatchObject({ head: 'rig/issue-1', base: 'main', draft: true, author: 'rig-bot', body: 'Closes #1' });
  });

  it('says so when the branch was never pushed (422 head invalid)', async () => {
    const error = await failure(codeHost().createPullRequest(REF, { ...PR_DRAFT, head: 'rig/issue-404' }));
    expect(error.status).toBe(422);
    expect(error.message).toMatch(/422 Validation Failed: branch "rig\/issue-404" does not exist on GitHub \(was it pushed\?\)/);
    expect(fake.requestsTo('POST', '/repos/octo/shop/pulls')).toHaveLength(1);
  });

  it('returns the pull request that already exists instead of failing (422 already exists)', async () => {
    const host = codeHost();
    const first = await host.createPullRequest(REF, PR_DRAFT);
    const again = await host.createPullRequest(REF, { ...PR_DRAFT, title: 'Second try' });
    expect(again).toEqual(first);
    expect(fake.pullRequests('octo/shop').filter((p) => p.head === 'rig/issue-1')).toHaveLength(1);
  });

  it('recovers a creation whose answer was lost: one pull request, found again', async () => {
    fake.inject({ method: 'POST', path: '/repos/octo/shop/pulls', fault: { type: 'lose_answer' } });
    const pr = await codeHost().createPullRequest(REF, PR_DRAFT);
    expect(pr.number).toBe(4);
    // The client retried the POST; GitHub (the fake) said it exists; the existing one was returned.
    expect(fake.requestsTo('POST', '/repos/octo/shop/pulls')).toHaveLength(2);
    expect(fake.pullRequests('octo/shop').filter((p) => p.head === 'rig/issue-1')).toHaveLength(1);
  });

  it('lets the caller carry on after a lost answer it was told about', async () => {
    fake.inject({ method: 'POST', path: '/repos/octo/shop/pulls', fault: { type: 'lose_answer' } });
    const host = codeHost({ retries: 0 });
    const lost = await failure(host.createPullRequest(REF, PR_DRAFT));
    expect(lost.status).toBeNull();
    expect(lost.message).toMatch(/Could not reach GitHub while opening a pull request from "rig\/issue-1" into "main" in octo\/shop/);
    const pr = await host.createPullRequest(REF, PR_DRAFT);
    expect(pr).toEqual({ number: 4, url: 'https://github.com/octo/shop/pull/4', draft: true });
    expect(fake.pullRequests('octo/shop').filter((p) => p.head === 'rig/issue-1')).toHaveLength(1);
  });

  it('updates the title and body', async () => {
    const host = codeHost();
    await host.updatePullRequest(REF, 3, { title: 'Better title', body: 'Now with a report' });
    expect(fake.pullRequests('octo/shop').find((p) => p.number === 3)).toMatchObject({ title: 'Better title', body: 'Now with a report' });
    const missing = await failure(host.updatePullRequest(REF, 77, { title: 'x' }));
    expect(missing.message).toMatch(/Not found \(404\) while updating pull request #77 in octo\/shop/);
  });
});

describe('comments', () => {
  it('creates a comment and edits it in place', async () => {
    const host = codeHost();
    const id = await host.createComment(REF, 'Rig is working on this');
    await host.updateComment(REF, id, 'Rig opened a pull request');
    const mine = fake.comments('octo/shop', 1).filter((c) => c.author === 'rig-bot');
    expect(mine).toEqual([{ id, author: 'rig-bot', body: 'Rig opened a pull request' }]);
  });

  it('explains a write without a token', async () => {
    const error = await failure(codeHost({ token: undefined }).createComment(REF, 'hello'));
    expect(error.message).toMatch(/GitHub requires a token \(401 Requires authentication\) while commenting on octo\/shop#1; set source.token/);
  });

  it('passes on what GitHub found wrong with a comment (422), without retrying', async () => {
    const error = await failure(codeHost().createComment(REF, 'x'.repeat(70_000)));
    expect(error.message).toMatch(/422 Validation Failed: body is too long \(maximum is 65536 characters\)/);
    expect(fake.requestsTo('POST', '/repos/octo/shop/issues/1/comments')).toHaveLength(1);
  });
});

describe('createGitHubClient', () => {
  it('refuses bad options with a clear message that never quotes the token', () => {
    const base = { baseUrl: 'https://api.github.com', userAgent: 'rig-test' };
    expect(() => createGitHubClient({ ...base, baseUrl: 'api.github.com' })).toThrow(/is not a URL/);
    expect(() => createGitHubClient({ ...base, baseUrl: `https://x:${TOKEN}@ghe.test/api/v3` })).toThrow(/must not contain credentials/);
    expect(() => createGitHubClient({ ...base, baseUrl: `https://x:${TOKEN}@ghe.test/api/v3` })).not.toThrow(new RegExp(TOKEN));
    expect(() => createGitHubClient({ ...base, token: 'ghp_abc def' })).toThrow(/token contains whitespace/);
    expect(() => createGitHubClient({ ...base, token: 'ghp_abc def' })).not.toThrow(/abc/);
    expect(() => createGitHubClient({ ...base, userAgent: '' })).toThrow(/userAgent/);
  });

  it('trims a token read with its trailing newline', async () => {
    const issue = await codeHost({ token: `${TOKEN}\n` }).getIssue({ ...REF, number: 2 });
    expect(issue.title).toBe('No description');
  });
});

describe('pacing', () => {
  it('leaves GitHub\'s recommended gap between writes that notify people', async () => {
    const host = codeHost({ waitScale: 0.1 });
    const started = Date.now();
    await host.createComment(REF, 'one');
    await host.createComment(REF, 'two');
    // 3 s between notifying writes, scaled by 0.1; unpaced, the two take a few milliseconds.
    expect(Date.now() - started).toBeGreaterThanOrEqual(295);
    expect(fake.comments('octo/shop', 1).slice(-2).map((c) => c.body)).toEqual(['one', 'two']);
  });
});
