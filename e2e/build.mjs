// Bundles the TypeScript the UI suite needs (the scenario: fakes + sample repository) into
// e2e/.build/, with the esbuild of the root package.
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const E2E = path.dirname(fileURLToPath(import.meta.url));
export async function buildScenario() {
  await build({
    entryPoints: [path.join(E2E, 'scenario.ts')],
    outfile: path.join(E2E, '.build/scenario.mjs'),
    bundle: true, platform: 'node', target: 'node20', format: 'esm', logLevel: 'warning',
  });
  return path.join(E2E, '.build/scenario.mjs');
}
if (process.argv[1] === fileURLToPath(import.meta.url)) await buildScenario();
