// The fake is only worth testing against if it answers like GitHub. Its answers are checked against
// GitHub's published OpenAPI description: every required property, with the right type, all the way
// down (users, labels, the repositories inside a pull request's head and base).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startGitHubFake, type GitHubFake } from '../../src/fakes/github-fake-server';

type Schema = {
  $ref?: string;
  type?: string;
  nullable?: boolean;
  required?: string[];
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  items?: Schema;
  enum?: unknown[];
  allOf?: Schema[];
  anyOf?: Schema[];
  oneOf?: Schema[];
};
type Spec = {
  paths: Record<string, Record<string, { responses: Record<string, { $ref?: string; content?: Record<string, { schema: Schema }> }> }>>;
  components: { schemas: Record<string, Schema>; responses: Record<string, { content?: Record<string, { schema: Schema }> }> };
};

const spec = JSON.parse(readFileSync(createRequire(__filename).resolve('@octokit/openapi/generated/api.github.com.json'), 'utf8')) as Spec;

function resolve(schema: Schema): Schema {
  let s = schema;
  while (s.$ref) s = spec.components.schemas[s.$ref.replace('#/components/schemas/', '')]!;
  return s;
}

/** Every way `value` departs from `schema`, as "path: problem" lines. */
function departures(schema: Schema, value: unknown, path = '$'): string[] {
  const s = resolve(schema);
  if (value === null) {
    if (s.nullable || s.enum?.includes(null)) return [];
    if (s.anyOf ?? s.oneOf) return (s.anyOf ?? s.oneOf)!.some((b) => departures(b, null, path).length === 0) ? [] : [`${path}: null is not allowed`];
    if (s.allOf) return s.allOf.some((b) => resolve(b).nullable) ? [] : [`${path}: null is not allowed`];
    return [`${path}: null is not allowed`];
  }
  const out: string[] = [];
  for (const part of s.allOf ?? []) out.push(...departures(part, value, path));
  const choices = s.anyOf ?? s.oneOf;
  if (choices) {
    // GitHub's oneOf lists overlap (private-user is a superset of public-user), so any match will do.
    const results = choices.map((c) => departures(c, value, path));
    if (!results.some((r) => r.length === 0)) out.push(`${path}: matches none of ${choices.length} alternatives (${results.map((r) => r[0]).join(' | ')})`);
  }
  const type = s.type ?? (s.properties ? 'object' : undefined);
  switch (type) {
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value)) return [...out, `${path}: expected an object`];
      const obj = value as Record<string, unknown>;
      for (const name of s.required ?? []) if (!(name in obj)) out.push(`${path}.${name}: required but missing`);
      for (const [name, v] of Object.entries(obj)) {
        const prop = s.properties?.[name] ?? (typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined);
        if (prop) out.push(...departures(prop, v, `${path}.${name}`));
      }
      break;
    }
    case 'array':
      if (!Array.isArray(value)) return [...out, `${path}: expected an array`];
      if (s.items) value.forEach((v, i) => out.push(...departures(s.items!, v, `${path}[${i}]`)));
      break;
    case 'string':
      if (typeof value !== 'string') out.push(`${path}: expected a string, got ${JSON.stringify(value)}`);
      break;
    case 'integer':
      if (!Number.isInteger(value)) out.push(`${path}: expected an integer, got ${JSON.stringify(value)}`);
      break;
    case 'number':
      if (typeof value !== 'number') out.push(`${path}: expected a number, got ${JSON.stringify(value)}`);
      break;
    case 'boolean':
      if (typeof value !== 'boolean') out.push(`${path}: expected a boolean, got ${JSON.stringify(value)}`);
      break;
  }
  if (s.enum && !s.enum.includes(value)) out.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(s.enum)}`);
  return out;
}

/** The schema GitHub documents for `status` answers of `method route`. */
function responseSchema(route: string, method: string, status: number): Schema {
  const operation = spec.paths[route]?.[method.toLowerCase()];
  if (!operation) throw new Error(`the OpenAPI description has no ${method} ${route}`);
  let response = operation.responses[String(status)];
  if (!response) throw new Error(`${method} ${route} documents no ${status} answer`);
  if (response.$ref) response = spec.components.responses[response.$ref.replace('#/components/responses/', '')]!;
  const schema = response.content?.['application/json']?.schema;
  if (!schema) throw new Error(`${method} ${route} ${status} has no JSON schema`);
  return schema;
}

const TOKEN = 'ghp_schemaschemaschemaschemaschemaschema';
let fake: GitHubFake;

async function call(method: string, path: string, body?: unknown, token: string | null = TOKEN) {
  const res = await fetch(`${fake.url}${path}`, {
    method,
    headers: { ...(token ? { authorization: `token ${token}` } : {}), 'content-type': 'application/json', accept: 'application/vnd.github+json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, json: (await res.json()) as unknown };
}

// A fresh fake for every test, so no test sees what another created.
beforeEach(async () => {
  fake = await startGitHubFake({
    token: TOKEN,
    repos: [
      {
        owner: 'octo',
        name: 'shop',
        roles: { alice: 'maintain' },
        issues: [
          { number: 1, title: 'Bug', body: 'text', labels: ['bug', 'rig'], author: 'alice', comments: [{ author: 'bob', body: 'me too' }] },
          { number: 2, title: 'Closed one', body: null, state: 'closed', labels: ['bug'] },
        ],
        pulls: [{ number: 3, title: 'Existing', head: 'feature/x', author: 'alice', draft: true }],
      },
    ],
  });
});

afterEach(() => fake.close());

describe('the fake answers in the shapes of the OpenAPI description', () => {
  const cases: Array<[string, string, string, () => Promise<{ status: number; json: unknown }>]> = [
    ['GET', '/repos/{owner}/{repo}', 'full repository', () => call('GET', '/repos/octo/shop')],
    ['GET', '/repos/{owner}/{repo}/issues', 'issue list (with a pull request in it)', () => call('GET', '/repos/octo/shop/issues?state=all')],
    ['GET', '/repos/{owner}/{repo}/issues/{issue_number}', 'issue', () => call('GET', '/repos/octo/shop/issues/1')],
    ['GET', '/repos/{owner}/{repo}/issues/{issue_number}', 'pull request read as an issue', () => call('GET', '/repos/octo/shop/issues/3')],
    ['GET', '/repos/{owner}/{repo}/issues/{issue_number}/comments', 'comment list', () => call('GET', '/repos/octo/shop/issues/1/comments')],
    ['POST', '/repos/{owner}/{repo}/issues/{issue_number}/comments', 'created comment', () => call('POST', '/repos/octo/shop/issues/1/comments', { body: 'hi' })],
    ['PATCH', '/repos/{owner}/{repo}/issues/comments/{comment_id}', 'edited comment', async () => {
      const id = fake.comments('octo/shop', 1)[0]!.id;
      return call('PATCH', `/repos/octo/shop/issues/comments/${id}`, { body: 'edited' });
    }],
    ['GET', '/repos/{owner}/{repo}/pulls', 'pull request list', () => call('GET', '/repos/octo/shop/pulls')],
    ['POST', '/repos/{owner}/{repo}/pulls', 'created pull request', () => call('POST', '/repos/octo/shop/pulls', { title: 'New', head: 'rig/issue-1', base: 'main', body: 'b' })],
    ['GET', '/repos/{owner}/{repo}/pulls/{pull_number}', 'pull request', () => call('GET', '/repos/octo/shop/pulls/3')],
    ['PATCH', '/repos/{owner}/{repo}/pulls/{pull_number}', 'edited pull request', () => call('PATCH', '/repos/octo/shop/pulls/3', { body: 'new body' })],
    ['GET', '/repos/{owner}/{repo}/collaborators/{username}/permission', 'collaborator permission', () => call('GET', '/repos/octo/shop/collaborators/alice/permission')],
    ['GET', '/user', 'authenticated user', () => call('GET', '/user')],
    // Errors have documented shapes too.
    ['GET', '/repos/{owner}/{repo}/issues/{issue_number}', '404 for a missing issue', () => call('GET', '/repos/octo/shop/issues/999')],
    ['POST', '/repos/{owner}/{repo}/pulls', '422 for a second pull request of one branch', () => call('POST', '/repos/octo/shop/pulls', { title: 'Again', head: 'feature/x', base: 'main' })],
  ];

  it.each(cases)('%s %s: %s', async (method, route, _what, request) => {
    const { status, json } = await request();
    expect(departures(responseSchema(route, method, status), json)).toEqual([]);
    if (Array.isArray(json)) expect(json.length).toBeGreaterThan(0);
  });

  it('the check itself catches a missing or mistyped property', async () => {
    const { json } = await call('GET', '/repos/octo/shop/issues/1');
    const issue = json as Record<string, unknown>;
    const schema = responseSchema('/repos/{owner}/{repo}/issues/{issue_number}', 'GET', 200);
    const { node_id: _dropped, ...withoutNodeId } = issue;
    expect(departures(schema, withoutNodeId)).toEqual(['$.node_id: required but missing']);
    expect(departures(schema, { ...issue, number: '1' })).toEqual(['$.number: expected an integer, got "1"']);
    const user = issue.user as Record<string, unknown>;
    const { login: _login, ...nameless } = user;
    expect(departures(schema, { ...issue, user: nameless })).toEqual(['$.user.login: required but missing']);
  });
});

describe('the fake behaves like GitHub', () => {
  it('puts rate-limit headers and a request id on every answer, errors included', async () => {
    for (const res of [await call('GET', '/repos/octo/shop'), await call('GET', '/nope'), await call('GET', '/user', undefined, 'ghp_wrongwrongwrongwrongwrongwrongwrong')]) {
      for (const name of ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'x-ratelimit-used', 'x-ratelimit-resource', 'x-github-request-id']) {
        expect(res.headers.get(name), `${name} on a ${res.status}`).toBeTruthy();
      }
    }
    const a = await call('GET', '/repos/octo/shop');
    const b = await call('GET', '/repos/octo/shop');
    expect(Number(b.headers.get('x-ratelimit-remaining'))).toBe(Number(a.headers.get('x-ratelimit-remaining')) - 1);
  });

  it('answers a wrong token with GitHub\'s 401 body, and a missing one only where it matters', async () => {
    const wrong = await call('GET', '/repos/octo/shop', undefined, 'ghp_wrongwrongwrongwrongwrongwrongwrong');
    expect(wrong.status).toBe(401);
    expect(wrong.json).toMatchObject({ message: 'Bad credentials', documentation_url: expect.stringMatching(/^https:\/\/docs\.github\.com/) });
    expect((await call('GET', '/repos/octo/shop', undefined, null)).status).toBe(200);
    expect((await call('GET', '/user', undefined, null)).json).toMatchObject({ message: 'Requires authentication' });
    expect((await call('POST', '/repos/octo/shop/issues/1/comments', { body: 'x' }, null)).status).toBe(401);
    const bearer = await fetch(`${fake.url}/user`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(bearer.status).toBe(200);
    // What the fake records never includes the token.
    expect(JSON.stringify(fake.requests)).not.toContain(TOKEN);
  });

  it('paginates with per_page/page and a Link header', async () => {
    for (let i = 0; i < 5; i++) fake.addComment('octo/shop', 2, { author: 'bob', body: `c${i}` });
    const first = await call('GET', '/repos/octo/shop/issues/2/comments?per_page=2');
    expect((first.json as unknown[]).length).toBe(2);
    const link = first.headers.get('link')!;
    expect(link).toContain(`<${fake.url}/repos/octo/shop/issues/2/comments?per_page=2&page=2>; rel="next"`);
    expect(link).toContain('page=3>; rel="last"');
    const middle = await call('GET', '/repos/octo/shop/issues/2/comments?per_page=2&page=2');
    expect(middle.headers.get('link')).toMatch(/page=1>; rel="prev".*page=3>; rel="next".*page=3>; rel="last".*page=1>; rel="first"/);
    const last = await call('GET', '/repos/octo/shop/issues/2/comments?per_page=2&page=3');
    expect((last.json as Array<{ body: string }>).map((c) => c.body)).toEqual(['c4']);
    expect(last.headers.get('link')).not.toContain('rel="next"');
    // GitHub caps per_page at 100 and defaults it to 30.
    expect((await call('GET', '/repos/octo/shop/issues/2/comments?per_page=1000')).headers.get('link')).toBeNull();
  });

  it('filters issues by state and labels, and lists pull requests among them', async () => {
    const numbers = async (q: string) => ((await call('GET', `/repos/octo/shop/issues${q}`)).json as Array<{ number: number }>).map((i) => i.number);
    expect(await numbers('')).toEqual([3, 1]);
    expect(await numbers('?state=closed')).toEqual([2]);
    expect(await numbers('?state=all&labels=bug')).toEqual([2, 1]);
    expect(await numbers('?state=all&labels=bug,RIG')).toEqual([1]);
  });

  it('filters pull requests by head "owner:branch" and state', async () => {
    const heads = async (q: string) => ((await call('GET', `/repos/octo/shop/pulls${q}`)).json as Array<{ head: { ref: string } }>).map((p) => p.head.ref);
    expect(await heads('?head=octo:feature/x')).toEqual(['feature/x']);
    expect(await heads('?head=someone-else:feature/x')).toEqual([]);
    expect(await heads('?head=feature/x')).toEqual([]);
    expect(await heads('?state=closed')).toEqual([]);
  });

  it('answers with GitHub\'s validation errors', async () => {
    const missing = await call('POST', '/repos/octo/shop/pulls', { title: 'x', base: 'main' });
    expect(missing.status).toBe(422);
    expect(missing.json).toMatchObject({ message: expect.stringContaining('"head" wasn\'t supplied') });
    const noTitle = await call('POST', '/repos/octo/shop/pulls', { head: 'a', base: 'main' });
    expect(noTitle.json).toMatchObject({ message: 'Validation Failed', errors: [{ resource: 'PullRequest', code: 'missing_field', field: 'title' }] });
    const badJson = await fetch(`${fake.url}/repos/octo/shop/issues/1/comments`, { method: 'POST', headers: { authorization: `token ${TOKEN}` }, body: '{not json' });
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toMatchObject({ message: 'Problems parsing JSON' });
  });

  it('injects a fault for the next N matching requests only', async () => {
    fake.inject({ method: 'GET', path: /\/issues\/1$/, times: 2, fault: { type: 'status', status: 502 } });
    expect((await call('GET', '/repos/octo/shop/issues/2')).status).toBe(200);
    expect((await call('POST', '/repos/octo/shop/issues/1/comments', { body: 'x' })).status).toBe(201);
    expect((await call('GET', '/repos/octo/shop/issues/1')).status).toBe(502);
    expect((await call('GET', '/repos/octo/shop/issues/1')).status).toBe(502);
    expect((await call('GET', '/repos/octo/shop/issues/1')).status).toBe(200);

    fake.inject({ path: '/repos/octo/shop', fault: { type: 'secondary_rate_limit', status: 429, retryAfterSeconds: 30 } });
    const limited = await call('GET', '/repos/octo/shop');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('30');
    expect(limited.json).toMatchObject({ message: expect.stringContaining('secondary rate limit') });

    fake.inject({ path: '/repos/octo/shop', fault: { type: 'primary_rate_limit', resetInSeconds: 600 } });
    const exhausted = await call('GET', '/repos/octo/shop');
    expect(exhausted.status).toBe(403);
    expect(exhausted.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(Number(exhausted.headers.get('x-ratelimit-reset')) - Date.now() / 1000).toBeGreaterThan(590);
  });

  it('does the work but drops the answer when told to lose it', async () => {
    fake.inject({ method: 'POST', path: '/repos/octo/shop/issues/1/comments', fault: { type: 'lose_answer' } });
    const before = fake.comments('octo/shop', 1).length;
    await expect(call('POST', '/repos/octo/shop/issues/1/comments', { body: 'lost answer' })).rejects.toThrow(/fetch failed/);
    expect(fake.comments('octo/shop', 1).length).toBe(before + 1);
    expect(fake.comments('octo/shop', 1).at(-1)!.body).toBe('lost answer');
  });

  it('runs out of its primary limit like GitHub', async () => {
    const small = await startGitHubFake({ rateLimit: { limit: 60, remaining: 1 }, repos: [{ owner: 'o', name: 'r' }] });
    try {
      const ok = await fetch(`${small.url}/repos/o/r`);
      expect(ok.status).toBe(200);
      expect(ok.headers.get('x-ratelimit-remaining')).toBe('0');
      const refused = await fetch(`${small.url}/repos/o/r`);
      expect(refused.status).toBe(403);
      expect(await refused.json()).toMatchObject({ message: expect.stringContaining('API rate limit exceeded') });
    } finally {
      await small.close();
    }
  });
});
