/**
 * The outbox hand-over: which outbox the child gets, and the real outbox (src/delivery) counted
 * and replayed by a notifier of the supervisor's, on the fake platforms.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createNotifier } from '../../src/core/notifier.js';
import { FakePlatformServer } from '../../src/sandbox/fake-platforms.js';
import { defaultOutboxPath, libraryOutbox, planOutbox } from '../../src/supervisor/handover.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'herald-handover-'));
  dirs.push(d);
  return d;
}
let server: FakePlatformServer;
beforeAll(async () => {
  server = await FakePlatformServer.start();
});
afterAll(() => server.close());
afterEach(() => {
  server.reset();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('planOutbox', () => {
  it('no HERALD_OUTBOX: .herald/<name>.outbox for the child, directory created', () => {
    const cwd = tempDir();
    const plan = planOutbox({}, cwd, 'npm start');
    expect(plan.path).toBe(join(cwd, '.herald', 'npm-start.outbox'));
    expect(plan.childEnv).toEqual({ HERALD_OUTBOX: plan.path });
    expect(existsSync(join(cwd, '.herald'))).toBe(true);
    expect(defaultOutboxPath(cwd, 'npm start')).toBe(plan.path);
  });

  it('HERALD_OUTBOX set by the user: theirs (relative to the working directory), nothing added', () => {
    const cwd = tempDir();
    expect(planOutbox({ HERALD_OUTBOX: 'state/bot.outbox' }, cwd, 'x')).toEqual({ path: join(cwd, 'state/bot.outbox'), childEnv: {} });
    expect(planOutbox({ HERALD_OUTBOX: '' }, cwd, 'x')).toEqual({ path: undefined, childEnv: {} });
    expect(existsSync(join(cwd, '.herald'))).toBe(false);
  });

  it('a directory that cannot be made: no outbox, and a warning', () => {
    const file = join(tempDir(), 'not-a-dir');
    writeFileSync(file, '');
    const plan = planOutbox({}, file, 'x');
    expect(plan.path).toBeUndefined();
    expect(plan.childEnv).toEqual({});
    expect(plan.warning).toMatch(/cannot create .*\.herald \(ENOTDIR\): the child runs without an outbox hand-over/);
  });
});

describe('libraryOutbox', () => {
  const hookId = '1000000000000000005';
  const env = (): Record<string, string> => ({ GENERAL_DISCORD_WEBHOOK: server.discordWebhookUrl(hookId, 'handoverWebhookToken0123') });

  it('counts 0 for an outbox that does not exist', async () => {
    await expect(libraryOutbox({ env: env() }).countUndelivered(join(tempDir(), 'none.outbox'))).resolves.toBe(0);
  });

  it('counts what a dead notifier left, then delivers it by opening the outbox', async () => {
    const path = join(tempDir(), 'bot.outbox');
    // A "child" whose notifications could not go out: the platform is down until it closes.
    server.inject({ platform: 'discord' }, { status: 503 }, 1000);
    const child = createNotifier({ env: env(), outbox: { path }, drainOnExit: false, diagnostics: () => {} });
    child.log('one');
    child.log('two');
    await child.close(50);
    server.reset();

    const access = libraryOutbox({ env: env(), diagnostics: () => {} });
    await expect(access.countUndelivered(path)).resolves.toBe(2);
    await expect(access.deliver(path, 5000)).resolves.toEqual({ remaining: 0 });
    expect(
      server
        .messagesFor('discord', hookId)
        .map((m) => m.text)
        .join('\n'),
    ).toMatch(/one[\s\S]*two/);
    await expect(access.countUndelivered(path)).resolves.toBe(0);
  });

  it('an outbox another live process holds: an error to report, no throw', async () => {
    const path = join(tempDir(), 'held.outbox');
    const holder = createNotifier({ env: env(), outbox: { path }, drainOnExit: false, diagnostics: () => {} });
    try {
      const result = await libraryOutbox({ env: env(), diagnostics: () => {} }).deliver(path, 100);
      expect(result.remaining).toBeUndefined();
      expect(result.error).toMatch(/in use by process/);
    } finally {
      await holder.close(0);
    }
  });
});
