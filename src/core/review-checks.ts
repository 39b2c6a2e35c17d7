import path from 'node:path';
import picomatch from 'picomatch';
import { blockedPathMatcher } from './policy';
import type { ReviewVerdict } from './ports';
import { findSecrets, REDACTED } from './redact';

// Checks that run on the diff before it is committed, whatever the AI reviewer said. A reviewer
// is a model reading text the author influenced; these are rules no text can talk round.
// A `block` stops the task for a human; a `warn` is logged and shown, and the commit goes ahead.

export type ReviewCheck = 'secret_file' | 'protected_path' | 'blocked_path' | 'mass_deletion' | 'secret_in_diff';

export interface ReviewFinding {
  check: ReviewCheck;
  severity: 'block' | 'warn';
  path?: string;
  message: string;
}

export interface ReviewCheckInput {
  /** Unified diff of the change against the base (`git diff`). */
  diff: string;
  /** Repository-relative paths the change touches, deleted ones included. */
  changedFiles: string[];
  deletedFiles: string[];
  /** Paths the policies block: `secrets/` (a directory) or a glob matched against path and file name. */
  blockedPaths: string[];
  /** CI and deploy globs needing a human; replaces DEFAULT_PROTECTED_PATHS when given. */
  protectedPaths?: string[];
  maxDeletedLines?: number;
  maxDeletedFiles?: number;
}

/** Files that run with the repository's secrets or decide what reaches production. */
export const DEFAULT_PROTECTED_PATHS: readonly string[] = [
  '.github/workflows/**',
  '.github/actions/**',
  '.gitlab-ci.yml',
  '.gitlab/ci/**',
  '**/Jenkinsfile',
  '.circleci/**',
  '.buildkite/**',
  '.travis.yml',
  'azure-pipelines.yml',
  'bitbucket-pipelines.yml',
  '**/Dockerfile',
  '**/Dockerfile.*',
  '**/*.dockerfile',
  '**/docker-compose*.{yml,yaml}',
  '**/compose*.{yml,yaml}',
  'deploy/**',
  'deployment/**',
  'k8s/**',
  'kubernetes/**',
  'helm/**',
  'charts/**',
  'terraform/**',
  '**/*.tf',
  'ansible/**',
  'rig.yaml',
];

export const DEFAULT_MAX_DELETED_LINES = 500;
export const DEFAULT_MAX_DELETED_FILES = 10;

/** Names of files that hold credentials, matched against the file name whatever its directory. */
const SECRET_FILES: Array<[glob: string, what: string]> = [
  ['.env', 'an environment file'],
  ['.env.*', 'an environment file'],
  ['*.env', 'an environment file'],
  ['*.pem', 'a PEM key or certificate'],
  ['*.key', 'a private key'],
  ['*.{p12,pfx,jks,keystore,ppk,p8}', 'a key store'],
  ['id_{rsa,dsa,ecdsa,ed25519}*', 'an SSH private key'],
  ['{credentials,credentials.*,.git-credentials}', 'a credentials file'],
  ['{.netrc,_netrc,.pgpass,.htpasswd,.pypirc}', 'a credentials file'],
  ['*.tfstate{,.backup}', 'Terraform state, which stores secrets in plain text'],
  ['{secrets,secret}.{yml,yaml,json,toml}', 'a secrets file'],
];

/** Committed on purpose to show which variables exist: templates, not secrets. */
const SECRET_FILE_TEMPLATES = /\.(?:example|sample|template|dist|defaults?)$|\.pub$/i;

const matchers = new Map<string, (file: string) => boolean>();

function matcher(glob: string): (file: string) => boolean {
  let m = matchers.get(glob);
  if (!m) {
    // Case is ignored: `.ENV` on a case-insensitive checkout is the same file as `.env`.
    m = picomatch(glob, { dot: true, nocase: true });
    matchers.set(glob, m);
  }
  return m;
}

function normalise(file: string): string {
  return path.posix.normalize(file.replaceAll('\\', '/')).replace(/^(?:\.\/)+/, '').replace(/^\/+/, '');
}

// ------------------------------------------------------------------ the diff

interface FileDiff {
  path: string;
  deleted: boolean;
  added: Array<{ line: number; text: string }>;
  deletedLines: number;
  /** Lines of the new side (added and unchanged) that the diff shows. */
  shown: string[];
}

/** Git quotes unusual paths C-style: `"a/caf\303\251.txt"`. */
function unquote(raw: string): string {
  if (!raw.startsWith('"')) return raw;
  const bytes: number[] = [];
  const body = raw.slice(1, raw.lastIndexOf('"'));
  const escapes: Record<string, number> = { n: 10, t: 9, r: 13, b: 8, f: 12, v: 11, a: 7, '\\': 92, '"': 34 };
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      bytes.push(...Buffer.from(c));
    } else if (/[0-7]{3}/.test(body.slice(i + 1, i + 4))) {
      bytes.push(parseInt(body.slice(i + 1, i + 4), 8));
      i += 3;
    } else {
      bytes.push(escapes[body[i + 1]!] ?? body.charCodeAt(i + 1));
      i++;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** A path from a diff header; `a/` and `b/` prefixes are stripped only where git writes them. */
function diffPath(raw: string, prefixed = true): string | null {
  const value = unquote(raw.replace(/\t.*$/, '').trim());
  if (value === '/dev/null') return null;
  return normalise(prefixed ? value.replace(/^[ab]\//, '') : value);
}

/** The new path of `diff --git a/x b/y`; paths may hold spaces, so the unquoted form is split by symmetry. */
function gitHeaderPath(line: string): string | null {
  const rest = line.slice('diff --git '.length);
  const quoted = /("b\/(?:[^"\\]|\\.)*")$/.exec(rest);
  if (quoted) return diffPath(quoted[1]!);
  const half = (rest.length - 1) / 2;
  if (Number.isInteger(half) && rest.slice(2, half) === rest.slice(half + 3)) return diffPath(rest.slice(half + 1));
  const b = rest.lastIndexOf(' b/');
  return b > 0 ? diffPath(rest.slice(b + 1)) : null;
}

/**
 * Reads a unified diff. Hunk headers give line counts, and lines are consumed by count: a removed
 * line that reads `-- x` shows as `--- x` and must not be taken for a file header.
 */
function parseDiff(diff: string): FileDiff[] {
  const files: FileDiff[] = [];
  let file: FileDiff | null = null;
  // Between `diff --git` and the first hunk, `+++` names the file already started.
  let inHeader = false;
  let oldPath: string | null = null;
  let oldLeft = 0;
  let newLeft = 0;
  let newLine = 0;
  const start = (p: string): FileDiff => {
    const f: FileDiff = { path: p, deleted: false, added: [], deletedLines: 0, shown: [] };
    files.push(f);
    return f;
  };
  for (const line of diff.split('\n')) {
    if (file && (oldLeft > 0 || newLeft > 0)) {
      if (line.startsWith('+')) {
        file.added.push({ line: newLine++, text: line.slice(1) });
        file.shown.push(line.slice(1));
        newLeft--;
      } else if (line.startsWith('-')) {
        file.deletedLines++;
        oldLeft--;
      } else if (line.startsWith(' ') || line === '') {
        file.shown.push(line.slice(1));
        newLine++;
        oldLeft--;
        newLeft--;
      }
      continue;
    }
    if (line.startsWith('diff --git ')) {
      file = start(gitHeaderPath(line) ?? '');
      inHeader = true;
      oldPath = null;
      continue;
    }
    const hunk = /^@@ -\d+(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(line);
    if (hunk && file) {
      oldLeft = Number(hunk[1] ?? 1);
      newLine = Number(hunk[2]);
      newLeft = Number(hunk[3] ?? 1);
      inHeader = false;
      continue;
    }
    if (line.startsWith('--- ')) {
      oldPath = diffPath(line.slice(4));
    } else if (line.startsWith('+++ ')) {
      const newPath = diffPath(line.slice(4));
      const p = newPath ?? oldPath ?? '';
      if (file && inHeader) file.path = p;
      else file = start(p); // a plain unified diff has no `diff --git` line
      file.deleted = newPath === null;
      inHeader = true;
    } else if (file && inHeader && line.startsWith('deleted file mode')) {
      file.deleted = true;
    } else if (file && inHeader && line.startsWith('rename to ')) {
      file.path = diffPath(line.slice('rename to '.length), false) ?? file.path;
    }
  }
  return files;
}

// ------------------------------------------------------------------ checks

function secretFileFindings(files: string[]): ReviewFinding[] {
  const findings: ReviewFinding[] = [];
  for (const file of files) {
    const name = path.posix.basename(file);
    if (SECRET_FILE_TEMPLATES.test(name)) continue;
    const hit = SECRET_FILES.find(([glob]) => matcher(glob)(name));
    if (hit) findings.push({ check: 'secret_file', severity: 'block', path: file, message: `${file} looks like ${hit[1]}; credentials must not be committed` });
  }
  return findings;
}

const K8S_KIND = /^\s*kind:\s*(?:Deployment|StatefulSet|DaemonSet|Job|CronJob|Pod|Service|Ingress|ConfigMap|Secret|Role|ClusterRole|RoleBinding|ClusterRoleBinding|ServiceAccount|NetworkPolicy|Namespace|HorizontalPodAutoscaler|PersistentVolumeClaim)\s*$/m;

/** A Kubernetes manifest is known by its content wherever it lives: `apiVersion:` and a resource `kind:`. */
function isKubernetesManifest(file: FileDiff): boolean {
  if (!/\.ya?ml$/i.test(file.path)) return false;
  const text = file.shown.join('\n');
  return /^\s*apiVersion:\s*\S+/m.test(text) && K8S_KIND.test(text);
}

function protectedFindings(files: string[], diffs: FileDiff[], globs: readonly string[]): ReviewFinding[] {
  const findings: ReviewFinding[] = [];
  for (const file of files) {
    const glob = globs.find((g) => matcher(g)(file));
    const manifest = !glob && diffs.some((d) => d.path === file && isKubernetesManifest(d));
    if (!glob && !manifest) continue;
    const why = glob ? `matches ${glob}` : 'is a Kubernetes manifest';
    findings.push({ check: 'protected_path', severity: 'block', path: file, message: `${file} ${why}: CI and deploy files change only with a human's approval` });
  }
  return findings;
}

function blockedFindings(files: string[], blocked: string[]): ReviewFinding[] {
  const entries = blocked.map((entry) => ({ entry, test: blockedPathMatcher(entry) }));
  const findings: ReviewFinding[] = [];
  for (const file of files) {
    const hit = entries.find((e) => e.test(file));
    if (hit) findings.push({ check: 'blocked_path', severity: 'block', path: file, message: `${file} is in a blocked path (${hit.entry})` });
  }
  return findings;
}

function deletionFindings(diffs: FileDiff[], deletedFiles: string[], maxLines: number, maxFiles: number): ReviewFinding[] {
  const findings: ReviewFinding[] = [];
  const lines = diffs.reduce((n, d) => n + d.deletedLines, 0);
  if (lines > maxLines) {
    const worst = diffs.filter((d) => d.deletedLines > 0).sort((a, b) => b.deletedLines - a.deletedLines).slice(0, 3);
    const where = worst.map((d) => `${d.path} (${d.deletedLines})`).join(', ');
    findings.push({ check: 'mass_deletion', severity: 'block', message: `${lines} lines deleted, more than the limit of ${maxLines}; most in ${where}` });
  }
  if (deletedFiles.length > maxFiles) {
    const shown = deletedFiles.slice(0, 5).join(', ');
    const more = deletedFiles.length > 5 ? ` and ${deletedFiles.length - 5} more` : '';
    findings.push({ check: 'mass_deletion', severity: 'block', message: `${deletedFiles.length} files deleted, more than the limit of ${maxFiles}: ${shown}${more}` });
  }
  return findings;
}

/** Secrets in added lines only: removing a leaked key is a fix, not a leak. Messages never quote the value. */
function secretInDiffFindings(diffs: FileDiff[]): ReviewFinding[] {
  const findings: ReviewFinding[] = [];
  for (const d of diffs) {
    if (!d.added.length) continue;
    const text = d.added.map((a) => a.text).join('\n');
    // Offset in `text` -> line number in the new file, for the message.
    const lineAt: number[] = [];
    for (const a of d.added) for (let i = 0; i <= a.text.length; i++) lineAt.push(a.line);
    const byFamily = new Map<string, { lines: number[]; severity: ReviewFinding['severity'] }>();
    for (const s of findSecrets(text)) {
      if (text.slice(s.start, s.end).includes(REDACTED)) continue;
      const entry = byFamily.get(s.family) ?? { lines: [], severity: 'warn' };
      if (s.confidence === 'high') entry.severity = 'block';
      entry.lines.push(lineAt[s.start] ?? d.added[0]!.line);
      byFamily.set(s.family, entry);
    }
    for (const [family, { lines, severity }] of byFamily) {
      const where = lines.length === 1 ? `line ${lines[0]}` : `lines ${lines.slice(0, 5).join(', ')}${lines.length > 5 ? '…' : ''}`;
      const advice = severity === 'block' ? 'secrets must not be committed' : 'check that it is not a real secret';
      findings.push({ check: 'secret_in_diff', severity, path: d.path, message: `${d.path} ${where} adds what looks like a secret (${family}); ${advice}` });
    }
  }
  return findings;
}

export function runReviewChecks(input: ReviewCheckInput): { findings: ReviewFinding[] } {
  const diffs = parseDiff(input.diff);
  // The diff is the evidence: a file it touches is checked even when the lists leave it out.
  const deleted = new Set([...input.deletedFiles.map(normalise), ...diffs.filter((d) => d.deleted).map((d) => d.path)]);
  const changed = [...new Set([...input.changedFiles.map(normalise), ...diffs.map((d) => d.path)])].filter(Boolean);
  // Only a written file can leak: deleting `.env` is no leak. Removing a workflow or a blocked
  // file still needs a human, so those checks see deletions too.
  const written = changed.filter((f) => !deleted.has(f));
  const findings = [
    ...secretFileFindings(written),
    ...protectedFindings(changed, diffs, input.protectedPaths ?? DEFAULT_PROTECTED_PATHS),
    ...blockedFindings(changed, input.blockedPaths),
    ...deletionFindings(diffs, [...deleted], input.maxDeletedLines ?? DEFAULT_MAX_DELETED_LINES, input.maxDeletedFiles ?? DEFAULT_MAX_DELETED_FILES),
    ...secretInDiffFindings(diffs),
  ];
  // Blocks first: they are what a reader must act on.
  findings.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'block' ? -1 : 1));
  return { findings };
}

export interface CombinedVerdict {
  verdict: 'approve' | 'request_changes' | 'block';
  reasons: string[];
}

/**
 * The final word before commit. A blocking finding wins over anything the reviewer said; the
 * reviewer's request for changes wins over warnings; `null` means no AI review ran.
 */
export function combineVerdict(aiVerdict: ReviewVerdict | null, findings: readonly ReviewFinding[]): CombinedVerdict {
  const blocks = findings.filter((f) => f.severity === 'block').map((f) => f.message);
  const warnings = findings.filter((f) => f.severity === 'warn').map((f) => f.message);
  const review = aiVerdict?.verdict === 'request_changes'
    ? [aiVerdict.summary, ...aiVerdict.comments.map((c) => (c.path ? `${c.path}: ${c.message}` : c.message))].filter((s) => s.trim())
    : [];
  if (blocks.length) {
    const overridden = aiVerdict?.verdict === 'approve' ? ['the AI reviewer approved, but the checks above block the change'] : [];
    return { verdict: 'block', reasons: [...blocks, ...overridden, ...review, ...warnings] };
  }
  if (aiVerdict?.verdict === 'request_changes') return { verdict: 'request_changes', reasons: [...review, ...warnings] };
  return { verdict: 'approve', reasons: warnings };
}
