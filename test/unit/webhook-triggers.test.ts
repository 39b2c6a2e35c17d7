import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config/load';
import { triage, type TriggerProject } from '../../src/server/webhook/triggers';

// Real payloads recorded from GitHub (and GitHub Enterprise Server), not shapes written for the test.
type Payload = Record<string, any>;
const require = createRequire(import.meta.url);
const VERSIONS = ['api.github.com', 'ghes-31', 'ghes-32', 'ghes-33', 'ghes-34', 'ghes-35'];
const definitions = (version: string) => require(`@octokit/webhooks-examples/${version}/index.json`) as Array<{ name: string; examples: Payload[] }>;
const examplesOf = (event: string, version = 'api.github.com') => structuredClone(definitions(version).find((d) => d.name === event)!.examples);

const YAML = `
source: { repo: Codertocat/Hello-World }
workflow:
  trigger:
    - { event: issues.opened, labels: [BUG] }
    - { event: issues.labeled, labels: [bug, rig] }
    - { event: issue_comment.created, keyword: "get this fixed" }
`;

function project(yaml = YAML, repo = { owner: 'Codertocat', repo: 'Hello-World' }): TriggerProject {
  return { name: 'hello', repo, engine: { config: loadConfig(yaml, { env: {} }).config } };
}

const labelsOf = (p: Payload) => ((p.issue.labels ?? []) as Array<{ name: string }>).map((l) => l.name.toLowerCase());

describe('triggers on real issues payloads', () => {
  const examples = examplesOf('issues');
  const first = (action: string, where: (e: Payload) => boolean = () => true) => structuredClone(examples.find((e) => e.action === action && where(e))!);

  it('has the recorded payloads this suite relies on', () => {
    expect(examples).toHaveLength(29);
    expect(examples.some((e) => e.issue.body === null)).toBe(true);
    expect(examples.filter((e) => e.action === 'opened').length).toBeGreaterThan(1);
    expect(examples.filter((e) => e.action === 'labeled').length).toBeGreaterThan(1);
    // Four opened issues carry "bug" and two "bug" labels were added: six runs, 23 ignored.
    expect(examples.filter((e) => triage([project()], 'issues', e).kind === 'trigger')).toHaveLength(6);
  });

  it.each(examples.map((e, i) => [`${i} ${e.action}${e.issue.body === null ? ' (body null)' : ''}`, e] as const))('decides %s', (_name, payload) => {
    const [owner, repo] = (payload.repository.full_name as string).split('/');
    const decision = triage([project(YAML, { owner: owner!, repo: repo! })], 'issues', payload);
    const open = payload.issue.state !== 'closed';
    const expected =
      open &&
      ((payload.action === 'opened' && labelsOf(payload).includes('bug')) || (payload.action === 'labeled' && ['bug', 'rig'].includes(payload.label.name.toLowerCase())));
    if (expected) {
      expect(decision).toMatchObject({ kind: 'trigger', issue: { owner, repo, number: payload.issue.number }, actor: payload.sender.login, trigger: expect.stringContaining(`issues.${payload.action}`) });
    } else {
      expect(decision.kind).toBe('ignored');
      if (!['opened', 'labeled'].includes(payload.action)) expect(decision).toEqual({ kind: 'ignored', reason: `no trigger matches issues.${payload.action}` });
    }
  });

  it('starts on an opened issue whose body is null, and names the missing label otherwise', () => {
    const nullBody = first('opened', (e) => e.issue.body === null);
    nullBody.issue.labels = [{ name: 'bug' }];
    expect(triage([project()], 'issues', nullBody)).toMatchObject({ kind: 'trigger', issue: { number: nullBody.issue.number } });
    nullBody.issue.labels = [{ name: 'enhancement' }];
    expect(triage([project()], 'issues', nullBody)).toEqual({
      kind: 'ignored',
      reason: `no trigger matches issues.opened: issue #${nullBody.issue.number} carries none of the labels BUG`,
    });
  });

  it('on labeled, looks at the label just added, not at the ones the issue already had', () => {
    const labeled = first('labeled');
    labeled.issue.labels = [{ name: 'bug' }, { name: 'docs' }];
    labeled.label = { name: 'docs' };
    expect(triage([project()], 'issues', labeled)).toEqual({ kind: 'ignored', reason: 'no trigger matches issues.labeled: label "docs" is not one of bug, rig' });
    labeled.label = { name: 'Rig' };
    expect(triage([project()], 'issues', labeled)).toMatchObject({ kind: 'trigger', actor: labeled.sender.login });
  });

  it('ignores closed issues and repositories no project serves', () => {
    const labeled = first('labeled');
    expect(triage([project(YAML, { owner: 'acme', repo: 'shop' })], 'issues', labeled)).toEqual({ kind: 'ignored', reason: 'no project for repository Codertocat/Hello-World' });
    labeled.issue.state = 'closed';
    expect(triage([project()], 'issues', labeled)).toMatchObject({ kind: 'ignored', reason: expect.stringContaining('is closed') });
  });

  it('routes by repository among several projects, whatever the case of the name', () => {
    const labeled = first('labeled');
    labeled.repository.full_name = 'codertocat/HELLO-world';
    const other = project(YAML, { owner: 'acme', repo: 'shop' });
    const hello = project();
    expect(triage([other, hello], 'issues', labeled)).toMatchObject({ kind: 'trigger', project: hello, issue: { owner: 'Codertocat', repo: 'Hello-World' } });
  });

  it('says a project with no triggers has none', () => {
    const opened = first('opened');
    expect(triage([project('source: { repo: Codertocat/Hello-World }')], 'issues', opened)).toEqual({ kind: 'ignored', reason: 'no trigger matches issues.opened' });
  });
});

describe('triggers on real issue_comment payloads', () => {
  const examples = examplesOf('issue_comment');

  it.each(examples.map((e, i) => [`${i} ${e.action}`, e] as const))('decides %s', (_name, payload) => {
    const decision = triage([project()], 'issue_comment', payload);
    if (payload.action === 'created') {
      expect(payload.comment.body).toContain('get this fixed');
      expect(decision).toMatchObject({ kind: 'trigger', actor: payload.comment.user.login, issue: { number: payload.issue.number }, trigger: 'issue_comment.created (keyword "get this fixed")' });
    } else {
      expect(decision).toEqual({ kind: 'ignored', reason: `no trigger matches issue_comment.${payload.action}` });
    }
  });

  const created = () => structuredClone(examples.find((e) => e.action === 'created')!);

  it('ignores a comment without the keyword, or with no body at all', () => {
    const c = created();
    c.comment.body = 'Thanks!';
    expect(triage([project()], 'issue_comment', c)).toEqual({ kind: 'ignored', reason: 'no trigger matches issue_comment.created: the comment does not contain "get this fixed"' });
    c.comment.body = null;
    expect(triage([project()], 'issue_comment', c).kind).toBe('ignored');
    c.comment.body = 'Please GET THIS FIXED';
    expect(triage([project()], 'issue_comment', c).kind).toBe('trigger');
  });

  it('ignores comments on pull requests, by bots and by Rig itself', () => {
    const onPull = created();
    onPull.issue.pull_request = { url: 'https://api.github.com/repos/Codertocat/Hello-World/pulls/1' };
    expect(triage([project()], 'issue_comment', onPull)).toMatchObject({ kind: 'ignored', reason: expect.stringContaining('is a pull request') });

    const byBot = created();
    byBot.comment.user.type = 'Bot';
    expect(triage([project()], 'issue_comment', byBot)).toMatchObject({ kind: 'ignored', reason: expect.stringContaining('bot') });
    const byApp = created();
    byApp.comment.user.login = 'rig-app[bot]';
    expect(triage([project()], 'issue_comment', byApp)).toMatchObject({ kind: 'ignored', reason: expect.stringContaining('rig-app[bot]') });

    const bySelf = created();
    expect(triage([project()], 'issue_comment', bySelf, { selfLogins: [bySelf.comment.user.login.toUpperCase()] })).toMatchObject({
      kind: 'ignored',
      reason: expect.stringContaining("Rig's own"),
    });
  });

  it('names the comment author, not the sender, as the one asking', () => {
    const c = created();
    c.sender.login = 'someone-else';
    expect(triage([project()], 'issue_comment', c)).toMatchObject({ kind: 'trigger', actor: c.comment.user.login });
  });
});

describe('every recorded payload', () => {
  it('is never taken for malformed: Rig reads only fields GitHub always sends', () => {
    let checked = 0;
    for (const version of VERSIONS) {
      for (const def of definitions(version)) {
        for (const payload of def.examples) {
          const decision = triage([project()], def.name, payload);
          expect(decision.kind, `${version} ${def.name}.${payload.action}`).not.toBe('invalid');
          if (!['issues', 'issue_comment'].includes(def.name)) expect(decision).toEqual({ kind: 'ignored', reason: expect.stringMatching(new RegExp(`^no trigger matches ${def.name}`)) });
          checked++;
        }
      }
    }
    expect(checked).toBe(726);
  });

  it('calls a payload without the fields of its event malformed, naming the field', () => {
    const opened = examplesOf('issues').find((e) => e.action === 'opened')!;
    delete opened.issue.number;
    expect(triage([project()], 'issues', opened)).toMatchObject({ kind: 'invalid', reason: expect.stringContaining('issue.number') });
    const comment = examplesOf('issue_comment')[0]!;
    delete comment.comment;
    expect(triage([project()], 'issue_comment', comment)).toMatchObject({ kind: 'invalid', reason: expect.stringContaining('comment') });
  });
});
