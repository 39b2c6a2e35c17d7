import type { CodeHost, RepoPermission } from '../../core/ports';

const WRITERS: ReadonlySet<RepoPermission> = new Set(['admin', 'maintain', 'write']);

export type AccessVerdict = { allowed: true; because: string } | { allowed: false; reason: string };

export interface TriggerAccessOptions {
  /** server.allow_users: people who may start runs without write access. */
  allowUsers?: readonly string[];
  /** How long a role read from GitHub is trusted; a burst of triggers costs one API call per person. */
  cacheMs?: number;
  now?: () => number;
}

/**
 * Who may start a run: people with write access to the repository (as GitHub says now), and the
 * allow-list, which is consulted after GitHub so that it widens access but never hides a refusal.
 */
export class TriggerAccess {
  private readonly allowUsers: Set<string>;
  private readonly cacheMs: number;
  private readonly now: () => number;
  private readonly roles = new Map<string, { permission: RepoPermission; at: number }>();

  constructor(
    private readonly codeHost: Pick<CodeHost, 'permissionOf'>,
    opts: TriggerAccessOptions = {},
  ) {
    this.allowUsers = new Set((opts.allowUsers ?? []).map((u) => u.toLowerCase()));
    this.cacheMs = opts.cacheMs ?? 60_000;
    this.now = opts.now ?? Date.now;
  }

  async check(repo: { owner: string; repo: string }, user: string): Promise<AccessVerdict> {
    let permission: RepoPermission;
    try {
      permission = await this.permissionOf(repo, user);
    } catch (err) {
      if (this.allowUsers.has(user.toLowerCase())) return { allowed: true, because: `${user} is in server.allow_users` };
      throw err;
    }
    if (WRITERS.has(permission)) return { allowed: true, because: `${user} has ${permission} access` };
    if (this.allowUsers.has(user.toLowerCase())) return { allowed: true, because: `${user} is in server.allow_users` };
    return {
      allowed: false,
      reason: `${user} may not start runs: ${permission} access to ${repo.owner}/${repo.repo} (write, maintain or admin is needed, or a place in server.allow_users)`,
    };
  }

  private async permissionOf(repo: { owner: string; repo: string }, user: string): Promise<RepoPermission> {
    const key = `${repo.owner}/${repo.repo}:${user}`.toLowerCase();
    const cached = this.roles.get(key);
    if (cached && this.now() - cached.at < this.cacheMs) return cached.permission;
    const permission = await this.codeHost.permissionOf(repo, user);
    this.roles.set(key, { permission, at: this.now() });
    return permission;
  }
}
