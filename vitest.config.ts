import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Every test file runs with connections to anything but loopback refused (and reported).
    setupFiles: ['test/setup/no-internet.ts'],
    // 2-core machines: most of the suite waits on sockets, child processes and real retry_after
    // seconds, so two workers halve the wall time (vitest's default here would be one);
    // generous hook timeouts for spawned processes.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // An unhandled rejection anywhere fails the run (vitest's default, stated on purpose).
    dangerouslyIgnoreUnhandledErrors: false,
  },
});
