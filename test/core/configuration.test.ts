import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Env } from '../../src/config/env.js';
import { createNotifier, HeraldConfigError, loadEnv, readConfig, type ConfigProblem } from '../../src/index.js';
import { DISCORD_ERROR_URL, DISCORD_URL, ERROR_TOKEN, fullEnv, SLACK_ERROR_URL, SLACK_URL, useTestNotifiers, TOKEN, useMsw } from '../fixtures/platforms.js';

useMsw();
/** testNotifier, closed after each test (also when an assertion fails first). */
const make = useTestNotifiers();

const SECRETS = [
  TOKEN.split(':')[1]!,
  ERROR_TOKEN.split(':')[1]!,
  ...[DISCORD_URL, DISCORD_ERROR_URL, SLACK_URL, SLACK_ERROR_URL].map((u) => u.split('/').pop()!),
];

/** The error createNotifier throws for `env`; fails the test when it does not throw one. */
function configError(env: Env): HeraldConfigError {
  try {
    const n = createNotifier({ env, drainOnExit: false });
    void n.close();
  } catch (err) {
    expect(err).toBeInstanceOf(HeraldConfigError);
    return err as HeraldConfigError;
  }
  throw new Error(`createNotifier accepted ${JSON.stringify(Object.keys(env))}`);
}

function expectNoSecrets(text: string): void {
  for (const s of SECRETS) expect(text).not.toContain(s);
}

/** Checks the problem list and the error message for one invalid setting. */
function expectProblem(env: Env, variable: string, message: RegExp, fix: RegExp): ConfigProblem {
  const err = configError(env);
  const p = err.problems.find((x) => x.variable === variable);
  expect(p, `${variable} in ${JSON.stringify(err.problems)}`).toBeDefined();
  expect(p!.message).toMatch(message);
  expect(p!.fix).toMatch(fix);
  expect(p!.fix.length).toBeGreaterThan(10);
  expect(err.message).toContain(`${variable}: `);
  expect(err.message).toContain('Fix: ');
  expectNoSecrets(err.message);
  expectNoSecrets(JSON.stringify(err.problems));
  return p!;
}

describe('config validation: each problem names the variable and a fix', () => {
  it('a token of the wrong shape', () => {
    const broken = TOKEN.replace(':AAH', ':AA H'); // a pasted space
    const p = expectProblem(fullEnv({ GENERAL_TELEGRAM_BOT_TOKEN: broken }), 'GENERAL_TELEGRAM_BOT_TOKEN', /not a Telegram bot token/, /BotFather/);
    expect(p.message).toContain('123456789:AA…');
  });

  it('a token without its bot id (only the secret part)', () => {
    expectProblem(fullEnv({ GENERAL_TELEGRAM_BOT_TOKEN: TOKEN.split(':')[1] }), 'GENERAL_TELEGRAM_BOT_TOKEN', /not a Telegram bot token/, /BotFather/);
  });

  it('a token without a chat id', () => {
    expectProblem({ ERROR_TELEGRAM_BOT_TOKEN: ERROR_TOKEN }, 'ERROR_TELEGRAM_BOT_CHAT_ID', /chat id is missing/, /ERROR_TELEGRAM_BOT_CHAT_ID/);
  });

  it('a chat id without a token', () => {
    expectProblem({ GENERAL_TELEGRAM_BOT_CHAT_ID: '-100123' }, 'GENERAL_TELEGRAM_BOT_TOKEN', /token is missing/, /BotFather/);
  });

  it('a chat id that is neither an integer nor @name', () => {
    for (const chatId of ['my-group', '12a', '@ab', '-', '1.5']) {
      expectProblem(fullEnv({ GENERAL_TELEGRAM_BOT_CHAT_ID: chatId }), 'GENERAL_TELEGRAM_BOT_CHAT_ID', /not a Telegram chat id/, /@channelusername/);
    }
  });

  it('1001234567890 (the dropped minus) → hint to add the leading "-"', () => {
    const p = expectProblem(
      fullEnv({ GENERAL_TELEGRAM_BOT_CHAT_ID: '1001234567890' }),
      'GENERAL_TELEGRAM_BOT_CHAT_ID',
      /lost its leading "-"/,
      /-1001234567890/,
    );
    expect(p.fix).toMatch(/^use -1001234567890/);
  });

  it('valid chat ids are accepted: negative, -100…, positive user ids, @channel', () => {
    for (const chatId of ['-4567', '-1001234567890', '42424242', '@trading_alerts']) {
      expect(readConfig(fullEnv({ GENERAL_TELEGRAM_BOT_CHAT_ID: chatId })).problems, chatId).toEqual([]);
    }
  });

  it('a webhook that is not https', () => {
    expectProblem(fullEnv({ GENERAL_DISCORD_WEBHOOK: DISCORD_URL.replace('https:', 'http:') }), 'GENERAL_DISCORD_WEBHOOK', /not https/, /https/);
  });

  it('plain http on a non-loopback host is refused', () => {
    expectProblem(fullEnv({ ERROR_SLACK_WEBHOOK: 'http://10.0.0.5:8080/services/T1/B2/secretsecret' }), 'ERROR_SLACK_WEBHOOK', /not https/, /127\.0\.0\.1/);
  });

  it('plain http on 127.0.0.1 / localhost is accepted', () => {
    const config = readConfig({
      GENERAL_DISCORD_WEBHOOK: 'http://127.0.0.1:8787/api/webhooks/1/abcdefgh',
      GENERAL_SLACK_WEBHOOK: 'http://localhost:8787/services/T1/B2/abcdefgh',
      GENERAL_TELEGRAM_BOT_TOKEN: TOKEN,
      GENERAL_TELEGRAM_BOT_CHAT_ID: '-1',
      TELEGRAM_API_BASE_URL: 'http://127.0.0.1:8081/',
    });
    expect(config.problems).toEqual([]);
    expect(config.general.map((s) => s.driver).sort()).toEqual(['discord', 'slack', 'telegram']);
    expect(config.general.find((s) => s.driver === 'telegram')).toMatchObject({ baseUrl: 'http://127.0.0.1:8081' });
  });

  it('a Slack URL in GENERAL_DISCORD_WEBHOOK is rejected', () => {
    expectProblem(fullEnv({ GENERAL_DISCORD_WEBHOOK: SLACK_URL }), 'GENERAL_DISCORD_WEBHOOK', /not a Discord webhook/, /Webhooks/);
  });

  it('a malformed URL', () => {
    expectProblem(
      fullEnv({ GENERAL_SLACK_WEBHOOK: 'hooks.slack.com/services/T0AAAAAAA/B0BBBBBBB/abcdefghijklmnopqrstuvwx' }),
      'GENERAL_SLACK_WEBHOOK',
      /not a URL/,
      /hooks\.slack\.com/,
    );
  });

  it('TELEGRAM_API_BASE_URL that is not a URL, or not https off loopback', () => {
    expectProblem(fullEnv({ TELEGRAM_API_BASE_URL: 'api telegram org' }), 'TELEGRAM_API_BASE_URL', /not a URL/, /api\.telegram\.org/);
    expectProblem(fullEnv({ TELEGRAM_API_BASE_URL: 'http://bot-api.example.com:8081' }), 'TELEGRAM_API_BASE_URL', /not https/, /https/);
  });

  it('TELEGRAM_API_BASE_URL is reported once, even with two bots configured', () => {
    const err = configError(fullEnv({ TELEGRAM_API_BASE_URL: 'nope' }));
    expect(err.problems.filter((p) => p.variable === 'TELEGRAM_API_BASE_URL')).toHaveLength(1);
  });

  it('a Bot API URL with the token pasted into TELEGRAM_API_BASE_URL does not echo the token', () => {
    const err = configError(fullEnv({ TELEGRAM_API_BASE_URL: `api.telegram.org/bot${TOKEN}/getUpdates` }));
    expect(err.problems.map((p) => p.variable)).toContain('TELEGRAM_API_BASE_URL');
    expectNoSecrets(err.message);
  });
});

describe('config validation: all problems together', () => {
  it('reports every problem in ONE HeraldConfigError, without secrets', () => {
    const env: Env = {
      GENERAL_TELEGRAM_BOT_TOKEN: `${TOKEN}"`,
      GENERAL_TELEGRAM_BOT_CHAT_ID: '1001234567890',
      ERROR_TELEGRAM_BOT_TOKEN: ERROR_TOKEN,
      GENERAL_DISCORD_WEBHOOK: SLACK_URL,
      ERROR_DISCORD_WEBHOOK: DISCORD_ERROR_URL.replace('https:', 'http:'),
      GENERAL_SLACK_WEBHOOK: `hooks.slack.com/services/T0AAAAAAA/B0BBBBBBB/${SLACK_URL.split('/').pop()}`,
      TELEGRAM_API_BASE_URL: 'ftp://api.telegram.org',
    };
    const err = configError(env);
    expect(err.name).toBe('HeraldConfigError');
    expect(err.problems.map((p) => p.variable).sort()).toEqual(
      [
        'GENERAL_TELEGRAM_BOT_TOKEN',
        'GENERAL_TELEGRAM_BOT_CHAT_ID',
        'ERROR_TELEGRAM_BOT_CHAT_ID',
        'GENERAL_DISCORD_WEBHOOK',
        'ERROR_DISCORD_WEBHOOK',
        'GENERAL_SLACK_WEBHOOK',
        'TELEGRAM_API_BASE_URL',
      ].sort(),
    );
    expect(err.message).toMatch(/^Herald configuration has 7 problems:/);
    for (const p of err.problems) {
      expect(err.message).toContain(`  - ${p.variable}: ${p.message}. Fix: ${p.fix}`);
      expect(p.fix.trim()).not.toBe('');
    }
    expectNoSecrets(err.message);
    expectNoSecrets(JSON.stringify(err.problems));
  });

  it('a single problem reads "1 problem"', () => {
    expect(configError({ GENERAL_TELEGRAM_BOT_CHAT_ID: '-1' }).message).toMatch(/^Herald configuration has 1 problem:/);
  });
});

describe('valid configuration', () => {
  it('the full env has no problems and three destinations per role', () => {
    const config = readConfig(fullEnv());
    expect(config.problems).toEqual([]);
    expect(config.general.map((s) => `${s.driver} ${s.origin}`)).toEqual([
      'telegram GENERAL_TELEGRAM_BOT_TOKEN',
      'discord GENERAL_DISCORD_WEBHOOK',
      'slack GENERAL_SLACK_WEBHOOK',
    ]);
    expect(config.error.map((s) => `${s.driver} ${s.origin}`)).toEqual([
      'telegram ERROR_TELEGRAM_BOT_TOKEN',
      'discord ERROR_DISCORD_WEBHOOK',
      'slack ERROR_SLACK_WEBHOOK',
    ]);
    expect(config.general[0]).toMatchObject({
      token: TOKEN,
      chatId: '-1001234567890',
      baseUrl: 'https://api.telegram.org',
      chatVariable: 'GENERAL_TELEGRAM_BOT_CHAT_ID',
    });
  });

  it('createNotifier accepts it: errors go to the error destinations and the general ones', async () => {
    const { notifier } = make(fullEnv());
    const routes = notifier.routes();
    const general = ['Telegram bot 123456789:AA… → chat -1001234567890', 'Discord webhook 111222333444555666/Ab…', 'Slack webhook T0AAAAAAA/B0BBBBBBB/ab…'];
    expect(routes).toEqual({
      general,
      // The ERROR destinations first, then the GENERAL ones (an error goes to both).
      error: ['Telegram bot 987654321:BB… → chat 42424242', 'Discord webhook 999888777666555444/Zy…', 'Slack webhook T0AAAAAAA/B0CCCCCCC/zy…', ...general],
    });
    expectNoSecrets(JSON.stringify(routes));
    await notifier.close();
  });

  it('values are trimmed; an empty environment configures nothing and has no problems', () => {
    expect(readConfig(fullEnv({ GENERAL_TELEGRAM_BOT_TOKEN: ` ${TOKEN}\n`, GENERAL_TELEGRAM_BOT_CHAT_ID: ' -1001234567890 ' })).general[0]).toMatchObject({
      token: TOKEN,
      chatId: '-1001234567890',
    });
    expect(readConfig({})).toEqual({ general: [], error: [], bots: [], settings: { events: {} }, reports: { digests: {}, problems: [] }, problems: [] });
  });

  it('only GENERAL set → no ERROR destinations', () => {
    const config = readConfig({ GENERAL_SLACK_WEBHOOK: SLACK_URL });
    expect(config.general).toHaveLength(1);
    expect(config.error).toEqual([]);
  });
});

describe('loadEnv', () => {
  const dirs: string[] = [];
  const touched: string[] = [];
  afterEach(() => {
    for (const k of touched.splice(0)) delete process.env[k];
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  function dotenv(content: string): string {
    const dir = mkdtempSync(join(tmpdir(), 'herald-env-'));
    dirs.push(dir);
    const path = join(dir, '.env');
    writeFileSync(path, content);
    return path;
  }

  it('real environment variables win over the .env file; .env fills the rest', () => {
    touched.push('HERALD_TEST_BOTH', 'HERALD_TEST_FILE_ONLY');
    process.env.HERALD_TEST_BOTH = 'from-real-env';
    const path = dotenv('HERALD_TEST_BOTH=from-file\nHERALD_TEST_FILE_ONLY="quoted value"\n# comment\n');
    const env = loadEnv(path);
    expect(env.HERALD_TEST_BOTH).toBe('from-real-env');
    expect(env.HERALD_TEST_FILE_ONLY).toBe('quoted value');
  });

  it('does not write the .env values into process.env, and returns a copy', () => {
    touched.push('HERALD_TEST_FILE_ONLY');
    const env = loadEnv(dotenv('HERALD_TEST_FILE_ONLY=x\n'));
    expect(env.HERALD_TEST_FILE_ONLY).toBe('x');
    expect(process.env.HERALD_TEST_FILE_ONLY).toBeUndefined();
    process.env.HERALD_TEST_FILE_ONLY = 'later';
    expect(env.HERALD_TEST_FILE_ONLY).toBe('x');
  });

  it('a missing .env file is fine', () => {
    const env = loadEnv(join(tmpdir(), 'herald-no-such-dir', '.env'));
    expect(env.PATH).toBe(process.env.PATH);
  });
});

describe('TELEGRAM_API_BASE_URL', () => {
  it('is only checked when Telegram is configured, and reported once for both bots', () => {
    expect(readConfig({ TELEGRAM_API_BASE_URL: 'not a url', GENERAL_SLACK_WEBHOOK: 'https://hooks.slack.com/services/T0/B0/abcdefgh' }).problems).toEqual([]);
    const both = readConfig({
      TELEGRAM_API_BASE_URL: 'not a url',
      GENERAL_TELEGRAM_BOT_TOKEN: '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0',
      GENERAL_TELEGRAM_BOT_CHAT_ID: '42',
      ERROR_TELEGRAM_BOT_TOKEN: '987654321:BBHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw9',
      ERROR_TELEGRAM_BOT_CHAT_ID: '43',
    });
    expect(both.problems.map((p) => p.variable)).toEqual(['TELEGRAM_API_BASE_URL']);
  });
});

describe('report and quiet-hours variables', () => {
  it('are read with the others, and their mistakes reported with the others', () => {
    const config = readConfig({ HERALD_REPORT_EVERY: '2x', HERALD_QUIET: '23:00', GENERAL_TELEGRAM_BOT_TOKEN: 'nope', GENERAL_TELEGRAM_BOT_CHAT_ID: '1' });
    expect(config.problems.map((p) => p.variable).sort()).toEqual(['GENERAL_TELEGRAM_BOT_TOKEN', 'HERALD_QUIET', 'HERALD_REPORT_EVERY']);
    const good = readConfig({ HERALD_REPORT_EVERY: '4h', HERALD_REPORT_AT: '08:00', HERALD_REPORT_TZ: 'Europe/Berlin', HERALD_QUIET: '23:00-07:00,hold' });
    expect(good.problems).toEqual([]);
    expect(good.reports.report).toMatchObject({ everyMs: 4 * 3_600_000, at: 480, timeZone: 'Europe/Berlin' });
    expect(good.reports.quiet).toMatchObject({ from: 23 * 60, to: 7 * 60, hold: true, timeZone: 'Europe/Berlin' });
  });
});
