// Bundles the one front end (webview-ui/) into dist/webview/: main.js and index.html, served by
// `rig web` and loaded by the extension's webviews. Run it directly or import buildWebview().
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The bundle is loaded on every panel open, including in a sidebar: keep it small. */
export const BUDGET_BYTES = 300 * 1024;

/**
 * @param {{ outdir?: string, minify?: boolean, sourcemap?: boolean, quiet?: boolean }} [options]
 * @returns {Promise<{ outdir: string, bytes: number, gzipBytes: number }>}
 */
export async function buildWebview(options = {}) {
  const outdir = options.outdir ?? path.join(ROOT, 'dist/webview');
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  await build({
    entryPoints: { main: path.join(ROOT, 'webview-ui/src/main.ts') },
    outdir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    // VS Code's webviews and the browsers the dashboard targets are all recent Chromium/Firefox/Safari.
    target: ['chrome120', 'firefox121', 'safari17'],
    tsconfig: path.join(ROOT, 'webview-ui/tsconfig.json'),
    minify: options.minify ?? true,
    sourcemap: options.sourcemap ?? false,
    // Lit, zod and vscode-elements licences ship beside the bundle rather than inside it.
    legalComments: 'external',
    // Lit's dev build warns on the console; the production one is what users get.
    conditions: ['production'],
    logLevel: 'warning',
  });
  copyFileSync(path.join(ROOT, 'webview-ui/index.html'), path.join(outdir, 'index.html'));

  const js = readFileSync(path.join(outdir, 'main.js'));
  const bytes = statSync(path.join(outdir, 'main.js')).size;
  const gzipBytes = gzipSync(js).length;
  if (!options.quiet) {
    console.log(`webview: ${path.relative(ROOT, outdir)}/main.js ${kb(bytes)} (gzip ${kb(gzipBytes)}), budget ${kb(BUDGET_BYTES)}`);
  }
  if (bytes > BUDGET_BYTES) {
    throw new Error(`webview bundle is ${kb(bytes)}, over its ${kb(BUDGET_BYTES)} budget`);
  }
  return { outdir, bytes, gzipBytes };
}

function kb(n) {
  return `${(n / 1024).toFixed(1)} KB`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  buildWebview().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
