import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Every test file runs with connections to anything but loopback refused (and reported).
    setupFiles: ['test/setup/no-internet.ts'],
    // 2-core machines: most of the suite waits on sockets, child processes and real retry_after
    // seconds (the fleet test alone waits ~90 s on its processes), so three workers keep both
    // cores busy (vitest's default here would be one; three took the run from 266 s to 226 s);
    // generous hook timeouts for spawned processes.
    pool: 'forks',
    maxWorkers: 3,
    // Test files share a worker's module cache instead of importing everything anew: the suite's
    // import time went from ~74 s to ~23 s (vitest 220 s → 177 s). Each file starts and stops its
    // own servers, timers and msw, so nothing carries over (the whole suite passes either way).
    isolate: false,
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // An unhandled rejection anywhere fails the run (vitest's default, stated on purpose).
    dangerouslyIgnoreUnhandledErrors: false,
  },
});
