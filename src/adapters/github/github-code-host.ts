import type { Octokit } from '@octokit/rest';
import type { Issue, IssueComment, IssueRef, PullRequest } from '../../core/model';
import type { CodeHost, IssueSummary, PullRequestDraft, RepoPermission } from '../../core/ports';
import { GitHubRateLimitError } from './octokit-client';

/** A GitHub failure put in words a user can act on; `status` is GitHub's HTTP status, null when it was never reached. */
export class GitHubError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'GitHubError';
  }
}

export interface GitHubCodeHostOptions {
  /** Items per page when listing; GitHub allows up to 100. */
  pageSize?: number;
}

export class GitHubCodeHost implements CodeHost {
  private readonly pageSize: number;

  constructor(
    private readonly octokit: Octokit,
    options: GitHubCodeHostOptions = {},
  ) {
    this.pageSize = options.pageSize ?? 100;
    if (!Number.isInteger(this.pageSize) || this.pageSize < 1 || this.pageSize > 100) {
      throw new Error(`pageSize must be a whole number from 1 to 100, got ${String(options.pageSize)}`);
    }
  }

  async getIssue(ref: IssueRef): Promise<Issue> {
    const { data } = await this.call(`reading issue ${show(ref)}`, ref, 'issue', () =>
      this.octokit.rest.issues.get({ owner: ref.owner, repo: ref.repo, issue_number: ref.number }),
    );
    if (data.pull_request) {
      throw new GitHubError(`${show(ref)} is a pull request, not an issue; Rig works from issues, so give it the number of an issue`, null);
    }
    const comments = await this.call(`reading the comments of ${show(ref)}`, ref, 'issue', () =>
      this.octokit.paginate(this.octokit.rest.issues.listComments, {
        owner: ref.owner,
        repo: ref.repo,
        issue_number: ref.number,
        per_page: this.pageSize,
      }),
    );
    return {
      owner: ref.owner,
      repo: ref.repo,
      number: ref.number,
      title: data.title,
      body: data.body ?? '',
      labels: data.labels.map((label) => (typeof label === 'string' ? label : (label.name ?? ''))).filter((name) => name !== ''),
      // GitHub shows deleted accounts as "ghost".
      author: data.user?.login ?? 'ghost',
      url: data.html_url,
      comments: comments.map((c): IssueComment => ({ author: c.user?.login ?? 'ghost', body: c.body ?? '' })),
    };
  }

  async listOpenIssues(repo: { owner: string; repo: string }, labels: string[]): Promise<IssueSummary[]> {
    const ref = { ...repo, number: 0 };
    const items = await this.call(`listing open issues of ${repo.owner}/${repo.repo}`, ref, 'repo', () =>
      this.octokit.paginate(this.octokit.rest.issues.listForRepo, {
        owner: repo.owner,
        repo: repo.repo,
        state: 'open',
        sort: 'updated',
        direction: 'desc',
        per_page: this.pageSize,
        ...(labels.length ? { labels: labels.join(',') } : {}),
      }),
    );
    // The issues endpoint lists pull requests too.
    return items
      .filter((i) => !i.pull_request)
      .map((i) => ({
        number: i.number,
        title: i.title,
        labels: i.labels.map((l) => (typeof l === 'string' ? l : (l.name ?? ''))).filter((n) => n !== ''),
        author: i.user?.login ?? 'ghost',
        updatedAt: i.updated_at,
        url: i.html_url,
      }));
  }

  async permissionOf(repo: { owner: string; repo: string }, user: string): Promise<RepoPermission> {
    const ref = { ...repo, number: 0 };
    try {
      const { data } = await this.call(`reading ${user}'s permission on ${repo.owner}/${repo.repo}`, ref, 'repo', () =>
        this.octokit.rest.repos.getCollaboratorPermissionLevel({ owner: repo.owner, repo: repo.repo, username: user }),
      );
      const role = (data as { role_name?: string }).role_name ?? data.permission;
      return (['admin', 'maintain', 'write', 'triage', 'read'] as const).find((r) => r === role) ?? (data.permission === 'none' ? 'none' : 'read');
    } catch (err) {
      // GitHub answers 404 for a user who is not a collaborator.
      if (err instanceof GitHubError && err.status === 404) return 'none';
      throw err;
    }
  }

  async findPullRequest(ref: IssueRef, branch: string): Promise<PullRequest | null> {
    const { data } = await this.call(`looking for the pull request of branch "${branch}" in ${ref.owner}/${ref.repo}`, ref, 'repo', () =>
      this.octokit.rest.pulls.list({ owner: ref.owner, repo: ref.repo, state: 'open', head: `${ref.owner}:${branch}`, per_page: this.pageSize }),
    );
    const found = data.find((pr) => pr.head.ref === branch);
    return found ? { number: found.number, url: found.html_url, draft: found.draft ?? false } : null;
  }

  async createPullRequest(ref: IssueRef, draft: PullRequestDraft): Promise<PullRequest> {
    const action = `opening a pull request from "${draft.head}" into "${draft.base}" in ${ref.owner}/${ref.repo}`;
    try {
      const { data } = await this.octokit.rest.pulls.create({
        owner: ref.owner,
        repo: ref.repo,
        title: draft.title,
        body: draft.body,
        head: draft.head,
        base: draft.base,
        draft: draft.draft,
      });
      return { number: data.number, url: data.html_url, draft: data.draft ?? false };
    } catch (error) {
      // A creation whose answer was lost (or a run that is carried on) meets its own pull request here.
      if (statusOf(error) === 422 && validationMessages(error).some((m) => /pull request already exists/i.test(m))) {
        const existing = await this.findPullRequest(ref, draft.head);
        if (existing) return existing;
      }
      throw await this.translate(error, action, ref, 'repo', draft);
    }
  }

  async updatePullRequest(ref: IssueRef, number: number, patch: { title?: string; body?: string }): Promise<void> {
    await this.call(`updating pull request #${number} in ${ref.owner}/${ref.repo}`, ref, 'repo', () =>
      this.octokit.rest.pulls.update({ owner: ref.owner, repo: ref.repo, pull_number: number, ...patch }),
    );
  }

  async createComment(ref: IssueRef, body: string): Promise<number> {
    const { data } = await this.call(`commenting on ${show(ref)}`, ref, 'issue', () =>
      this.octokit.rest.issues.createComment({ owner: ref.owner, repo: ref.repo, issue_number: ref.number, body }),
    );
    return data.id;
  }

  async updateComment(ref: IssueRef, commentId: number, body: string): Promise<void> {
    await this.call(`updating comment ${commentId} on ${show(ref)}`, ref, 'repo', () =>
      this.octokit.rest.issues.updateComment({ owner: ref.owner, repo: ref.repo, comment_id: commentId, body }),
    );
  }

  private async call<T>(action: string, ref: IssueRef, subject: 'issue' | 'repo', run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw await this.translate(error, action, ref, subject);
    }
  }

  private async translate(error: unknown, action: string, ref: IssueRef, subject: 'issue' | 'repo', draft?: PullRequestDraft): Promise<Error> {
    if (error instanceof GitHubError) return error;
    if (error instanceof GitHubRateLimitError) return new GitHubError(`${error.message} (while ${action})`, error.status, { cause: error });
    const status = statusOf(error);
    const ghMessage = githubMessage(error);
    const repo = `${ref.owner}/${ref.repo}`;
    const make = (message: string) => new GitHubError(message, hasResponse(error) ? status : null, { cause: error });

    if (!hasResponse(error)) {
      return make(`Could not reach GitHub while ${action}: ${ghMessage}`);
    }
    switch (status) {
      case 401:
        return /requires authentication/i.test(ghMessage)
          ? make(`GitHub requires a token (401 ${ghMessage}) while ${action}; set source.token in rig.yaml or GITHUB_TOKEN`)
          : make(`GitHub rejected the token (401 ${ghMessage}) while ${action}; check that it is valid, not expired and not revoked`);
      case 403:
        return make(
          `GitHub refused ${action} (403 ${ghMessage}); the token lacks permission on ${repo} (it needs read and write access to issues and pull requests)`,
        );
      case 404:
        return make(await this.describeNotFound(action, ref, subject));
      case 410:
        return make(`GitHub says it is gone (410 ${ghMessage}) while ${action}`);
      case 422:
        return make(`GitHub refused ${action} (422 ${describeValidation(error, draft)})`);
      default:
        if (status >= 500) return make(`GitHub failed (${status} ${ghMessage}) while ${action}, even after retries; GitHub may be having trouble, try again later`);
        return make(`GitHub answered ${status} (${ghMessage}) while ${action}`);
    }
  }

  /** GitHub answers 404 both for what does not exist and for what the token may not see. */
  private async describeNotFound(action: string, ref: IssueRef, subject: 'issue' | 'repo'): Promise<string> {
    const repo = `${ref.owner}/${ref.repo}`;
    const hidden = `repository ${repo} was not found on GitHub, or the token cannot see it (private repositories answer 404 to tokens without access)`;
    if (subject === 'repo') return `Not found (404) while ${action}: either it does not exist or the ${hidden}`;
    const repoVisible = await this.octokit.rest.repos.get({ owner: ref.owner, repo: ref.repo }).then(
      () => true,
      () => false,
    );
    return repoVisible ? `Issue #${ref.number} does not exist in ${repo} (404 while ${action})` : `The ${hidden} (404 while ${action})`;
  }
}

function show(ref: IssueRef): string {
  return `${ref.owner}/${ref.repo}#${ref.number}`;
}

function statusOf(error: unknown): number {
  const status = (error as { status?: unknown }).status;
  return typeof status === 'number' ? status : 0;
}

function hasResponse(error: unknown): boolean {
  return (error as { response?: unknown }).response !== undefined;
}

function responseData(error: unknown): { message?: unknown; errors?: unknown } {
  const data = (error as { response?: { data?: unknown } }).response?.data;
  return typeof data === 'object' && data !== null ? data : {};
}

/** GitHub's own message without octokit's " - documentation_url" suffix. */
function githubMessage(error: unknown): string {
  const fromBody = responseData(error).message;
  if (typeof fromBody === 'string' && fromBody) return fromBody;
  return error instanceof Error ? error.message : String(error);
}

function validationMessages(error: unknown): string[] {
  const errors = responseData(error).errors;
  if (!Array.isArray(errors)) return [];
  return errors.map((e) => (typeof e === 'string' ? e : typeof e?.message === 'string' ? e.message : ''));
}

function describeValidation(error: unknown, draft?: PullRequestDraft): string {
  const errors = responseData(error).errors;
  const parts = (Array.isArray(errors) ? errors : []).map((e: { message?: string; field?: string; code?: string } | string) => {
    if (typeof e === 'string') return e;
    if (e.message) return e.message;
    if (draft && e.field === 'head' && e.code === 'invalid') return `branch "${draft.head}" does not exist on GitHub (was it pushed?)`;
    if (draft && e.field === 'base' && e.code === 'invalid') return `base branch "${draft.base}" does not exist on GitHub`;
    return [e.field, e.code].filter(Boolean).join(' ');
  });
  return [githubMessage(error), ...parts].join(': ');
}
