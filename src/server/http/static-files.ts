import { promises as fs, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import type { HttpReply } from '../contracts';
import { HttpError } from './errors';
import { DASHBOARD_CSP } from './respond';
import { ServerConfigError } from './security-options';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

/**
 * The dashboard's built files. A request can only ever name a regular file below `root`: `..`,
 * encoded separators, dotfiles and symlinks that lead out are all refused. Paths without an
 * extension fall back to index.html so the dashboard's own routes survive a reload.
 */
export class StaticFiles {
  private readonly root: string;

  constructor(dir: string) {
    try {
      this.root = realpathSync(path.resolve(dir));
    } catch {
      throw new ServerConfigError(`dashboard directory ${dir} does not exist`);
    }
    if (!statSync(this.root).isDirectory()) throw new ServerConfigError(`dashboard directory ${dir} is not a directory`);
  }

  async serve(pathname: string): Promise<HttpReply> {
    const root = this.root;
    const rel = this.relativePath(pathname);
    const file = (await this.regularFileBelow(root, rel === '' ? 'index.html' : rel)) ?? (path.extname(rel) === '' ? await this.regularFileBelow(root, 'index.html') : null);
    if (!file) throw new HttpError(404, 'not found');
    const body = await fs.readFile(file);
    return {
      status: 200,
      headers: {
        'Content-Type': CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
        'Content-Security-Policy': DASHBOARD_CSP,
        // Revalidate every time: a new build must never be mixed with an old cached index.html.
        'Cache-Control': 'no-cache',
      },
      body,
    };
  }

  private relativePath(pathname: string): string {
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      throw new HttpError(400, 'malformed percent-encoding in the path');
    }
    if (decoded.includes('\0') || decoded.includes('\\')) throw new HttpError(400, 'invalid path');
    const segments = decoded.split('/').filter(Boolean);
    if (segments.some((s) => s === '..' || s.startsWith('.'))) throw new HttpError(404, 'not found');
    return segments.join('/');
  }

  /** The real path of `rel` when it is a regular file still inside `root` after symlinks. */
  private async regularFileBelow(root: string, rel: string): Promise<string | null> {
    let real: string;
    try {
      real = await fs.realpath(path.join(root, rel));
    } catch {
      return null;
    }
    if (real !== root && !real.startsWith(root + path.sep)) return null;
    const stat = await fs.stat(real).catch(() => null);
    if (stat?.isFile()) return real;
    if (stat?.isDirectory()) return this.regularFileBelow(root, path.join(rel, 'index.html'));
    return null;
  }
}
