/**
 * Gating and hooks for test files that need a real redis-server (test/fixtures/redis-server.ts),
 * in the style of test/setup/optional-tool.ts: without redis-server a Redis test file prints one
 * line saying it did not run and how to run it (`sudo apt-get install redis-server`); under CI
 * (`CI` set; `.ci/run` installs it) it always runs, so a missing server fails it.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe } from 'vitest';
import { REDIS_INSTALL, REDIS_SERVER, RedisServer, type RedisServerOptions } from '../fixtures/redis-server.js';
import { toolAvailable } from './optional-tool.js';

const asked = new Map<string, boolean>();

/**
 * True when the Redis tests described by `what` (e.g. `the doctor Redis checks
 * (test/cli/doctor-redis.test.ts)`) may run: redis-server is installed, or CI is set (then a
 * missing one fails them). Otherwise prints the one line, once per `what`.
 */
export function redisAvailable(what: string): boolean {
  let run = asked.get(what);
  if (run === undefined) {
    run = toolAvailable(what, existsSync(REDIS_SERVER), `${REDIS_SERVER} is missing: ${REDIS_INSTALL}`);
    asked.set(what, run);
  }
  return run;
}

/** What {@link useRedisServer} provides. */
export interface RedisFixture {
  /** The server, started before the first test of the suite (read it inside tests). */
  readonly server: RedisServer;
}

/**
 * Starts one {@link RedisServer} before the tests of the enclosing suite and closes it after
 * them. Call inside a `describe` that runs only when {@link redisAvailable} says so.
 */
export function useRedisServer(options: RedisServerOptions = {}): RedisFixture {
  let server: RedisServer | undefined;
  beforeAll(async () => {
    server = await RedisServer.start(options);
  });
  afterAll(() => server?.close());
  return {
    get server() {
      if (!server) throw new Error('useRedisServer: the server is not started yet (read it inside a test)');
      return server;
    },
  };
}

/**
 * A suite that needs a real redis-server: skipped with the one line when there is none (failing
 * under CI), otherwise run with one server for the suite, given to `body`.
 */
export function describeWithRedis(what: string, title: string, body: (redis: RedisFixture) => void, options: RedisServerOptions = {}): void {
  describe.skipIf(!redisAvailable(what))(title, () => {
    body(useRedisServer(options));
  });
}
