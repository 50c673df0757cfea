import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup/fast-check.ts'],
    // Starts the Firestore and Pub/Sub emulators on demand, once per run.
    globalSetup: ['test/setup/emulators.ts'],
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'] },
  },
});
