import { defineConfig } from 'vitest/config';

// One runner for the whole repository: unit tests live beside the code,
// end-to-end scenarios in test/. Database tests use embedded PGlite unless
// DATABASE_URL points at a PostgreSQL server, in which case they use that.
export default defineConfig({
  test: {
    include: ['{platform,runtime,sdk,templates,test}/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', '**/.wrangler/**'],
    // 2 cores: workerd processes and PGlite instances are heavy, so keep
    // parallelism modest and give process-level tests room to start.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
  },
});
