/**
 * `herald doctor` with `HERALD_REDIS_URL`, as a subprocess against a real redis-server
 * (test/fixtures/redis-server.ts): reachable with version, round trip and persistence; the
 * problems a user meets (refused, wrong or missing password, no such database, TLS on a plain
 * port) each with its fix; live processes counted per destination from the fleet's presence
 * keys; and the password never printed.
 */
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, expect, it } from 'vitest';
import { createChannel } from '../../src/channels/registry.js';
import type { HttpClient } from '../../src/channels/http.js';
import { readConfig } from '../../src/core/configuration.js';
import { REDIS_SERVER } from '../fixtures/redis-server.js';
import { describeWithRedis } from '../setup/redis.js';
import { closedPort, DISCORD_TOKEN, findLeak, hasStack, json, runCli, SLACK_PATH, TOKEN, useCliFixture, type CliRun } from './harness.js';

const WHAT = 'the doctor Redis checks (test/cli/doctor-redis.test.ts)';
const CHAT = '-1001234567890';
const PASSWORD = 'Redis-Pa55word-Xyz/@:9';

/** The version the installed redis-server reports (`Redis server v=7.0.15 …`). */
function installedVersion(): string {
  const out = spawnSync(REDIS_SERVER, ['--version'], { encoding: 'utf8' }).stdout;
  return /v=(\S+)/.exec(out)?.[1] ?? '?';
}

/** Fails when the password, or any 8-character piece of it, is in the run's output. */
function expectNoPassword(run: CliRun, password = PASSWORD): void {
  expect(findLeak(run.stdout, [password]), 'password on stdout').toBeUndefined();
  expect(findLeak(run.stderr, [password]), 'password on stderr').toBeUndefined();
  expect(run.stdout + run.stderr).not.toContain(encodeURIComponent(password));
}

const NO_HTTP: HttpClient = { request: () => Promise.reject(new Error('ids only')), close: async () => {} };

describeWithRedis(WHAT, 'herald doctor: Redis', (redis) => {
  const fixture = useCliFixture();

  beforeEach(async () => {
    await redis.server.command('FLUSHALL');
    fixture.server.addChat({ id: CHAT, type: 'supergroup', title: 'Ops room' });
  });

  /** Telegram (checked against the fake platforms) and a Slack webhook (checked by shape). */
  const destinations = (): Record<string, string> => ({
    TELEGRAM_API_BASE_URL: fixture.server.url,
    GENERAL_TELEGRAM_BOT_TOKEN: TOKEN,
    GENERAL_TELEGRAM_BOT_CHAT_ID: CHAT,
    ERROR_SLACK_WEBHOOK: fixture.server.slackWebhookUrl(SLACK_PATH),
  });

  const doctor = (redisUrl: string, args: string[] = []): Promise<CliRun> =>
    runCli(['doctor', ...args], { cwd: fixture.cwd, env: { ...destinations(), HERALD_REDIS_URL: redisUrl } });

  it('reachable: version, median round trip, AOF on, no live process; exit 0', async () => {
    const port = redis.server.port;
    const run = await doctor(redis.server.url);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const version = installedVersion().replace(/\./g, '\\.');
    expect(run.stdout).toMatch(
      new RegExp(`ok +server +redis://127\\.0\\.0\\.1:${port}/0: Redis ${version}, round trip \\d+\\.\\d+ ms \\(median of 5 PINGs\\)`),
    );
    expect(run.stdout).toMatch(/ok +persistence +AOF on \(appendfsync everysec\)/);
    expect(run.stdout).toMatch(/ok +fleet +no live Herald process \(no herald:proc:\* keys\)/);
    // Two destinations and Redis, all passed.
    expect(run.stdout).toMatch(/All good: 3 checks passed/);

    const doc = json(await doctor(redis.server.url, ['--json']));
    expect(doc.ok).toBe(true);
    expect(doc.redis).toEqual({
      url: `redis://127.0.0.1:${port}/0`,
      status: 'ok',
      summary: expect.stringMatching(/^redis:\/\/127\.0\.0\.1:\d+\/0: Redis /),
      version: installedVersion(),
      rttMs: expect.any(Number),
      persistence: { aof: true, appendfsync: 'everysec', rdbSave: '', status: 'ok', summary: 'AOF on (appendfsync everysec)' },
      processes: 0,
      hosts: 0,
      destinations: [],
    });
    expect(doc.redis.rttMs).toBeGreaterThan(0);
    expect(doc.redis.rttMs).toBeLessThan(1000);
  });

  it('read from .env like every other variable', async () => {
    await writeFile(join(fixture.cwd, '.env'), `HERALD_REDIS_URL="${redis.server.url}/0"\nERROR_SLACK_WEBHOOK=${fixture.server.slackWebhookUrl(SLACK_PATH)}\n`);
    const run = await runCli(['doctor'], { cwd: fixture.cwd });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`ok +server +redis://127\\.0\\.0\\.1:${redis.server.port}/0: Redis `));
  });

  it('unreachable: connection refused, with the fix; exit 1, no stack trace', async () => {
    const port = await closedPort();
    const run = await doctor(`redis://127.0.0.1:${port}/0`);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      new RegExp(
        `problem +server +redis://127\\.0\\.0\\.1:${port}/0: connection refused \\(ECONNREFUSED\\): nothing listens there — fix: start Redis .*HERALD_REDIS_URL`,
      ),
    );
    expect(run.stdout).not.toMatch(/persistence|fleet/);
    expect(run.stdout).toMatch(/1 problem found/);
    expect(hasStack(run.stdout + run.stderr)).toBe(false);
    const doc = json(await doctor(`redis://127.0.0.1:${port}`, ['--json']));
    expect(doc.ok).toBe(false);
    expect(doc.redis).toEqual({
      url: `redis://127.0.0.1:${port}/0`,
      status: 'problem',
      summary: expect.stringMatching(/ECONNREFUSED/),
      fix: expect.stringMatching(/start Redis/),
    });
  });

  it('counts live processes per destination from the presence keys, by the configured label', async () => {
    const config = readConfig(destinations());
    const [tg] = config.general.map((s) => createChannel(s, { http: NO_HTTP }));
    const [slack] = config.error.map((s) => createChannel(s, { http: NO_HTTP }));
    const unknown = 'discord:1000000000000000009';
    const presence = (host: string, list: string[]): string => JSON.stringify({ pid: 4242, host, startedAt: Date.now(), destinations: list });
    const s = redis.server;
    await s.command('SET', 'herald:proc:a', presence('box-1', [tg!.id, slack!.id]), 'PX', 15000);
    await s.command('SET', 'herald:proc:b', presence('box-1', [tg!.id]), 'PX', 15000);
    await s.command('SET', 'herald:proc:c', presence('box-2', [tg!.id, unknown]), 'PX', 15000);
    await s.command('SET', 'herald:proc:d', 'not json', 'PX', 15000);
    // Not presence: other fleet keys, and a process whose key has expired.
    await s.command('SET', 'herald:lease:x', 'a', 'PX', 15000);
    await s.command('SET', 'herald:proc:gone', presence('box-3', [tg!.id]), 'PX', 1);
    await new Promise((r) => setTimeout(r, 20));

    const run = await doctor(s.url);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/ok +fleet +3 Herald processes live on 2 hosts \(1 presence key not in Herald's format\); processes per destination:/);
    const lines = run.stdout.split('\n');
    const at = lines.findIndex((l) => /processes per destination/.test(l));
    expect(lines.slice(at + 1, at + 4).map((l) => l.trim())).toEqual([`3  ${tg!.label}`, `1  ${unknown} (not in this configuration)`, `1  ${slack!.label}`]);
    expect(tg!.label).toMatch(/^Telegram bot 123456789:AA… → chat -1001234567890$/);

    const doc = json(await doctor(s.url, ['--json']));
    expect(doc.redis).toMatchObject({ processes: 3, hosts: 2, unreadable: 1 });
    expect(doc.redis.destinations).toEqual([
      { id: tg!.id, label: tg!.label, processes: 3 },
      { id: unknown, processes: 1 },
      { id: slack!.id, label: slack!.label, processes: 1 },
    ]);
  });

  it('reads the database the URL names', async () => {
    await redis.server.command('SET', 'herald:proc:a', JSON.stringify({ pid: 1, host: 'h', startedAt: 1, destinations: ['x'] }), 'PX', 15000);
    const db5 = json(await doctor(`${redis.server.url}/5`, ['--json']));
    expect(db5.redis).toMatchObject({ url: `redis://127.0.0.1:${redis.server.port}/5`, status: 'ok', processes: 0 });
    const db0 = json(await doctor(`${redis.server.url}/0`, ['--json']));
    expect(db0.redis).toMatchObject({ status: 'ok', processes: 1 });
    const run = await doctor(`${redis.server.url}/99`);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/problem +server +redis:\/\/127\.0\.0\.1:\d+\/99: Redis has no database 99 .* — fix: use a database the server has/);
  });

  it('rediss:// on a plain port: the TLS handshake problem, with the fix', async () => {
    const run = await doctor(`rediss://127.0.0.1:${redis.server.port}`, ['--timeout', '1']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/problem +server +rediss:\/\/127\.0\.0\.1:\d+\/0: .*TLS.* — fix: .*redis:\/\/, not rediss:\/\//);
  });
});

describeWithRedis(
  WHAT,
  'herald doctor: Redis with a password',
  (redis) => {
    const fixture = useCliFixture();
    const slack = (): Record<string, string> => ({ ERROR_SLACK_WEBHOOK: fixture.server.slackWebhookUrl(SLACK_PATH) });
    const withPassword = (password: string, user = ''): string => `redis://${user}:${encodeURIComponent(password)}@127.0.0.1:${redis.server.port}/0`;

    it('the right password: checked, and the password appears nowhere (human, JSON, .env)', async () => {
      const human = await runCli(['doctor'], { cwd: fixture.cwd, env: { ...slack(), HERALD_REDIS_URL: withPassword(PASSWORD) } });
      expect(human.code, human.stdout).toBe(0);
      expect(human.stdout).toMatch(new RegExp(`ok +server +redis://127\\.0\\.0\\.1:${redis.server.port}/0: Redis `));
      expectNoPassword(human);
      const doc = await runCli(['doctor', '--json'], { cwd: fixture.cwd, env: { ...slack(), HERALD_REDIS_URL: withPassword(PASSWORD, 'default') } });
      expect(json(doc).redis).toMatchObject({ url: `redis://127.0.0.1:${redis.server.port}/0`, status: 'ok' });
      expectNoPassword(doc);
      await writeFile(join(fixture.cwd, '.env'), `HERALD_REDIS_URL=${withPassword(PASSWORD)}\n${Object.entries(slack())[0]!.join('=')}\n`);
      const fromFile = await runCli(['doctor', '--verbose'], { cwd: fixture.cwd });
      expect(fromFile.code).toBe(0);
      expectNoPassword(fromFile);
    });

    it('a wrong password: WRONGPASS with the fix, and neither password is printed', async () => {
      const wrong = 'Wrong-Pa55word-Abc';
      const run = await runCli(['doctor'], { cwd: fixture.cwd, env: { ...slack(), HERALD_REDIS_URL: withPassword(wrong) } });
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(
        /problem +server +redis:\/\/127\.0\.0\.1:\d+\/0: Redis refused the password \(WRONGPASS\) — fix: put the right password in HERALD_REDIS_URL/,
      );
      expectNoPassword(run, wrong);
      expectNoPassword(run);
    });

    it('no password: NOAUTH, and how to add one to the URL', async () => {
      const run = await runCli(['doctor'], { cwd: fixture.cwd, env: { ...slack(), HERALD_REDIS_URL: `redis://127.0.0.1:${redis.server.port}` } });
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(
        /problem +server +redis:\/\/127\.0\.0\.1:\d+\/0: Redis requires a password \(NOAUTH\) — fix: add it to HERALD_REDIS_URL: redis:\/\/:PASSWORD@host:port\/db/,
      );
    });
  },
  { password: PASSWORD },
);

describeWithRedis(
  WHAT,
  'herald doctor: Redis without persistence',
  (redis) => {
    const fixture = useCliFixture();

    it('warns that a restart loses queued notifications and says how to turn AOF on; still exit 0', async () => {
      const run = await runCli(['doctor'], {
        cwd: fixture.cwd,
        env: { GENERAL_DISCORD_WEBHOOK: fixture.server.discordWebhookUrl('1000000000000000001', DISCORD_TOKEN), HERALD_REDIS_URL: redis.server.url },
      });
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(
        /warning +persistence +no persistence \(AOF off, no RDB snapshots\): a Redis restart loses every queued notification — fix: turn on AOF: `redis-cli CONFIG SET appendonly yes`/,
      );
      expect(run.stdout).toMatch(/All good: 2 checks passed, 1 warning above/);
    });

    it('RDB snapshots only: says what a restart loses', async () => {
      await redis.server.command('CONFIG', 'SET', 'save', '3600 1');
      try {
        const run = await runCli(['doctor', '--json'], {
          cwd: fixture.cwd,
          env: { ERROR_SLACK_WEBHOOK: fixture.server.slackWebhookUrl(SLACK_PATH), HERALD_REDIS_URL: redis.server.url },
        });
        expect(json(run).redis.persistence).toMatchObject({
          aof: false,
          rdbSave: '3600 1',
          status: 'warning',
          summary: expect.stringMatching(/since the last snapshot/),
        });
      } finally {
        await redis.server.command('CONFIG', 'SET', 'save', '');
      }
    });
  },
  { appendonly: false },
);
