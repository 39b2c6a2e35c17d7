import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Suites under test/vscode run inside a real VS Code (npm run test:e2e), not in plain Node.
    exclude: ['test/vscode/**', '**/node_modules/**'],
    globalSetup: ['test/global-setup.ts'],
    // Integration tests spawn git, shells and servers: generous but finite.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
