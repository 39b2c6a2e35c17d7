import { describe, expect, it } from 'vitest';
import type { ReviewVerdict } from '../../src/core/ports';
import { combineVerdict, DEFAULT_PROTECTED_PATHS, runReviewChecks, type ReviewCheckInput, type ReviewFinding } from '../../src/core/review-checks';

// Assembled from pieces so that this file holds nothing a secret scanner would flag.
const GITHUB_TOKEN = 'ghp_' + 'Ab3dE5gH7jK9'.repeat(3);

interface FileChange {
  path: string;
  added?: string[];
  removed?: string[];
  status?: 'added' | 'modified' | 'deleted';
}

/** A `git diff` as git writes it, one hunk per file. */
function gitDiff(files: FileChange[]): string {
  return files
    .map(({ path, added = [], removed = [], status = 'modified' }) => {
      const header = [`diff --git a/${path} b/${path}`];
      if (status === 'added') header.push('new file mode 100644');
      if (status === 'deleted') header.push('deleted file mode 100644');
      header.push(status === 'added' ? '--- /dev/null' : `--- a/${path}`, status === 'deleted' ? '+++ /dev/null' : `+++ b/${path}`);
      const oldStart = status === 'added' ? 0 : 1;
      const newStart = status === 'deleted' ? 0 : 1;
      header.push(`@@ -${oldStart},${removed.length} +${newStart},${added.length} @@`);
      return [...header, ...removed.map((l) => `-${l}`), ...added.map((l) => `+${l}`)].join('\n');
    })
    .join('\n');
}

function check(files: FileChange[], extra: Partial<ReviewCheckInput> = {}): ReviewFinding[] {
  return runReviewChecks({
    diff: gitDiff(files),
    changedFiles: files.map((f) => f.path),
    deletedFiles: files.filter((f) => f.status === 'deleted').map((f) => f.path),
    blockedPaths: [],
    ...extra,
  }).findings;
}

const summary = (findings: ReviewFinding[]) => findings.map((f) => [f.check, f.severity, f.path]);

describe('secret-like files', () => {
  it.each(['.env', '.env.production', 'config/prod.env', 'certs/server.pem', 'tls/private.key', 'keys/app.p12', '.ssh/id_rsa', 'id_ed25519_deploy', '.aws/credentials', 'credentials.json', '.git-credentials', '.netrc', '.pypirc', 'infra/terraform.tfstate', 'config/secrets.yml', '.ENV'])(
    'blocks %s',
    (path) => {
      expect(summary(check([{ path, added: ['x'], status: 'added' }]))).toEqual([['secret_file', 'block', path]]);
    },
  );

  it.each(['.env.example', '.env.sample', '.env.template', 'id_rsa.pub', 'src/environment.ts', 'docs/keys.md', 'src/credentials_test.go', 'README.md'])('lets %s through', (path) => {
    expect(check([{ path, added: ['x'], status: 'added' }])).toEqual([]);
  });

  it('does not call deleting a secrets file a leak', () => {
    expect(check([{ path: '.env', removed: ['X=1'], status: 'deleted' }])).toEqual([]);
  });
});

describe('CI and deploy paths', () => {
  it.each([
    '.github/workflows/ci.yml',
    '.github/actions/setup/action.yml',
    '.gitlab-ci.yml',
    'Jenkinsfile',
    'ci/Jenkinsfile',
    '.circleci/config.yml',
    'Dockerfile',
    'services/api/Dockerfile',
    'Dockerfile.prod',
    'docker-compose.yml',
    'deploy/prod.sh',
    'k8s/deployment.yaml',
    'charts/app/values.yaml',
    'infra/main.tf',
  ])('blocks %s by default', (path) => {
    const findings = check([{ path, added: ['x'] }]);
    expect(summary(findings)).toEqual([['protected_path', 'block', path]]);
    expect(findings[0]!.message).toContain(path);
  });

  it('recognises a Kubernetes manifest by its content wherever it lives', () => {
    const manifest = ['apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: web'];
    expect(summary(check([{ path: 'ops/web.yaml', added: manifest, status: 'added' }]))).toEqual([['protected_path', 'block', 'ops/web.yaml']]);
    expect(check([{ path: 'config/app.yaml', added: ['name: web', 'kind: of a config'], status: 'added' }])).toEqual([]);
  });

  it('uses a configured list instead of the defaults', () => {
    const paths = ['.github/workflows/ci.yml', 'infra/app.cfg'];
    const findings = check(
      paths.map((path) => ({ path, added: ['x'] })),
      { protectedPaths: ['infra/**'] },
    );
    expect(summary(findings)).toEqual([['protected_path', 'block', 'infra/app.cfg']]);
    expect(DEFAULT_PROTECTED_PATHS).toContain('.github/workflows/**');
  });

  it('leaves ordinary source alone', () => {
    expect(check([{ path: 'src/deploy-helpers.ts', added: ['x'] }, { path: 'docs/deploy.md', added: ['y'] }])).toEqual([]);
  });
});

describe('blocked paths from policies', () => {
  it('blocks a directory entry and a glob, matched against path and file name', () => {
    const findings = check([{ path: 'secrets/db.txt', added: ['x'] }, { path: 'config/PROD.LOCK', added: ['y'] }, { path: 'src/a.ts', added: ['z'] }], {
      blockedPaths: ['secrets/', '*.lock'],
    });
    expect(summary(findings)).toEqual([
      ['blocked_path', 'block', 'secrets/db.txt'],
      ['blocked_path', 'block', 'config/PROD.LOCK'],
    ]);
    expect(findings[0]!.message).toBe('secrets/db.txt is in a blocked path (secrets/)');
  });

  it('blocks deleting a blocked path too', () => {
    expect(summary(check([{ path: 'secrets/old.txt', removed: ['x'], status: 'deleted' }], { blockedPaths: ['secrets/'] }))).toEqual([
      ['blocked_path', 'block', 'secrets/old.txt'],
    ]);
  });
});

describe('mass deletions', () => {
  const lines = (n: number) => Array.from({ length: n }, (_, i) => `line ${i}`);

  it('blocks more deleted lines than the limit and names where they went', () => {
    const findings = check([{ path: 'src/big.ts', removed: lines(30) }, { path: 'src/small.ts', removed: lines(2) }], { maxDeletedLines: 25 });
    expect(summary(findings)).toEqual([['mass_deletion', 'block', undefined]]);
    expect(findings[0]!.message).toBe('32 lines deleted, more than the limit of 25; most in src/big.ts (30), src/small.ts (2)');
  });

  it('allows deletions up to the limit', () => {
    expect(check([{ path: 'src/a.ts', removed: lines(25) }], { maxDeletedLines: 25 })).toEqual([]);
  });

  it('blocks deleting more files than the limit', () => {
    const files = Array.from({ length: 4 }, (_, i) => ({ path: `src/f${i}.ts`, removed: ['x'], status: 'deleted' as const }));
    const findings = check(files, { maxDeletedFiles: 3 });
    expect(findings.map((f) => f.message)).toEqual(['4 files deleted, more than the limit of 3: src/f0.ts, src/f1.ts, src/f2.ts, src/f3.ts']);
  });

  it('counts by hunk lengths, so a removed line starting with dashes is not a file header', () => {
    const diff = ['diff --git a/doc.md b/doc.md', '--- a/doc.md', '+++ b/doc.md', '@@ -1,3 +1,1 @@', '--- a/other', '-+++ b/other', ' kept'].join('\n');
    const findings = runReviewChecks({ diff, changedFiles: ['doc.md'], deletedFiles: [], blockedPaths: [], maxDeletedLines: 1 }).findings;
    expect(findings.map((f) => f.message)).toEqual(['2 lines deleted, more than the limit of 1; most in doc.md (2)']);
  });
});

describe('secrets in the diff', () => {
  it('blocks a token in an added line and gives the line without quoting the value', () => {
    const findings = check([{ path: 'src/config.ts', added: ['export const a = 1;', `export const token = "${GITHUB_TOKEN}";`], status: 'added' }]);
    expect(summary(findings)).toEqual([['secret_in_diff', 'block', 'src/config.ts']]);
    expect(findings[0]!.message).toBe('src/config.ts line 2 adds what looks like a secret (GitHub token); secrets must not be committed');
    expect(JSON.stringify(findings)).not.toContain(GITHUB_TOKEN);
  });

  it('counts new-file line numbers from the hunk header', () => {
    const diff = ['diff --git a/a.ts b/a.ts', '--- a/a.ts', '+++ b/a.ts', '@@ -40,2 +40,3 @@', ' one', `+const k = "${GITHUB_TOKEN}";`, ' two'].join('\n');
    const findings = runReviewChecks({ diff, changedFiles: ['a.ts'], deletedFiles: [], blockedPaths: [] }).findings;
    expect(findings[0]!.message).toContain('a.ts line 41 ');
  });

  it('blocks a private key added over several lines', () => {
    const key = ['-----BEGIN OPENSSH PRIVATE KEY-----', 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAAB', '-----END OPENSSH PRIVATE KEY-----'];
    expect(summary(check([{ path: 'scripts/deploy_key', added: key, status: 'added' }]))).toEqual([['secret_in_diff', 'block', 'scripts/deploy_key']]);
  });

  it('only warns about a value that is secret by name alone', () => {
    const findings = check([{ path: 'test/fixtures.ts', added: ['const password = "hunter2hunter2";'] }]);
    expect(summary(findings)).toEqual([['secret_in_diff', 'warn', 'test/fixtures.ts']]);
  });

  it('ignores secrets in removed lines: taking a leaked key out is the fix', () => {
    expect(check([{ path: 'src/config.ts', removed: [`const token = "${GITHUB_TOKEN}";`], added: ['const token = process.env.TOKEN;'] }])).toEqual([]);
  });

  it('ignores commit ids, UUIDs and code that reads secrets from the environment', () => {
    const added = [
      'const base = "3f786850e387550fdab836ed7e6dc881de23001b";',
      'const id = "123e4567-e89b-12d3-a456-426614174000";',
      'const token = process.env.GITHUB_TOKEN;',
      'password: string;',
      '      - run: echo ${{ secrets.DEPLOY_KEY }}',
    ];
    expect(check([{ path: 'src/a.ts', added }])).toEqual([]);
  });

  it('reads plain unified diffs and paths with spaces', () => {
    const plain = ['--- a/my notes.txt\t2024-01-01', '+++ b/my notes.txt\t2024-01-02', '@@ -0,0 +1 @@', `+${GITHUB_TOKEN}`].join('\n');
    const findings = runReviewChecks({ diff: plain, changedFiles: ['my notes.txt'], deletedFiles: [], blockedPaths: [] }).findings;
    expect(summary(findings)).toEqual([['secret_in_diff', 'block', 'my notes.txt']]);
    const git = gitDiff([{ path: 'dir with space/a b.txt', added: [GITHUB_TOKEN] }]);
    expect(runReviewChecks({ diff: git, changedFiles: [], deletedFiles: [], blockedPaths: [] }).findings[0]!.path).toBe('dir with space/a b.txt');
  });

  it('reads the quoted paths git writes for non-ASCII names', () => {
    const diff = ['diff --git "a/caf\\303\\251.txt" "b/caf\\303\\251.txt"', '--- "a/caf\\303\\251.txt"', '+++ "b/caf\\303\\251.txt"', '@@ -0,0 +1 @@', `+${GITHUB_TOKEN}`].join('\n');
    expect(runReviewChecks({ diff, changedFiles: [], deletedFiles: [], blockedPaths: [] }).findings[0]!.path).toBe('café.txt');
  });
});

describe('the diff as evidence', () => {
  it('checks files the diff touches even when the file lists leave them out', () => {
    const diff = gitDiff([
      { path: '.github/workflows/release.yml', added: ['x'] },
      { path: '.env', removed: ['X=1'], status: 'deleted' },
    ]);
    const findings = runReviewChecks({ diff, changedFiles: [], deletedFiles: [], blockedPaths: [] }).findings;
    // The workflow is caught; deleting .env is not mistaken for adding it.
    expect(summary(findings)).toEqual([['protected_path', 'block', '.github/workflows/release.yml']]);
  });
});

describe('findings order', () => {
  it('lists blocking findings before warnings', () => {
    const findings = check([
      { path: 'test/fixtures.ts', added: ['const password = "hunter2hunter2";'] },
      { path: '.github/workflows/ci.yml', added: ['x'] },
    ]);
    expect(findings.map((f) => f.severity)).toEqual(['block', 'warn']);
  });
});

describe('combineVerdict', () => {
  const approve: ReviewVerdict = { verdict: 'approve', summary: 'Looks good', comments: [] };
  const changes: ReviewVerdict = {
    verdict: 'request_changes',
    summary: 'Missing a test',
    comments: [{ path: 'src/a.ts', message: 'handle the empty case' }, { message: 'add a changelog entry' }],
  };
  const block: ReviewFinding = { check: 'protected_path', severity: 'block', path: '.github/workflows/ci.yml', message: 'workflow changed' };
  const warn: ReviewFinding = { check: 'secret_in_diff', severity: 'warn', path: 'a.ts', message: 'maybe a secret' };

  it('lets a blocking finding win over an AI approval, and says so', () => {
    expect(combineVerdict(approve, [block, warn])).toEqual({
      verdict: 'block',
      reasons: ['workflow changed', 'the AI reviewer approved, but the checks above block the change', 'maybe a secret'],
    });
  });

  it('blocks without an AI review too', () => {
    expect(combineVerdict(null, [block]).verdict).toBe('block');
  });

  it('keeps the reviewer’s requests next to a block', () => {
    expect(combineVerdict(changes, [block]).reasons).toEqual(['workflow changed', 'Missing a test', 'src/a.ts: handle the empty case', 'add a changelog entry']);
  });

  it('passes on a request for changes, with warnings', () => {
    expect(combineVerdict(changes, [warn])).toEqual({
      verdict: 'request_changes',
      reasons: ['Missing a test', 'src/a.ts: handle the empty case', 'add a changelog entry', 'maybe a secret'],
    });
  });

  it('approves when nothing blocks, carrying warnings as reasons', () => {
    expect(combineVerdict(approve, [warn])).toEqual({ verdict: 'approve', reasons: ['maybe a secret'] });
    expect(combineVerdict(null, [])).toEqual({ verdict: 'approve', reasons: [] });
  });
});
