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
    // Files share a worker's loaded modules instead of importing the whole service again
    // for each (about a quarter of the suite's time on 2 cores). Every file starts its own
    // app and database, and src keeps no state at module level, so nothing leaks between them.
    isolate: false,
  },
});
