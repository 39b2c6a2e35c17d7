// A loopback stand-in for the part of GitHub's REST API that Rig uses. It answers the way GitHub
// does (shapes, status codes, error bodies, rate-limit headers, Link pagination) so that the real
// Octokit client can be exercised end to end, and it can misbehave on request (5xx, rate limits, an
// answer lost after the work was done) so that recovery paths are tested rather than hoped for.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// ---------------------------------------------------------------- what the caller seeds

export interface FakeCommentSeed {
  author?: string;
  body: string;
}

export interface FakeIssueSeed {
  /** Defaults to the next free number; issues and pull requests share one sequence, as on GitHub. */
  number?: number;
  title: string;
  body?: string | null;
  labels?: string[];
  author?: string;
  state?: 'open' | 'closed';
  comments?: FakeCommentSeed[];
}

export interface FakePullSeed {
  number?: number;
  title: string;
  body?: string | null;
  head: string;
  base?: string;
  state?: 'open' | 'closed';
  draft?: boolean;
  author?: string;
}

export type FakeRole = 'admin' | 'maintain' | 'write' | 'triage' | 'read';

export interface FakeRepoSeed {
  owner: string;
  name: string;
  private?: boolean;
  defaultBranch?: string;
  /**
   * A bare git repository standing for the remote. When given, pull requests are refused for head
   * or base branches it does not have, exactly as GitHub refuses unpushed branches.
   */
  gitDir?: string;
  /** Collaborators and their roles; the owner is always admin. */
  roles?: Record<string, FakeRole>;
  issues?: FakeIssueSeed[];
  pulls?: FakePullSeed[];
}

export interface GitHubFakeOptions {
  repos?: FakeRepoSeed[];
  /** When set, requests must carry it (`token X` or `Bearer X`); a wrong one is answered 401. */
  token?: string;
  /** Login of the token's owner: GET /user, and the author of what clients create. */
  viewer?: string;
  port?: number;
  /** Origin of the web pages named in html_url fields. */
  webOrigin?: string;
  /** Primary rate limit of the window (default 5000 requests) and how many are left in it. */
  rateLimit?: { limit?: number; remaining?: number };
}

// ---------------------------------------------------------------- faults

export type FakeFault =
  /** Answers this status without doing anything; body defaults to GitHub's style for it. */
  | { type: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  /** GitHub's abuse protection: 403 or 429 with retry-after. */
  | { type: 'secondary_rate_limit'; status?: 403 | 429; retryAfterSeconds: number }
  /** The hourly limit used up, resetting in `resetInSeconds`. */
  | { type: 'primary_rate_limit'; resetInSeconds: number }
  /** Does the work (creates the pull request, posts the comment), then drops the connection unanswered. */
  | { type: 'lose_answer' }
  /** Never answers, until the client gives up or the fake is closed. */
  | { type: 'stall' };

export interface FaultRule {
  /** Any method when omitted. */
  method?: string;
  /** Exact path (no query) or a pattern tested against it. */
  path: string | RegExp;
  /** How many matching requests it applies to. */
  times?: number;
  fault: FakeFault;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  /** How the request authenticated; never the token itself. */
  auth: 'none' | 'token' | 'bearer';
  /** When it arrived (ms since the epoch), to check how requests are spaced. */
  at: number;
}

// ---------------------------------------------------------------- what tests and the demo read back

export interface FakeCommentView {
  id: number;
  author: string;
  body: string;
}

export interface FakePullView {
  number: number;
  title: string;
  body: string | null;
  head: string;
  base: string;
  draft: boolean;
  state: 'open' | 'closed';
  author: string;
}

export interface FakeIssueView {
  number: number;
  title: string;
  body: string | null;
  labels: string[];
  author: string;
  state: 'open' | 'closed';
  isPullRequest: boolean;
}

export interface GitHubFake {
  /** API root, e.g. http://127.0.0.1:41234 (give it to Octokit as baseUrl). */
  readonly url: string;
  readonly requests: readonly RecordedRequest[];
  requestsTo(method: string, path: string | RegExp): RecordedRequest[];
  inject(rule: FaultRule): void;
  clearFaults(): void;
  issue(repo: string, number: number): FakeIssueView | null;
  comments(repo: string, number: number): FakeCommentView[];
  pullRequests(repo: string): FakePullView[];
  addIssue(repo: string, seed: FakeIssueSeed): number;
  addComment(repo: string, number: number, seed: FakeCommentSeed): number;
  close(): Promise<void>;
}

// ---------------------------------------------------------------- internal state

interface CommentRec {
  id: number;
  issueNumber: number;
  author: string;
  body: string;
  createdAt: string;
  updatedAt: string;
}

interface PullRec {
  id: number;
  head: string;
  base: string;
  draft: boolean;
}

interface ItemRec {
  number: number;
  id: number;
  seq: number;
  title: string;
  body: string | null;
  labels: string[];
  author: string;
  state: 'open' | 'closed';
  locked: boolean;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  pull?: PullRec;
}

interface RepoRec {
  id: number;
  owner: string;
  name: string;
  private: boolean;
  defaultBranch: string;
  gitDir?: string;
  roles: Map<string, FakeRole>;
  items: Map<number, ItemRec>;
  comments: CommentRec[];
  createdAt: string;
}

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface Ctx {
  repo: RepoRec;
  params: string[];
  path: string;
  query: URLSearchParams;
  body: Record<string, unknown>;
  /** Login the request acts as; null when unauthenticated. */
  viewer: string | null;
}

const DOCS = 'https://docs.github.com/rest';
const MAX_BODY_CHARS = 65_536;
const MAX_REQUEST_BYTES = 25 * 1024 * 1024;
const GITHUB_NOT_FOUND = { message: 'Not Found', documentation_url: DOCS, status: '404' };

const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
const key = (owner: string, name: string) => `${owner}/${name}`.toLowerCase();

export async function startGitHubFake(options: GitHubFakeOptions = {}): Promise<GitHubFake> {
  const viewerLogin = options.viewer ?? 'rig-bot';
  const webOrigin = (options.webOrigin ?? 'https://github.com').replace(/\/+$/, '');
  const repos = new Map<string, RepoRec>();
  const userIds = new Map<string, number>();
  const labelIds = new Map<string, number>();
  const requests: RecordedRequest[] = [];
  const faults: Array<Required<Omit<FaultRule, 'method'>> & { method?: string }> = [];
  const stalled = new Set<ServerResponse>();
  let nextId = 1000;
  let seq = 0;
  const rate = {
    limit: options.rateLimit?.limit ?? 5000,
    used: (options.rateLimit?.limit ?? 5000) - (options.rateLimit?.remaining ?? options.rateLimit?.limit ?? 5000),
    resetAt: Math.floor(Date.now() / 1000) + 3600,
  };
  let api = '';

  const userId = (login: string) => {
    const k = login.toLowerCase();
    if (!userIds.has(k)) userIds.set(k, nextId++);
    return userIds.get(k)!;
  };

  // ------------------------------------------------------------ seeding

  function findRepo(fullName: string): RepoRec {
    const [owner, name] = fullName.split('/');
    const repo = repos.get(key(owner ?? '', name ?? ''));
    if (!repo) throw new Error(`GitHub fake has no repository ${JSON.stringify(fullName)}; seeded: ${[...repos.values()].map((r) => `${r.owner}/${r.name}`).join(', ') || 'none'}`);
    return repo;
  }

  function nextNumber(repo: RepoRec, wanted?: number): number {
    if (wanted !== undefined) {
      if (!Number.isInteger(wanted) || wanted < 1) throw new Error(`GitHub fake: issue number must be a positive integer, got ${wanted}`);
      if (repo.items.has(wanted)) throw new Error(`GitHub fake: ${repo.owner}/${repo.name} already has #${wanted}`);
      return wanted;
    }
    return Math.max(0, ...repo.items.keys()) + 1;
  }

  function addItem(repo: RepoRec, seed: FakeIssueSeed | FakePullSeed, pull?: PullRec): ItemRec {
    const time = now();
    const state = seed.state ?? 'open';
    const item: ItemRec = {
      number: nextNumber(repo, seed.number),
      id: nextId++,
      seq: seq++,
      title: seed.title,
      body: seed.body === undefined ? '' : seed.body,
      labels: 'labels' in seed ? [...(seed.labels ?? [])] : [],
      author: seed.author ?? viewerLogin,
      state,
      locked: false,
      createdAt: time,
      updatedAt: time,
      closedAt: state === 'closed' ? time : null,
      pull,
    };
    repo.items.set(item.number, item);
    return item;
  }

  function addCommentRec(repo: RepoRec, issueNumber: number, seed: FakeCommentSeed): CommentRec {
    const time = now();
    const comment: CommentRec = { id: nextId++, issueNumber, author: seed.author ?? viewerLogin, body: seed.body, createdAt: time, updatedAt: time };
    repo.comments.push(comment);
    return comment;
  }

  for (const seed of options.repos ?? []) {
    if (!/^[A-Za-z0-9-]+$/.test(seed.owner) || !/^[A-Za-z0-9._-]+$/.test(seed.name)) {
      throw new Error(`GitHub fake: invalid repository ${JSON.stringify(`${seed.owner}/${seed.name}`)}`);
    }
    const repo: RepoRec = {
      id: nextId++,
      owner: seed.owner,
      name: seed.name,
      private: seed.private ?? false,
      defaultBranch: seed.defaultBranch ?? 'main',
      gitDir: seed.gitDir,
      roles: new Map(Object.entries(seed.roles ?? {}).map(([login, role]) => [login.toLowerCase(), role])),
      items: new Map(),
      comments: [],
      createdAt: now(),
    };
    repos.set(key(seed.owner, seed.name), repo);
    for (const issue of seed.issues ?? []) {
      const item = addItem(repo, issue);
      for (const c of issue.comments ?? []) addCommentRec(repo, item.number, c);
    }
    for (const pr of seed.pulls ?? []) {
      addItem(repo, pr, { id: nextId++, head: pr.head, base: pr.base ?? repo.defaultBranch, draft: pr.draft ?? false });
    }
  }

  // ------------------------------------------------------------ JSON in GitHub's shapes

  const userJson = (login: string) => {
    const id = userId(login);
    const u = `${api}/users/${login}`;
    return {
      login,
      id,
      node_id: nodeId('U', id),
      avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
      gravatar_id: '',
      url: u,
      html_url: `${webOrigin}/${login}`,
      followers_url: `${u}/followers`,
      following_url: `${u}/following{/other_user}`,
      gists_url: `${u}/gists{/gist_id}`,
      starred_url: `${u}/starred{/owner}{/repo}`,
      subscriptions_url: `${u}/subscriptions`,
      organizations_url: `${u}/orgs`,
      repos_url: `${u}/repos`,
      events_url: `${u}/events{/privacy}`,
      received_events_url: `${u}/received_events`,
      type: 'User',
      user_view_type: 'public',
      site_admin: false,
    };
  };

  const labelJson = (repo: RepoRec, name: string) => {
    const k = `${repo.id}:${name.toLowerCase()}`;
    if (!labelIds.has(k)) labelIds.set(k, nextId++);
    const id = labelIds.get(k)!;
    return {
      id,
      node_id: nodeId('LA', id),
      url: `${repoApi(repo)}/labels/${encodeURIComponent(name)}`,
      name,
      color: createHash('sha1').update(name).digest('hex').slice(0, 6),
      default: false,
      description: null,
    };
  };

  const repoApi = (repo: RepoRec) => `${api}/repos/${repo.owner}/${repo.name}`;
  const repoWeb = (repo: RepoRec) => `${webOrigin}/${repo.owner}/${repo.name}`;

  const repoJson = (repo: RepoRec) => {
    const r = repoApi(repo);
    const openIssues = [...repo.items.values()].filter((i) => i.state === 'open').length;
    const webHost = new URL(webOrigin).host;
    return {
      id: repo.id,
      node_id: nodeId('R', repo.id),
      name: repo.name,
      full_name: `${repo.owner}/${repo.name}`,
      owner: userJson(repo.owner),
      private: repo.private,
      visibility: repo.private ? 'private' : 'public',
      html_url: repoWeb(repo),
      description: null,
      fork: false,
      url: r,
      archive_url: `${r}/{archive_format}{/ref}`,
      assignees_url: `${r}/assignees{/user}`,
      blobs_url: `${r}/git/blobs{/sha}`,
      branches_url: `${r}/branches{/branch}`,
      collaborators_url: `${r}/collaborators{/collaborator}`,
      comments_url: `${r}/comments{/number}`,
      commits_url: `${r}/commits{/sha}`,
      compare_url: `${r}/compare/{base}...{head}`,
      contents_url: `${r}/contents/{+path}`,
      contributors_url: `${r}/contributors`,
      deployments_url: `${r}/deployments`,
      downloads_url: `${r}/downloads`,
      events_url: `${r}/events`,
      forks_url: `${r}/forks`,
      git_commits_url: `${r}/git/commits{/sha}`,
      git_refs_url: `${r}/git/refs{/sha}`,
      git_tags_url: `${r}/git/tags{/sha}`,
      git_url: `git://${webHost}/${repo.owner}/${repo.name}.git`,
      hooks_url: `${r}/hooks`,
      issue_comment_url: `${r}/issues/comments{/number}`,
      issue_events_url: `${r}/issues/events{/number}`,
      issues_url: `${r}/issues{/number}`,
      keys_url: `${r}/keys{/key_id}`,
      labels_url: `${r}/labels{/name}`,
      languages_url: `${r}/languages`,
      merges_url: `${r}/merges`,
      milestones_url: `${r}/milestones{/number}`,
      notifications_url: `${r}/notifications{?since,all,participating}`,
      pulls_url: `${r}/pulls{/number}`,
      releases_url: `${r}/releases{/id}`,
      ssh_url: `git@${webHost}:${repo.owner}/${repo.name}.git`,
      stargazers_url: `${r}/stargazers`,
      statuses_url: `${r}/statuses/{sha}`,
      subscribers_url: `${r}/subscribers`,
      subscription_url: `${r}/subscription`,
      tags_url: `${r}/tags`,
      teams_url: `${r}/teams`,
      trees_url: `${r}/git/trees{/sha}`,
      clone_url: `${repoWeb(repo)}.git`,
      mirror_url: null,
      svn_url: repoWeb(repo),
      homepage: null,
      language: null,
      forks: 0,
      forks_count: 0,
      stargazers_count: 0,
      watchers: 0,
      watchers_count: 0,
      size: 0,
      default_branch: repo.defaultBranch,
      open_issues: openIssues,
      open_issues_count: openIssues,
      is_template: false,
      topics: [],
      has_issues: true,
      has_projects: false,
      has_wiki: false,
      has_pages: false,
      has_downloads: true,
      has_discussions: false,
      archived: false,
      disabled: false,
      license: null,
      pushed_at: repo.createdAt,
      created_at: repo.createdAt,
      updated_at: repo.createdAt,
    };
  };

  const fullRepoJson = (repo: RepoRec, viewer: string | null) => {
    const role = viewer ? roleOf(repo, viewer) : null;
    return {
      ...repoJson(repo),
      network_count: 0,
      subscribers_count: 0,
      permissions: {
        admin: role === 'admin',
        maintain: role === 'admin' || role === 'maintain',
        push: role === 'admin' || role === 'maintain' || role === 'write',
        triage: role !== null && role !== 'read',
        pull: true,
      },
    };
  };

  const roleOf = (repo: RepoRec, login: string): FakeRole | null => {
    if (login.toLowerCase() === repo.owner.toLowerCase()) return 'admin';
    return repo.roles.get(login.toLowerCase()) ?? null;
  };

  const association = (repo: RepoRec, login: string) => {
    if (login.toLowerCase() === repo.owner.toLowerCase()) return 'OWNER';
    return repo.roles.has(login.toLowerCase()) ? 'COLLABORATOR' : 'NONE';
  };

  const commentCount = (repo: RepoRec, number: number) => repo.comments.filter((c) => c.issueNumber === number).length;

  const issueJson = (repo: RepoRec, item: ItemRec) => {
    const r = repoApi(repo);
    const url = `${r}/issues/${item.number}`;
    const json: Record<string, unknown> = {
      url,
      repository_url: r,
      labels_url: `${url}/labels{/name}`,
      comments_url: `${url}/comments`,
      events_url: `${url}/events`,
      html_url: `${repoWeb(repo)}/${item.pull ? 'pull' : 'issues'}/${item.number}`,
      id: item.id,
      node_id: nodeId(item.pull ? 'PR' : 'I', item.id),
      number: item.number,
      title: item.title,
      user: userJson(item.author),
      labels: item.labels.map((name) => labelJson(repo, name)),
      state: item.state,
      state_reason: item.state === 'closed' ? 'completed' : null,
      locked: item.locked,
      active_lock_reason: null,
      assignee: null,
      assignees: [],
      milestone: null,
      comments: commentCount(repo, item.number),
      created_at: item.createdAt,
      updated_at: item.updatedAt,
      closed_at: item.closedAt,
      author_association: association(repo, item.author),
      body: item.body,
      timeline_url: `${url}/timeline`,
      performed_via_github_app: null,
    };
    if (item.pull) {
      const html = `${repoWeb(repo)}/pull/${item.number}`;
      json.draft = item.pull.draft;
      json.pull_request = { url: `${r}/pulls/${item.number}`, html_url: html, diff_url: `${html}.diff`, patch_url: `${html}.patch`, merged_at: null };
    }
    return json;
  };

  const commentJson = (repo: RepoRec, c: CommentRec) => ({
    url: `${repoApi(repo)}/issues/comments/${c.id}`,
    html_url: `${repoWeb(repo)}/issues/${c.issueNumber}#issuecomment-${c.id}`,
    issue_url: `${repoApi(repo)}/issues/${c.issueNumber}`,
    id: c.id,
    node_id: nodeId('IC', c.id),
    user: userJson(c.author),
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    author_association: association(repo, c.author),
    body: c.body,
    performed_via_github_app: null,
  });

  const pullSimpleJson = async (repo: RepoRec, item: ItemRec) => {
    const pull = item.pull!;
    const r = repoApi(repo);
    const self = `${r}/pulls/${item.number}`;
    const html = `${repoWeb(repo)}/pull/${item.number}`;
    const [headSha, baseSha] = await Promise.all([branchSha(repo, pull.head), branchSha(repo, pull.base)]);
    const end = (ref: string, sha: string) => ({ label: `${repo.owner}:${ref}`, ref, sha, user: userJson(repo.owner), repo: repoJson(repo) });
    return {
      url: self,
      id: pull.id,
      node_id: nodeId('PR', pull.id),
      html_url: html,
      diff_url: `${html}.diff`,
      patch_url: `${html}.patch`,
      issue_url: `${r}/issues/${item.number}`,
      commits_url: `${self}/commits`,
      review_comments_url: `${self}/comments`,
      review_comment_url: `${r}/pulls/comments{/number}`,
      comments_url: `${r}/issues/${item.number}/comments`,
      statuses_url: `${r}/statuses/${headSha}`,
      number: item.number,
      state: item.state,
      locked: item.locked,
      title: item.title,
      user: userJson(item.author),
      body: item.body,
      labels: item.labels.map((name) => labelJson(repo, name)),
      milestone: null,
      active_lock_reason: null,
      created_at: item.createdAt,
      updated_at: item.updatedAt,
      closed_at: item.closedAt,
      merged_at: null,
      merge_commit_sha: null,
      assignee: null,
      assignees: [],
      requested_reviewers: [],
      requested_teams: [],
      head: end(pull.head, headSha),
      base: end(pull.base, baseSha),
      _links: {
        self: { href: self },
        html: { href: html },
        issue: { href: `${r}/issues/${item.number}` },
        comments: { href: `${r}/issues/${item.number}/comments` },
        review_comments: { href: `${self}/comments` },
        review_comment: { href: `${r}/pulls/comments{/number}` },
        commits: { href: `${self}/commits` },
        statuses: { href: `${r}/statuses/${headSha}` },
      },
      author_association: association(repo, item.author),
      auto_merge: null,
      draft: pull.draft,
    };
  };

  const pullJson = async (repo: RepoRec, item: ItemRec) => {
    const pull = item.pull!;
    const stats = await branchStats(repo, pull.base, pull.head);
    return {
      ...(await pullSimpleJson(repo, item)),
      merged: false,
      mergeable: null,
      rebaseable: null,
      mergeable_state: 'unknown',
      merged_by: null,
      comments: commentCount(repo, item.number),
      review_comments: 0,
      maintainer_can_modify: false,
      ...stats,
    };
  };

  // ------------------------------------------------------------ git (the remote's branches)

  async function branchSha(repo: RepoRec, branch: string): Promise<string> {
    if (!repo.gitDir) return createHash('sha1').update(`${repo.owner}/${repo.name}:${branch}`).digest('hex');
    return (await gitIn(repo.gitDir, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`]))?.trim() ?? '0'.repeat(40);
  }

  async function branchExists(repo: RepoRec, branch: string): Promise<boolean> {
    if (!repo.gitDir) return true;
    return (await gitIn(repo.gitDir, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`])) !== null;
  }

  async function branchStats(repo: RepoRec, base: string, head: string) {
    const zero = { commits: 0, additions: 0, deletions: 0, changed_files: 0 };
    if (!repo.gitDir) return { ...zero, commits: 1 };
    const range = [`refs/heads/${base}`, `refs/heads/${head}`];
    const count = await gitIn(repo.gitDir, ['rev-list', '--count', `${range[0]}..${range[1]}`]);
    const stat = await gitIn(repo.gitDir, ['diff', '--shortstat', `${range[0]}...${range[1]}`]);
    if (count === null || stat === null) return zero;
    const num = (re: RegExp) => Number(re.exec(stat)?.[1] ?? 0);
    return { commits: Number(count.trim()), changed_files: num(/(\d+) files? changed/), additions: num(/(\d+) insertions?/), deletions: num(/(\d+) deletions?/) };
  }

  // ------------------------------------------------------------ routes

  type Handler = (ctx: Ctx) => Reply | Promise<Reply>;
  const R = '^/repos/([^/]+)/([^/]+)';
  const routes: Array<{ method: string; pattern: RegExp; write: boolean; handler: Handler }> = [];
  const route = (method: string, pattern: string, handler: Handler) =>
    routes.push({ method, pattern: new RegExp(`${pattern}$`), write: method !== 'GET', handler });

  route('GET', R, ({ repo, viewer }) => ({ status: 200, body: fullRepoJson(repo, viewer) }));

  route('GET', `${R}/issues`, (ctx) => {
    const { repo, query } = ctx;
    const state = query.get('state') ?? 'open';
    const wanted = (query.get('labels') ?? '').split(',').map((l) => l.trim().toLowerCase()).filter(Boolean);
    const ascending = query.get('direction') === 'asc';
    const items = [...repo.items.values()]
      .filter((i) => state === 'all' || i.state === state)
      .filter((i) => wanted.every((w) => i.labels.some((l) => l.toLowerCase() === w)))
      .sort((a, b) => (ascending ? a.seq - b.seq : b.seq - a.seq));
    return page(items.map((i) => issueJson(repo, i)), ctx);
  });

  route('GET', `${R}/issues/(\\d+)`, ({ repo, params }) => {
    const item = repo.items.get(Number(params[2]));
    return item ? { status: 200, body: issueJson(repo, item) } : notFound();
  });

  route('GET', `${R}/issues/(\\d+)/comments`, (ctx) => {
    const { repo, params } = ctx;
    const number = Number(params[2]);
    if (!repo.items.has(number)) return notFound();
    return page(repo.comments.filter((c) => c.issueNumber === number).map((c) => commentJson(repo, c)), ctx);
  });

  route('POST', `${R}/issues/(\\d+)/comments`, ({ repo, params, body, viewer }) => {
    const item = repo.items.get(Number(params[2]));
    if (!item) return notFound();
    if (typeof body.body !== 'string') return invalid('"body" wasn\'t supplied.');
    if (body.body.length > MAX_BODY_CHARS) return tooLong('IssueComment');
    const comment = addCommentRec(repo, item.number, { author: viewer!, body: body.body });
    item.updatedAt = comment.createdAt;
    return { status: 201, body: commentJson(repo, comment), headers: { location: `${repoApi(repo)}/issues/comments/${comment.id}` } };
  });

  route('PATCH', `${R}/issues/comments/(\\d+)`, ({ repo, params, body }) => {
    const comment = repo.comments.find((c) => c.id === Number(params[2]));
    if (!comment) return notFound();
    if (typeof body.body !== 'string') return invalid('"body" wasn\'t supplied.');
    if (body.body.length > MAX_BODY_CHARS) return tooLong('IssueComment');
    comment.body = body.body;
    comment.updatedAt = now();
    return { status: 200, body: commentJson(repo, comment) };
  });

  route('GET', `${R}/pulls`, async (ctx) => {
    const { repo, query } = ctx;
    const state = query.get('state') ?? 'open';
    const head = query.get('head');
    const base = query.get('base');
    const items = [...repo.items.values()]
      .filter((i) => i.pull && (state === 'all' || i.state === state))
      .filter((i) => !base || i.pull!.base === base)
      // GitHub's filter is "user:ref"; a bare ref or another user's fork matches nothing here.
      .filter((i) => !head || head.toLowerCase() === `${repo.owner}:${i.pull!.head}`.toLowerCase())
      .sort((a, b) => (query.get('direction') === 'asc' ? a.seq - b.seq : b.seq - a.seq));
    return page(await Promise.all(items.map((i) => pullSimpleJson(repo, i))), ctx);
  });

  route('GET', `${R}/pulls/(\\d+)`, async ({ repo, params }) => {
    const item = repo.items.get(Number(params[2]));
    return item?.pull ? { status: 200, body: await pullJson(repo, item) } : notFound();
  });

  route('POST', `${R}/pulls`, async ({ repo, body, viewer }) => {
    if (typeof body.head !== 'string' || body.head === '') return invalid('"head" wasn\'t supplied.');
    if (typeof body.base !== 'string' || body.base === '') return invalid('"base" wasn\'t supplied.');
    if (typeof body.title !== 'string' || body.title === '') return validationFailed('create-a-pull-request', [{ resource: 'PullRequest', code: 'missing_field', field: 'title' }]);
    if (typeof body.body === 'string' && body.body.length > MAX_BODY_CHARS) return tooLong('PullRequest');
    const [headOwner, headRef] = body.head.includes(':') ? body.head.split(':', 2) : [repo.owner, body.head];
    const base = body.base;
    if (headOwner!.toLowerCase() !== repo.owner.toLowerCase() || !(await branchExists(repo, headRef!))) {
      return validationFailed('create-a-pull-request', [{ resource: 'PullRequest', field: 'head', code: 'invalid' }]);
    }
    if (!(await branchExists(repo, base))) return validationFailed('create-a-pull-request', [{ resource: 'PullRequest', field: 'base', code: 'invalid' }]);
    const existing = [...repo.items.values()].find((i) => i.pull && i.state === 'open' && i.pull.head === headRef && i.pull.base === base);
    if (existing) {
      return validationFailed('create-a-pull-request', [{ resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${repo.owner}:${headRef}.` }]);
    }
    if (repo.gitDir && (await branchSha(repo, headRef!)) === (await branchSha(repo, base))) {
      return validationFailed('create-a-pull-request', [{ resource: 'PullRequest', code: 'custom', message: `No commits between ${base} and ${headRef}` }]);
    }
    const item = addItem(
      repo,
      { title: body.title, body: typeof body.body === 'string' ? body.body : null, head: headRef!, base, author: viewer! },
      { id: nextId++, head: headRef!, base, draft: body.draft === true },
    );
    return { status: 201, body: await pullJson(repo, item), headers: { location: `${repoApi(repo)}/pulls/${item.number}` } };
  });

  route('PATCH', `${R}/pulls/(\\d+)`, async ({ repo, params, body }) => {
    const item = repo.items.get(Number(params[2]));
    if (!item?.pull) return notFound();
    if (typeof body.body === 'string' && body.body.length > MAX_BODY_CHARS) return tooLong('PullRequest');
    if (typeof body.title === 'string') item.title = body.title;
    if (typeof body.body === 'string') item.body = body.body;
    if (body.state === 'open' || body.state === 'closed') {
      item.state = body.state;
      item.closedAt = body.state === 'closed' ? now() : null;
    }
    if (typeof body.base === 'string') {
      if (!(await branchExists(repo, body.base))) return validationFailed('update-a-pull-request', [{ resource: 'PullRequest', field: 'base', code: 'invalid' }]);
      item.pull.base = body.base;
    }
    item.updatedAt = now();
    return { status: 200, body: await pullJson(repo, item) };
  });

  route('GET', `${R}/collaborators/([^/]+)/permission`, ({ repo, params }) => {
    const login = decodeURIComponent(params[2]!);
    const role = roleOf(repo, login);
    // GitHub folds the finer roles into the classic three in `permission`; role_name keeps the role.
    const permission = role === 'admin' ? 'admin' : role === 'maintain' || role === 'write' ? 'write' : role ? 'read' : repo.private ? 'none' : 'read';
    const roleName = role ?? permission;
    return {
      status: 200,
      body: {
        permission,
        role_name: roleName,
        user: {
          ...userJson(login),
          role_name: roleName,
          permissions: { admin: role === 'admin', maintain: role === 'admin' || role === 'maintain', push: permission === 'admin' || permission === 'write', triage: role !== null && role !== 'read', pull: permission !== 'none' },
        },
      },
    };
  });

  // ------------------------------------------------------------ replies

  const notFound = (): Reply => ({ status: 404, body: GITHUB_NOT_FOUND });
  const invalid = (why: string): Reply => ({ status: 422, body: { message: `Invalid request.\n\n${why}`, documentation_url: DOCS, status: '422' } });
  const validationFailed = (doc: string, errors: unknown[]): Reply => ({
    status: 422,
    body: { message: 'Validation Failed', errors, documentation_url: `https://docs.github.com/rest/pulls/pulls#${doc}`, status: '422' },
  });
  const tooLong = (resource: string): Reply => ({
    status: 422,
    body: {
      message: 'Validation Failed',
      errors: [{ resource, code: 'custom', field: 'body', message: `body is too long (maximum is ${MAX_BODY_CHARS} characters)` }],
      documentation_url: DOCS,
      status: '422',
    },
  });

  /** GitHub's page/per_page with a Link header naming the neighbouring pages. */
  function page(all: unknown[], { path, query }: Ctx): Reply {
    const perPage = Math.min(100, Math.max(1, Number.parseInt(query.get('per_page') ?? '30', 10) || 30));
    const current = Math.max(1, Number.parseInt(query.get('page') ?? '1', 10) || 1);
    const last = Math.max(1, Math.ceil(all.length / perPage));
    const body = all.slice((current - 1) * perPage, current * perPage);
    if (last === 1) return { status: 200, body };
    const link = (n: number, rel: string) => {
      const q = new URLSearchParams(query);
      q.set('per_page', String(perPage));
      q.set('page', String(n));
      return `<${api}${path}?${q}>; rel="${rel}"`;
    };
    const links: string[] = [];
    if (current > 1) links.push(link(current - 1, 'prev'));
    if (current < last) links.push(link(current + 1, 'next'), link(last, 'last'));
    if (current > 1) links.push(link(1, 'first'));
    return { status: 200, body, headers: { link: links.join(', ') } };
  }

  // ------------------------------------------------------------ the server

  function rateHeaders(): Record<string, string> {
    if (Date.now() / 1000 >= rate.resetAt) {
      rate.used = 0;
      rate.resetAt = Math.floor(Date.now() / 1000) + 3600;
    }
    return {
      'x-ratelimit-limit': String(rate.limit),
      'x-ratelimit-remaining': String(Math.max(0, rate.limit - rate.used)),
      'x-ratelimit-reset': String(rate.resetAt),
      'x-ratelimit-used': String(Math.min(rate.used, rate.limit)),
      'x-ratelimit-resource': 'core',
    };
  }

  function send(res: ServerResponse, reply: Reply, extra: Record<string, string>): void {
    const requestId = `${randomBytes(2).toString('hex').toUpperCase()}:${randomBytes(3).toString('hex').toUpperCase()}:${randomBytes(4).toString('hex').toUpperCase()}`;
    const headers: Record<string, string> = {
      'x-github-request-id': requestId,
      'x-github-api-version-selected': '2022-11-28',
      'x-github-media-type': 'github.v3; format=json',
      ...extra,
      ...reply.headers,
    };
    if (reply.body === undefined) {
      res.writeHead(reply.status, headers).end();
      return;
    }
    const text = JSON.stringify(reply.body);
    res.writeHead(reply.status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)) }).end(text);
  }

  function faultReply(fault: Exclude<FakeFault, { type: 'lose_answer' } | { type: 'stall' }>): { reply: Reply; rateOverride?: Record<string, string> } {
    switch (fault.type) {
      case 'status':
        return {
          reply: { status: fault.status, body: fault.body ?? { message: STATUS_CODES[fault.status] ?? 'Error', documentation_url: DOCS, status: String(fault.status) }, headers: fault.headers },
        };
      case 'secondary_rate_limit':
        return {
          reply: {
            status: fault.status ?? 403,
            headers: { 'retry-after': String(fault.retryAfterSeconds) },
            body: {
              message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.',
              documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
              status: String(fault.status ?? 403),
            },
          },
        };
      case 'primary_rate_limit':
        return {
          reply: {
            status: 403,
            body: {
              message: `API rate limit exceeded for user ID ${userId(viewerLogin)}. If you reach out to GitHub Support for help, please include the request ID.`,
              documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
              status: '403',
            },
          },
          rateOverride: {
            'x-ratelimit-remaining': '0',
            'x-ratelimit-used': String(rate.limit),
            'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + fault.resetInSeconds),
          },
        };
    }
  }

  function takeFault(method: string, path: string): FakeFault | null {
    const rule = faults.find((f) => f.times > 0 && (!f.method || f.method.toUpperCase() === method) && (typeof f.path === 'string' ? f.path === path : f.path.test(path)));
    if (!rule) return null;
    rule.times--;
    return rule.fault;
  }

  /** Who the request is: a login, null for anonymous, or 'bad' for a token that is not the fake's. */
  function authenticate(header: string | undefined): { viewer: string | null | 'bad'; scheme: RecordedRequest['auth'] } {
    if (!header) return { viewer: options.token === undefined ? viewerLogin : null, scheme: 'none' };
    const m = /^(token|bearer)\s+(\S+)\s*$/i.exec(header);
    if (!m) return { viewer: 'bad', scheme: 'none' };
    const scheme = m[1]!.toLowerCase() as 'token' | 'bearer';
    if (options.token !== undefined && m[2] !== options.token) return { viewer: 'bad', scheme };
    return { viewer: viewerLogin, scheme };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    const method = (req.method ?? 'GET').toUpperCase();
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const raw = await readBody(req);
    const auth = authenticate(req.headers.authorization);
    let body: unknown = null;
    let badJson = raw === null;
    if (raw) {
      try {
        body = JSON.parse(raw);
      } catch {
        badJson = true;
      }
    }
    requests.push({ method, path, query: Object.fromEntries(url.searchParams), body, auth: auth.scheme, at: Date.now() });
    rate.used++;
    const headers = rateHeaders();

    const fault = takeFault(method, path);
    if (fault?.type === 'stall') {
      stalled.add(res);
      res.on('close', () => stalled.delete(res));
      return;
    }
    if (fault && fault.type !== 'lose_answer') {
      const { reply, rateOverride } = faultReply(fault);
      send(res, reply, { ...headers, ...rateOverride });
      return;
    }

    const reply = await answer(method, path, url.searchParams, body, badJson, auth.viewer);
    if (fault?.type === 'lose_answer') {
      // The work is done; only the answer goes missing, as when a connection drops mid-response.
      req.socket.destroy();
      return;
    }
    send(res, reply, headers);
  }

  async function answer(
    method: string,
    path: string,
    query: URLSearchParams,
    body: unknown,
    badJson: boolean,
    viewer: string | null | 'bad',
  ): Promise<Reply> {
    if (viewer === 'bad') return { status: 401, body: { message: 'Bad credentials', documentation_url: DOCS, status: '401' } };
    if (rate.used > rate.limit) {
      return {
        status: 403,
        body: { message: `API rate limit exceeded for user ID ${userId(viewerLogin)}.`, documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api', status: '403' },
      };
    }
    if (badJson) return { status: 400, body: { message: 'Problems parsing JSON', documentation_url: DOCS, status: '400' } };
    const requiresAuth = { status: 401, body: { message: 'Requires authentication', documentation_url: DOCS, status: '401' } };

    if (path === '/user' && method === 'GET') {
      if (!viewer) return requiresAuth;
      return { status: 200, body: privateUserJson(viewer) };
    }
    for (const r of routes) {
      const m = r.pattern.exec(path);
      if (!m || r.method !== method) continue;
      const repo = repos.get(key(decodeURIComponent(m[1]!), decodeURIComponent(m[2]!)));
      // Private repositories are invisible (404, not 403) to whoever may not see them, as on GitHub.
      if (!repo || (repo.private && !viewer)) return notFound();
      if (r.write && !viewer) return requiresAuth;
      if (r.write && (typeof body !== 'object' || body === null || Array.isArray(body))) {
        return { status: 400, body: { message: 'Problems parsing JSON', documentation_url: DOCS, status: '400' } };
      }
      return r.handler({ repo, params: m.slice(1), path, query, body: (body ?? {}) as Record<string, unknown>, viewer });
    }
    return notFound();
  }

  const privateUserJson = (login: string) => ({
    ...userJson(login),
    user_view_type: 'private',
    name: null,
    company: null,
    blog: '',
    location: null,
    email: null,
    hireable: null,
    bio: null,
    twitter_username: null,
    public_repos: 0,
    public_gists: 0,
    followers: 0,
    following: 0,
    created_at: '2020-01-01T00:00:00Z',
    updated_at: '2020-01-01T00:00:00Z',
    private_gists: 0,
    total_private_repos: 0,
    owned_private_repos: 0,
    disk_usage: 0,
    collaborators: 0,
    two_factor_authentication: true,
  });

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // A fault in the fake itself: make it loud rather than look like a GitHub answer.
      if (!res.headersSent) send(res, { status: 500, body: { message: `GitHub fake failed: ${error instanceof Error ? error.message : String(error)}` } }, {});
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const view = (item: ItemRec): FakeIssueView => ({
    number: item.number,
    title: item.title,
    body: item.body,
    labels: [...item.labels],
    author: item.author,
    state: item.state,
    isPullRequest: item.pull !== undefined,
  });

  return {
    url: api,
    requests,
    requestsTo: (method, path) =>
      requests.filter((r) => r.method === method.toUpperCase() && (typeof path === 'string' ? r.path === path : path.test(r.path))),
    inject(rule) {
      const times = rule.times ?? 1;
      if (!Number.isInteger(times) || times < 1) throw new Error(`GitHub fake: fault "times" must be a positive integer, got ${times}`);
      faults.push({ method: rule.method, path: rule.path, times, fault: rule.fault });
    },
    clearFaults: () => void faults.splice(0),
    issue(repo, number) {
      const item = findRepo(repo).items.get(number);
      return item ? view(item) : null;
    },
    comments: (repo, number) =>
      findRepo(repo)
        .comments.filter((c) => c.issueNumber === number)
        .map((c) => ({ id: c.id, author: c.author, body: c.body })),
    pullRequests: (repo) =>
      [...findRepo(repo).items.values()]
        .filter((i) => i.pull)
        .sort((a, b) => a.number - b.number)
        .map((i) => ({ number: i.number, title: i.title, body: i.body, head: i.pull!.head, base: i.pull!.base, draft: i.pull!.draft, state: i.state, author: i.author })),
    addIssue: (repo, seed) => addItem(findRepo(repo), seed).number,
    addComment(repo, number, seed) {
      const r = findRepo(repo);
      if (!r.items.has(number)) throw new Error(`GitHub fake: ${repo} has no #${number}`);
      return addCommentRec(r, number, seed).id;
    },
    async close() {
      for (const res of stalled) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The whole body as text; null when it is larger than GitHub would take. */
function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_REQUEST_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_REQUEST_BYTES ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function nodeId(prefix: string, id: number): string {
  return `${prefix}_${Buffer.from(`0:${id}`).toString('base64url')}`;
}

/** Runs git with an argument array (no shell); the output, or null when git says no. */
function gitIn(gitDir: string, args: string[]): Promise<string | null> {
  return new Promise((resolve) => {
    execFile('git', [`--git-dir=${gitDir}`, ...args], { env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' }, timeout: 30_000 }, (error, stdout) =>
      resolve(error ? null : stdout),
    );
  });
}
