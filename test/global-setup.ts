import { execFileSync } from 'node:child_process';
import path from 'node:path';

// Integration tests run the bundled CLI as a real process: build it once before any test.
export default function setup(): void {
  execFileSync(process.execPath, [path.resolve(__dirname, '../esbuild.mjs')], { stdio: 'inherit' });
}
