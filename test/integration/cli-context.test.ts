import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitHubFake, type GitHubFake } from '../../src/fakes/github-fake-server';
import { CLI, GITHUB_TOKEN, type RigResult } from '../helpers/cli-harness';
import { createSampleRepo, type SampleRepo } from '../helpers/git-repo';

const FILES: Record<string, string> = {
  'src/cart/cart.ts': 'export class Cart {\n  addItem(sku: string, qty: number) {\n    return qty;\n  }\n}\nexport function cartTotal(items: number[]): number {\n  return items.reduce((a, b) => a + b, 0);\n}\n',
  'src/cart/discount.ts': "import { cartTotal } from './cart';\nexport function applyDiscount(items: number[], pct: number): number {\n  return cartTotal(items) * (1 - pct);\n}\n",
  'src/shipping/rates.py': 'class RateTable:\n    def rate_for(self, weight):\n        return weight * 2\n',
  'src/search/index.go': 'package search\nfunc BuildIndex(docs []string) map[string]int {\n\treturn nil\n}\n',
  'test/cart/cart.test.ts': "import { cartTotal } from '../../src/cart/cart';\ntest('total', () => expect(cartTotal([1, 2])).toBe(3));\n",
  'README.md': '# Shop\n\n## Cart\n\nThe cart.\n',
  'node_modules/left-pad/index.js': 'module.exports.cartTotal = () => 0;\n',
};

let repo: SampleRepo;
let github: GitHubFake;

function rig(args: string[], cwd = repo.work): Promise<RigResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', GITHUB_TOKEN, GITHUB_API_URL: github.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

beforeAll(async () => {
  // No rig.yaml: seeing the context needs only the repository and GitHub.
  repo = createSampleRepo(FILES);
  github = await startGitHubFake({
    token: GITHUB_TOKEN,
    viewer: 'rig-bot',
    repos: [
      {
        owner: 'acme',
        name: 'shop',
        gitDir: repo.origin,
        issues: [
          { number: 1, title: 'cartTotal ignores negative quantities', body: 'Adding an item with a negative quantity lowers the total.' },
          { number: 2, title: 'Wrong shipping price', body: 'Heavy parcels cost too little.', comments: [{ author: 'ops', body: 'The table is in src/shipping/rates.py I think.' }] },
        ],
      },
    ],
  });
});

afterAll(async () => {
  await github?.close();
});

describe('rig context', () => {
  it('prints the ranked files with reasons, the token count and the map the planner gets', async () => {
    const r = await rig(['context', 'https://github.com/acme/shop/issues/1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Issue acme/shop#1: cartTotal ignores negative quantities');
    expect(r.stdout).toMatch(/: 7 files, \d+ ranked, built in \d+ ms/);
    expect(r.stdout).toMatch(/Tokens: \d+ of a 8000 budget/);
    expect(r.stdout).toMatch(/^1\. +[\d.]+ {2}src\/cart\/cart\.ts\n +defines cartTotal/m);
    const [, map] = r.stdout.split('--- the map, as the planner receives it ---\n');
    expect(map).toMatch(/^# Repository map: 7 files\./);
    expect(map).toContain('  6 function cartTotal');
    expect(map).toContain('node_modules/ (1 file, vendored or generated)');
    // origin/main is this HEAD and the tree is clean: the map is what a task would see.
    expect(r.stdout).not.toContain('Note:');
  });

  it('gives the same as JSON, with every ranked file and the token count within the budget', async () => {
    const r = await rig(['context', 'acme/shop#1', '--json', '--budget', '300']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.issue).toMatchObject({ owner: 'acme', repo: 'shop', number: 1 });
    expect(out.budget_tokens).toBe(300);
    expect(out.tokens).toBeLessThanOrEqual(300);
    expect(out.tokens).toBeGreaterThan(50);
    expect(out.total_files).toBe(7);
    expect(out.ranked[0]).toMatchObject({ path: 'src/cart/cart.ts', reasons: expect.arrayContaining(['defines cartTotal']) });
    const paths = out.ranked.map((f: { path: string }) => f.path);
    expect(paths).toContain('src/cart/discount.ts');
    expect(paths).toContain('test/cart/cart.test.ts');
    expect(paths).not.toContain('node_modules/left-pad/index.js');
    expect(out.tree).toMatchObject({ base_branch: 'main', dirty: false });
    expect(out.tree.head).toBe(out.tree.base_sha);
    expect(typeof out.map).toBe('string');
  });

  it('reads the comments of the issue from GitHub', async () => {
    const r = await rig(['context', 'https://github.com/acme/shop/issues/2', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.ranked[0]).toMatchObject({ path: 'src/shipping/rates.py', reasons: expect.arrayContaining(['path mentioned: src/shipping/rates.py']) });
  });

  it('says when the working tree is not what a task would map', async () => {
    const other = createSampleRepo(FILES);
    other.git('remote', 'set-url', 'origin', repo.origin);
    other.git('fetch', '--quiet', 'origin');
    other.git('commit', '--quiet', '--allow-empty', '-m', 'local only');
    const r = await rig(['context', 'acme/shop#1'], other.work);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Note: a task maps origin\/main in a fresh worktree; this map differs where this tree does \(HEAD is not origin\/main/);
  });

  it('refuses a bad budget as a usage error, and a missing issue with the reason', async () => {
    const bad = await rig(['context', 'acme/shop#1', '--budget', '5']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/expected a whole number of tokens from 100/);
    const missing = await rig(['context', 'acme/shop#99']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^rig: .*(not found|404)/im);
    const notUrl = await rig(['context', 'not-an-issue']);
    expect(notUrl.code).toBe(2);
    expect(notUrl.stderr).toContain('Not an issue reference');
  });
});
