import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitHubCodeHost } from '../../src/adapters/github/github-code-host';
import { createGitHubClient } from '../../src/adapters/github/octokit-client';
import { startGitHubFake, type GitHubFake } from '../../src/fakes/github-fake-server';

let fake: GitHubFake;
let host: GitHubCodeHost;
beforeAll(async () => {
  fake = await startGitHubFake({
    token: 'ghp_permissionstest000000000000000000000',
    repos: [
      {
        owner: 'acme',
        name: 'shop',
        roles: { writer: 'write', reader: 'read', keeper: 'maintain' },
        issues: [
          { title: 'one', labels: ['rig'] },
          { title: 'two', labels: ['bug'] },
          { title: 'three', labels: ['rig', 'bug'] },
          { title: 'closed', labels: ['rig'], state: 'closed' },
        ],
        pulls: [{ title: 'a PR', head: 'feature' }],
      },
    ],
  });
  host = new GitHubCodeHost(createGitHubClient({ token: 'ghp_permissionstest000000000000000000000', baseUrl: fake.url, userAgent: 'rig-test', waitScale: 0.001 }), { pageSize: 2 });
});
afterAll(() => fake.close());

describe('GitHubCodeHost for triggers', () => {
  it("reads a user's role; a stranger can only read a public repository", async () => {
    const repo = { owner: 'acme', repo: 'shop' };
    expect(await host.permissionOf(repo, 'writer')).toBe('write');
    expect(await host.permissionOf(repo, 'keeper')).toBe('maintain');
    expect(await host.permissionOf(repo, 'reader')).toBe('read');
    expect(await host.permissionOf(repo, 'acme')).toBe('admin');
    expect(await host.permissionOf(repo, 'stranger')).toBe('read');
  });

  it('lists open issues with every given label, across pages, without pull requests', async () => {
    const repo = { owner: 'acme', repo: 'shop' };
    expect((await host.listOpenIssues(repo, ['rig'])).map((i) => i.title).sort()).toEqual(['one', 'three']);
    expect((await host.listOpenIssues(repo, ['rig', 'bug'])).map((i) => i.title)).toEqual(['three']);
    expect((await host.listOpenIssues(repo, [])).map((i) => i.title).sort()).toEqual(['one', 'three', 'two']);
  });
});
