/**
 * Tests that drive a Debian package (Chromium for the inbox page, Apprise for the URL parity,
 * redis-server for the Redis tests through test/setup/redis.ts).
 * Under CI (`CI` set; `.ci/run` installs both) they always run, so a missing package fails
 * them; on a developer's machine without the package they do not run, and one line says so
 * and how to run them.
 */

/** True when the test may run; otherwise prints the one line. */
export function toolAvailable(what: string, present: boolean, install: string): boolean {
  if (present || process.env.CI) return true;
  process.stdout.write(`${what} did not run: ${install} (CI runs it always)\n`);
  return false;
}
