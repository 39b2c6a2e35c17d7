import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertSafeBranch, GitCliWorkspace } from '../../src/adapters/git/git-workspace';
import { createSampleRepo } from '../helpers/git-repo';

describe('GitCliWorkspace', () => {
  it('keeps state and worktrees inside .git, leaving the working tree and HEAD untouched', async () => {
    const repo = createSampleRepo({ 'a.txt': 'a\n' });
    const head = repo.git('rev-parse', 'HEAD');
    const ws = await GitCliWorkspace.open(repo.work);
    expect(ws.stateDir).toBe(path.join(repo.work, '.git', 'rig'));
    const wt = path.join(ws.stateDir, 'worktrees', 't1');
    await ws.addWorktree(wt, 'rig/issue-1', 'origin/main');
    writeFileSync(path.join(wt, 'a.txt'), 'changed\n');
    writeFileSync(path.join(wt, 'new.txt'), 'new\n');
    expect(await ws.changedFiles(wt, head.trim())).toEqual(['a.txt', 'new.txt']);
    const sha = await ws.commitAll(wt, 'Fix #1: "quoted" --title\n\nbody');
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    expect(await ws.commitAll(wt, 'nothing')).toBeNull();
    expect(repo.git('status', '--porcelain')).toBe('');
    expect(repo.git('rev-parse', 'HEAD')).toBe(head);
    expect(repo.git('log', '-1', '--format=%s', sha!)).toBe('Fix #1: "quoted" --title\n');
    await ws.removeWorktree(wt);
    expect(existsSync(wt)).toBe(false);
  });

  it('pushes a second commit on the same branch with a lease and refuses to overwrite foreign pushes', async () => {
    const repo = createSampleRepo({ 'a.txt': 'a\n' });
    const ws = await GitCliWorkspace.open(repo.work);
    const wt = path.join(ws.stateDir, 'worktrees', 't2');
    await ws.addWorktree(wt, 'rig/issue-2', 'origin/main');
    writeFileSync(path.join(wt, 'a.txt'), 'one\n');
    const first = await ws.commitAll(wt, 'first');
    await ws.push(wt, 'rig/issue-2', null);
    expect(await ws.remoteBranch('rig/issue-2')).toBe(first);
    writeFileSync(path.join(wt, 'a.txt'), 'two\n');
    const second = await ws.commitAll(wt, 'second');
    await ws.push(wt, 'rig/issue-2', first);
    expect(await ws.remoteBranch('rig/issue-2')).toBe(second);
    // Both commits are on origin: a retry adds, it never replaces.
    expect(repo.originGit('log', '--format=%s', 'rig/issue-2').trim().split('\n')).toEqual(['second', 'first', 'initial']);
    // A lease that no longer matches origin (someone else pushed) is refused.
    writeFileSync(path.join(wt, 'a.txt'), 'three\n');
    await ws.commitAll(wt, 'third');
    await expect(ws.push(wt, 'rig/issue-2', first)).rejects.toThrow(/moved since Rig last pushed/);
    expect(repo.originGit('rev-parse', 'main').trim()).toBe(repo.git('rev-parse', 'HEAD').trim());
  });

  it('refuses branch names that git rejects or that look like options', async () => {
    const repo = createSampleRepo({ 'a.txt': 'a\n' });
    await expect(assertSafeBranch(repo.work, '--upload-pack=touch canary')).rejects.toThrow(/must not be empty or begin with "-"/);
    await expect(assertSafeBranch(repo.work, 'zzz";echo${IFS}"hello";#')).rejects.toThrow(/only letters, digits/);
    await expect(assertSafeBranch(repo.work, 'rig/a..b')).rejects.toThrow(/check-ref-format/);
    await expect(assertSafeBranch(repo.work, 'rig/issue-7')).resolves.toBeUndefined();
  });

  it('names the problem when the directory is not a repository', async () => {
    await expect(GitCliWorkspace.open('/')).rejects.toThrow(/not inside a git repository/);
  });
});
