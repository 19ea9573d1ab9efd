import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Browser specs run under Playwright (npm run test:e2e), never here.
    exclude: ['e2e/**', 'node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Each file makes its own database, so files may run side by side.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
