// Bundles each entry point into one CommonJS file (the CLI, the demo, the benchmark) and the
// dashboard front end into dist/webview; the extension (and its in-editor test suites) with
// `vscode` left external.
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

/** Leaves `import('./runtime-entry')` as a require of the separately built dist/rig-runtime.cjs. */
const separateRuntime = {
  name: 'separate-runtime',
  setup(b) {
    b.onResolve({ filter: /^\.\/runtime-entry$/ }, () => ({ path: './rig-runtime.cjs', external: true }));
  },
};

await Promise.all([
  buildWebview(),
  build({ ...common, entryPoints: { cli: 'src/cli/index.ts' }, outdir: 'dist', outExtension: { '.js': '.cjs' } }),
  build({ ...common, entryPoints: { demo: 'scripts/demo.ts' }, outdir: 'dist', outExtension: { '.js': '.cjs' } }),
  build({ ...common, entryPoints: { bench: 'bench/engine-bench.ts' }, outdir: 'dist', outExtension: { '.js': '.cjs' } }),
  // The extension: `vscode` is provided by the editor at run time. The engine and its clients are
  // a second bundle that the extension requires on first use, so activation parses only the UI code.
  build({
    ...common,
    entryPoints: { extension: 'src/extension/extension.ts' },
    outdir: 'dist',
    outExtension: { '.js': '.cjs' },
    external: ['vscode'],
    plugins: [separateRuntime],
    // A plain require for the runtime bundle: it then loads through the extension host's own module loader.
    supported: { 'dynamic-import': false },
  }),
  build({ ...common, entryPoints: { 'rig-runtime': 'src/extension/runtime-entry.ts' }, outdir: 'dist', outExtension: { '.js': '.cjs' } }),
  // The in-editor suites: mocha is resolved at run time from the project's node_modules (a
  // --no-dependencies VSIX carries none), and each suite file is a bundle of its own.
  build({
    ...common,
    entryPoints: ['test/vscode/index.ts', 'test/vscode/suite/*.test.ts'],
    outbase: 'test/vscode',
    outdir: 'dist/test/vscode',
    outExtension: { '.js': '.cjs' },
    external: ['vscode', 'mocha'],
  }),
]);
