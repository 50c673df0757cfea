import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Many tests run the real CLI, git or terraform as processes: on a busy two-core machine
    // one start-up can take seconds. A guard against hangs, not a performance target.
    testTimeout: 30_000,
    setupFiles: ['test/setup/fast-check.ts', 'test/setup/sqlite-warning.ts'],
    // Starts the Firestore and Pub/Sub emulators on demand, once per run.
    globalSetup: ['test/setup/emulators.ts'],
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'] },
  },
});
