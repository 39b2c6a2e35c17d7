import type { IssueRef } from '../../core/model';

/** An issue reference plus where it lives, so the API base URL can be derived for Enterprise hosts. */
export interface ParsedIssueRef extends IssueRef {
  /** Web host with any port, lower-cased: "github.com", "ghe.example.com:8443". */
  host: string;
  /** Scheme and host of the web UI: "https://github.com". */
  origin: string;
}

const EXPECTED_FORMS =
  'expected https://github.com/OWNER/REPO/issues/NUMBER, https://HOST/OWNER/REPO/issues/NUMBER (GitHub Enterprise) or OWNER/REPO#NUMBER';

// GitHub's own rules: account names are letters, digits and single hyphens, 39 at most, no hyphen
// at either end (managed users add "_shortcode", hence the underscore); repository names are
// letters, digits, ".", "-" and "_", 100 at most, and never "." or "..".
const OWNER_RE = /^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,37}[A-Za-z0-9])?$/;
const REPO_NAME_RE = /^[A-Za-z0-9._-]{1,100}$/;
const NUMBER_RE = /^[1-9][0-9]{0,9}$/;
const MAX_ISSUE_NUMBER = 2_147_483_647;
const SHORTHAND_RE = /^([^/#\s]+)\/([^/#\s]+)#([^#\s]+)$/;
const MAX_INPUT_LENGTH = 2048;

export function isValidOwner(owner: string): boolean {
  return OWNER_RE.test(owner);
}

export function isValidRepoName(name: string): boolean {
  return REPO_NAME_RE.test(name) && name !== '.' && name !== '..';
}

/**
 * Reads `https://github.com/o/r/issues/42` (any host, for GitHub Enterprise; trailing slash, query and
 * fragment ignored) or the `o/r#42` shorthand, which means github.com unless `defaultHost` says otherwise.
 */
export function parseIssueRef(input: string, opts: { defaultHost?: string } = {}): ParsedIssueRef {
  if (typeof input !== 'string') throw new Error(`Not an issue reference: ${typeof input}; ${EXPECTED_FORMS}`);
  const text = input.trim();
  const fail = (why: string): never => {
    throw new Error(`Not an issue reference: ${show(text)} (${why}); ${EXPECTED_FORMS}`);
  };
  if (text === '') fail('empty');
  if (text.length > MAX_INPUT_LENGTH) fail(`longer than ${MAX_INPUT_LENGTH} characters`);
  // Control characters have no business in a reference and could forge log lines.
  if (/[\u0000-\u001f\u007f]/.test(text)) fail('contains control characters');

  const short = SHORTHAND_RE.exec(text);
  if (short) {
    const origin = originOf(opts.defaultHost ?? 'github.com');
    return { ...checkParts(short[1]!, short[2]!, short[3]!, fail), host: new URL(origin).host, origin };
  }
  if (!/^https?:\/\//i.test(text)) fail('not a URL and not OWNER/REPO#NUMBER');

  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail('not a valid URL');
  }
  if (url.username || url.password) fail('URLs with credentials in them are refused');
  const segments = url.pathname.split('/').filter((s, i, all) => !(s === '' && (i === 0 || i === all.length - 1)));
  if (segments.length >= 3 && (segments[2] === 'pull' || segments[2] === 'pulls')) {
    fail('that is a pull request; Rig works from issues');
  }
  if (segments.length !== 4 || segments[2] !== 'issues') fail('the path is not /OWNER/REPO/issues/NUMBER');
  const [owner, repo, , number] = segments.map(safeDecode) as [string, string, string, string];
  const host = url.host.toLowerCase() === 'www.github.com' ? 'github.com' : url.host.toLowerCase();
  return { ...checkParts(owner, repo, number, fail), host, origin: `${url.protocol}//${host}` };
}

/** The same parser under the name the command line uses for its ISSUE_URL argument. */
export const parseIssueUrl = parseIssueRef;

function checkParts(owner: string, repo: string, number: string, fail: (why: string) => never): IssueRef {
  if (!isValidOwner(owner)) fail(`"${owner}" is not a valid GitHub owner name`);
  if (!isValidRepoName(repo)) fail(`"${repo}" is not a valid GitHub repository name`);
  if (!NUMBER_RE.test(number) || Number(number) > MAX_ISSUE_NUMBER) fail(`"${number}" is not an issue number`);
  return { owner, repo, number: Number(number) };
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    // Left encoded: the name check that follows refuses the "%" with a clear message.
    return segment;
  }
}

/** Quotes the input for an error message, without any user:password part and at a readable length. */
function show(text: string): string {
  const withoutCredentials = text.replace(/^(https?:\/\/)[^/@]*@/i, '$1***@');
  const cut = withoutCredentials.length > 120 ? `${withoutCredentials.slice(0, 120)}…` : withoutCredentials;
  return JSON.stringify(cut);
}

function originOf(hostOrOrigin: string): string {
  const candidate = /^https?:\/\//i.test(hostOrOrigin) ? hostOrOrigin : `https://${hostOrOrigin}`;
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    throw new Error(`Not a GitHub host: ${JSON.stringify(hostOrOrigin)}; expected a host such as "github.com" or "ghe.example.com"`);
  }
  if (url.username || url.password || (url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    throw new Error(`Not a GitHub host: ${JSON.stringify(hostOrOrigin.replace(/\/\/[^/@]*@/, '//***@'))}; expected a bare host such as "ghe.example.com"`);
  }
  return `${url.protocol}//${url.host.toLowerCase()}`;
}

/**
 * The REST API root that goes with a web host: api.github.com for github.com, api.SUB.ghe.com for
 * GitHub Enterprise Cloud with data residency, and HOST/api/v3 for GitHub Enterprise Server.
 * Accepts a bare host ("ghe.example.com", meaning https) or an origin ("http://ghe.local:8080").
 */
export function defaultApiBaseUrl(hostOrOrigin: string): string {
  const origin = originOf(hostOrOrigin);
  const url = new URL(origin);
  if (url.host === 'github.com' || url.host === 'www.github.com') return 'https://api.github.com';
  if (/^[a-z0-9-]+\.ghe\.com$/.test(url.host)) return `https://api.${url.host}`;
  return `${origin}/api/v3`;
}

/**
 * The API base URL to use: rig.yaml's source.api_url, else GITHUB_API_URL (set by GitHub Actions and
 * by users of Enterprise), else the one derived from the issue's host.
 */
export function chooseApiBaseUrl(sources: { configured?: string; fromEnv?: string; host: string }): string {
  const explicit = sources.configured?.trim() || sources.fromEnv?.trim();
  if (!explicit) return defaultApiBaseUrl(sources.host);
  let url: URL;
  try {
    url = new URL(explicit);
  } catch {
    throw new Error(`GitHub API URL ${JSON.stringify(explicit.replace(/\/\/[^/@]*@/, '//***@'))} is not a URL; expected e.g. https://api.github.com or https://HOST/api/v3`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new Error(`GitHub API URL must be http(s), got ${url.protocol.replace(/:$/, '')}`);
  }
  if (url.username || url.password) throw new Error('GitHub API URL must not contain credentials; give the token as source.token or GITHUB_TOKEN');
  return explicit.replace(/\/+$/, '');
}
