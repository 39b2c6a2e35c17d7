// Bundles each entry point into one CommonJS file (the CLI, the demo, the benchmark) and the
// dashboard front end into dist/webview; the extension joins them with `vscode` left external.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { buildWebview } from './scripts/build-webview.mjs';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  legalComments: 'none',
  define: { __RIG_VERSION__: JSON.stringify(pkg.version) },
  logLevel: 'warning',
};

await Promise.all([
  buildWebview(),
  build({ ...common, entryPoints: { cli: 'src/cli/index.ts' }, outdir: 'dist', outExtension: { '.js': '.cjs' } }),
  build({ ...common, entryPoints: { demo: 'scripts/demo.ts' }, outdir: 'dist', outExtension: { '.js': '.cjs' } }),
  build({ ...common, entryPoints: { bench: 'bench/engine-bench.ts' }, outdir: 'dist', outExtension: { '.js': '.cjs' } }),
]);
