/**
 * No secret leaves Herald (issue 8). One run goes through every scenario — every destination
 * kind on the fake platform server (Telegram, Discord and Slack webhooks, the Slack and Discord
 * bots through SLACK_API_BASE_URL / DISCORD_API_BASE_URL), bad tokens, revoked tokens, deleted
 * webhooks, proxies that echo the request, redirects, targets that cannot be resolved (URLs
 * with secrets in the path), the plugin, and the `herald` command (`doctor`, `test`, `send`,
 * `send --dry-run`) as a subprocess of the built dist/ — and collects every byte Herald
 * writes:
 *
 * - stdout and stderr of this process while the library runs (its default report and console);
 * - every event payload (`queued`, `delivered`, `retrying`, `failed`, `dropped`, `warning`);
 * - error messages, stacks and problem lists (HeraldConfigError and anything else thrown);
 * - what the API returns as text (routes(), preview(), stats(), flush reports);
 * - what Herald posted to the platforms (message text and body, notices included);
 * - stdout and stderr of every `herald` run;
 * - every file under this run's temporary directory, whoever wrote it: the durable outbox of
 *   every scenario (`createNotifier({ outbox: { path } })`, and `HERALD_OUTBOX` for the CLI),
 *   one kept with undelivered notifications and replayed by a second notifier, and the CLI's
 *   working directory and HOME.
 *
 * Then no token or webhook secret, nor any 8-character piece of one, may appear anywhere. What
 * counts as the secret is what masking hides (`555666777:AA…`, `xoxb-11…`, `dW…`): a bot's
 * number, a token's kind and the first two characters are shown on purpose; pieces made only
 * of digits are skipped (ids are digits too), as in test/cli/harness.ts.
 *
 * Needs dist/ (`npm run build`; `npm test` builds first).
 */
import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventEmitter } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakePlatformServer } from '../../src/sandbox/fake-platforms.js';
import { createNotifier, heraldPlugin, type Notifier, type NotifierOptions } from '../../src/index.js';
import type { Env } from '../../src/config/env.js';
import { closedPort, startCli } from '../cli/harness.js';

// ---------------------------------------------------------------------------------------------
// The secrets of this run (fake, of the real shapes; none used by any other test).

/** Every secret this run uses, by name. */
const S = {
  tgGeneral: '555666777:AADVWqyfkrFAZd6_6X-yZl_DcI08WoHmiXWnh',
  tgError: '888999000:AAREl-Asie_ys64KT2rumOT-zNtTKjCSFbLRC',
  tgTarget: '444333222:AAIe2GWM1wYovdzuMobWRv3Dr0501kiKmeknU',
  discordHook: 't_tiycrRXpMSPUa-AhewwR34pkzC-8tWpn5q4l8Y',
  discordHookError: 'U6Cgzg5onBacU3lzDPXzaLLkPZCLk1VPMTLnz_VW',
  discordHookTarget: 'NALYXTU2z_kIui-I1oJLJIJ0FUFF6FDzV-noXkv2',
  slackHook: '6cY6ibNmRqfgDD3Q5s7KfiMw',
  slackHookError: '3PeuYc16f2iPZx1e0oUcMYuo',
  slackHookTarget: 'sVw9ueH5h6UNwBkkq5yjBUYe',
  slackBot: 'xoxb-1111111111-2222222222222-gIofs7lvVmg8ddJYVl0kJOus',
  discordBot: 'MT4pVGEhKT7fi7ViounAlkiWCd.Gq7Z9x.5K13V_UxNI8qJ-LBYr_8pLYeeVLSWdsbkx5q2n',
  /** Tokens of the wrong shape: still secrets. */
  badTelegram: '555666777:xGcMTPxwg8uPgE',
  badSlack: 'xoxq-3333333333-1kPpExKw7xWZBxVOQcVj',
  badDiscord: 'MT7TQ4Pudc9oGxExEJltiPrYbYCV.Xx',
  /** Secrets in the paths of URLs that are not usable targets, and a password. */
  httpHook: 'sLRqD1ssz3FCQOfF5PCv',
  unknownHost: 'iLVgxTMQDxEKynIHTLlY',
  heldInVariable: 'jG0cfJYQWtnjOzq84Zm9',
  typoSlack: 'hacCT1nuubaVbViKtOta',
  typoDiscord: 'c0nvu2fAp62a3RgHGmE6',
  proxyPassword: 'WT0A5hBGjejQTX8YQT',
} as const;

const DISCORD_HOOK_ID = '111222333444555666';
const DISCORD_ERROR_HOOK_ID = '999888777666555444';
const DISCORD_TARGET_HOOK_ID = '123123123123123123';
const SLACK_HOOK = `T0SECRET/B0GENERAL/${S.slackHook}`;
const SLACK_ERROR_HOOK = `T0SECRET/B0ERROR/${S.slackHookError}`;
const SLACK_TARGET_HOOK = `T0SECRET/B0TARGET/${S.slackHookTarget}`;
const D = { general: '1300000000000000001', alerts: '1300000000000000002' };

/** The part of a secret that masking hides: after the bot number and 2 characters, after `xoxb-` and 2, else after 2. */
function hiddenPart(secret: string): string {
  const colon = secret.indexOf(':');
  if (colon > 0 && /^\d+$/.test(secret.slice(0, colon))) return secret.slice(colon + 3);
  const kind = /^(?:xoxe\.)?xox[a-z]-/.exec(secret);
  return secret.slice((kind?.[0].length ?? 0) + 2);
}

/** Every 8-character piece of a secret's hidden part (digit-only pieces left out). */
function fragments(secret: string): string[] {
  const hidden = hiddenPart(secret);
  const out: string[] = [];
  for (let i = 0; i + 8 <= hidden.length; i++) {
    const piece = hidden.slice(i, i + 8);
    if (!/^\d+$/.test(piece)) out.push(piece);
  }
  return out;
}

const FRAGMENTS = Object.entries(S).flatMap(([name, secret]) => fragments(secret).map((piece) => ({ name, piece })));

/** One place a secret showed up. */
interface Leak {
  readonly source: string;
  readonly secret: string;
  readonly piece: string;
  readonly context: string;
}

function findLeaks(source: string, text: string): Leak[] {
  const leaks: Leak[] = [];
  const seen = new Set<string>();
  for (const { name, piece } of FRAGMENTS) {
    const at = text.indexOf(piece);
    if (at < 0 || seen.has(`${name}@${at}`)) continue;
    seen.add(`${name}@${at}`);
    leaks.push({ source, secret: name, piece, context: text.slice(Math.max(0, at - 60), at + 60).replace(/\s+/g, ' ') });
  }
  // One report per secret and source is enough to act on.
  return leaks.filter((l, i) => leaks.findIndex((m) => m.secret === l.secret) === i);
}

// ---------------------------------------------------------------------------------------------
// The collector.

/** Everything Herald wrote, by where it was written. */
const collected: { source: string; text: string }[] = [];
const collect = (source: string, text: unknown): void => {
  collected.push({ source, text: typeof text === 'string' ? text : JSON.stringify(text) });
};

/** Runs `fn` with this process's stdout and stderr captured (not printed). */
async function capturingStdio<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const out = process.stdout.write;
  const err = process.stderr.write;
  const grab = (stream: string) =>
    ((chunk: unknown, ...rest: unknown[]): boolean => {
      collect(`${label}: ${stream}`, typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      cb?.();
      return true;
    }) as typeof process.stdout.write;
  process.stdout.write = grab('stdout');
  process.stderr.write = grab('stderr');
  try {
    return await fn();
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

/** Collects a thrown error's every text: message, stack, problems, cause. */
function collectError(label: string, err: unknown): void {
  const e = err as { name?: string; message?: string; stack?: string; problems?: unknown; cause?: unknown };
  collect(`${label}: error message`, `${e?.name}: ${e?.message}`);
  collect(`${label}: error stack`, e?.stack ?? '');
  collect(`${label}: String(error)`, String(err));
  if (e?.problems !== undefined) collect(`${label}: error problems`, e.problems);
  if (e?.cause !== undefined) collect(`${label}: error cause`, String(e.cause));
}

/** Every file under `dir`, recursively. */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The run.

let server: FakePlatformServer;
let root: string;
const outboxPaths: string[] = [];

beforeAll(async () => {
  server = await FakePlatformServer.start();
  root = await mkdtemp(join(tmpdir(), 'herald-secrets-'));
});
afterAll(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

function channels(): void {
  server.addSlackChannel({ id: 'C0GENERAL01', name: 'general' });
  server.addSlackChannel({ id: 'C0ALERTS001', name: 'alerts' });
  server.addDiscordChannel({ id: D.general, name: 'general' });
  server.addDiscordChannel({ id: D.alerts, name: 'alerts' });
}

/** Every destination kind, on the fake server. */
function fullEnv(extra: Env = {}): Env {
  return {
    TELEGRAM_API_BASE_URL: server.telegramBaseUrl,
    SLACK_API_BASE_URL: server.slackApiBaseUrl,
    DISCORD_API_BASE_URL: server.discordApiBaseUrl,
    GENERAL_TELEGRAM_BOT_TOKEN: S.tgGeneral,
    GENERAL_TELEGRAM_BOT_CHAT_ID: '-1001234567890',
    ERROR_TELEGRAM_BOT_TOKEN: S.tgError,
    ERROR_TELEGRAM_BOT_CHAT_ID: '42424242',
    GENERAL_DISCORD_WEBHOOK: server.discordWebhookUrl(DISCORD_HOOK_ID, S.discordHook),
    ERROR_DISCORD_WEBHOOK: server.discordWebhookUrl(DISCORD_ERROR_HOOK_ID, S.discordHookError),
    GENERAL_SLACK_WEBHOOK: server.slackWebhookUrl(SLACK_HOOK),
    ERROR_SLACK_WEBHOOK: server.slackWebhookUrl(SLACK_ERROR_HOOK),
    SLACK_BOT_TOKEN: S.slackBot,
    SLACK_DEFAULT_CHANNEL: 'general',
    SLACK_CHANNEL_MAPPING: 'error=alerts',
    DISCORD_BOT_TOKEN: S.discordBot,
    DISCORD_DEFAULT_CHANNEL: D.general,
    DISCORD_CHANNEL_MAPPING: `error=${D.alerts}`,
    OPS_WEBHOOK: server.discordWebhookUrl(DISCORD_TARGET_HOOK_ID, S.discordHookTarget),
    REPORTS: `${server.slackWebhookUrl(SLACK_TARGET_HOOK)} tgram://${S.tgTarget}/-1009999999999`,
    OPAQUE_VARIABLE: `https://example.com/hooks/${S.heldInVariable}`,
    ...extra,
  };
}

/**
 * A notifier whose reports and console go to the real stdout/stderr (captured), every event
 * collected, with a durable outbox under this run's directory (one file per scenario unless
 * `outboxName` shares one).
 */
function notifierFor(label: string, env: Env, options: NotifierOptions = {}, outboxName = label): Notifier {
  const outbox = join(root, 'outbox', `${outboxName.replace(/\W+/g, '-')}.outbox`);
  outboxPaths.push(outbox);
  const n = createNotifier({
    env,
    drainOnExit: false,
    delivery: { backoff: { baseMs: 20, factor: 2, maxMs: 50, jitter: 0 }, giveUpAfterMs: 400 },
    http: { requestTimeoutMs: 1500 },
    outbox: { path: outbox, fsync: 'off' },
    ...options,
  });
  for (const name of ['queued', 'delivered', 'retrying', 'failed', 'dropped', 'warning'] as const) {
    n.on(name, (payload: unknown) => collect(`${label}: '${name}' event`, payload));
  }
  return n;
}

/** Runs one in-process scenario: stdio captured, thrown errors collected, what it returns collected. */
async function scenario(label: string, fn: () => Promise<void>): Promise<void> {
  await capturingStdio(label, async () => {
    try {
      await fn();
    } catch (err) {
      collectError(label, err);
    }
  });
}

async function finish(label: string, n: Notifier): Promise<void> {
  collect(`${label}: flush report`, await n.flush(5000));
  collect(`${label}: routes()`, n.routes());
  collect(`${label}: stats()`, n.stats());
  collect(`${label}: close report`, await n.close(500));
}

/** What Herald posted to the fake platforms since the last reset. */
function collectPosted(label: string): void {
  for (const m of server.messages) collect(`${label}: posted to ${m.platform} ${m.via} ${m.destination}`, { text: m.text, body: m.body });
  server.reset();
}

/** A proxy's error page echoing the request line, with the token cut at `cutAt` characters (drivers quote 200). */
function echoPage(path: string, cutAt = 200): string {
  const head = '<html><head><title>405 Not Allowed</title></head><body><h1>Method Not Allowed</h1><p>The requested method POST is not allowed for the URL ';
  const pad = Math.max(0, cutAt - head.length - path.length / 2);
  return `${head}${'.'.repeat(Math.floor(pad))}${path}</p><hr><address>proxy</address></body></html>`;
}

async function cli(label: string, args: string[], env: Record<string, string>): Promise<void> {
  const cwd = join(root, 'cli', label.replace(/\W+/g, '-'));
  await mkdir(cwd, { recursive: true });
  // The harness checks its own secrets on every run (`done` rejects on one); this file checks
  // its own, after the whole run, so every leak is listed at once.
  const p = startCli(args, { cwd, env });
  await p.done.catch((err: unknown) => collectError(`herald ${label}: harness check`, err));
  collect(`herald ${label}: stdout`, p.stdout());
  collect(`herald ${label}: stderr`, p.stderr());
}

/** The environment of a `herald` run: every kind on the fake server, as strings. */
function cliEnv(extra: Env = {}): Record<string, string> {
  cliOutboxes++;
  const env = { HERALD_OUTBOX: join(root, 'outbox', `cli-${cliOutboxes}.outbox`), ...fullEnv(extra) };
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string'));
}
let cliOutboxes = 0;

describe('no secret in anything Herald writes', () => {
  it('the detector finds a planted piece of any secret, and ignores masked forms', () => {
    expect(findLeaks('t', `x ${S.tgGeneral.slice(14, 22)} y`).map((l) => l.secret)).toEqual(['tgGeneral']);
    expect(findLeaks('t', `x ${S.slackHook.slice(5, 13)} y`).map((l) => l.secret)).toEqual(['slackHook']);
    expect(
      findLeaks('t', 'Telegram bot 555666777:AA… · Slack bot xoxb-11… · Discord bot MT… · webhook 111222333444555666/t_… · T0SECRET/B0GENERAL/6c…'),
    ).toEqual([]);
  });

  it('a whole run: every destination kind, bad and revoked tokens, deleted webhooks, proxies, redirects, unusable targets, the plugin and the CLI', async () => {
    // 1. Everything works: every kind, every target form, cards, the plugin.
    channels();
    await scenario('happy path', async () => {
      const n = notifierFor('happy path', fullEnv());
      n.log('hello everyone');
      n.notify('exchange down', { level: 'error' });
      n.notify('filled', { card: { title: '✅ FILLED BUY 0.5 BTC-USDT', tone: 'good', fields: [{ name: 'Qty', value: '0.5', numeric: true }] } });
      for (const to of [
        'OPS_WEBHOOK',
        'REPORTS',
        server.discordWebhookUrl(DISCORD_TARGET_HOOK_ID, S.discordHookTarget),
        `${server.slackWebhookUrl(SLACK_TARGET_HOOK)}?thread_ts=1700000000.123456`,
        `tgram://${S.tgTarget}/-1001111111111:42?silent=yes`,
        `discord://${DISCORD_TARGET_HOOK_ID}/${S.discordHookTarget}?botname=herald`,
        `slack://T0SECRET/B0TARGET/${S.slackHookTarget}`,
        `slack://${S.slackBot}/#alerts`,
        'telegram:-1002222222222',
        `discord:${D.alerts}`,
        'slack:#alerts',
        '#alerts', // two bots: ambiguous, reported
      ]) {
        n.log(`to ${to.slice(0, 12)}`, to);
        collect(`happy path: preview(${to.slice(0, 12)})`, n.preview({ to }));
      }
      collect('happy path: preview(error)', n.preview({ level: 'error', tags: { strategy: 'ema-cross' } }));
      await finish('happy path', n);
    });
    collectPosted('happy path');

    channels();
    await scenario('plugin', async () => {
      const plugin = heraldPlugin({ env: fullEnv(), drainOnExit: false, events: { 'order.submitted': true } });
      collect('plugin: what install returns', Object.keys(plugin));
      const host = { events: new EventEmitter() };
      const handle = plugin.install(host);
      const strategy: { name: string; log?: (m: unknown, t?: string) => void } = { name: 'ema-cross' };
      host.events.emit('session.started', { mode: 'paper', exchange: 'binance', symbols: ['BTC-USDT'], strategy: 'ema-cross' });
      host.events.emit('strategy.created', strategy);
      host.events.emit('order.submitted', { id: '1', exchange: 'binance', symbol: 'BTC-USDT', side: 'buy', type: 'limit', qty: 0.5, price: 64000 });
      host.events.emit('order.filled', {
        id: '1',
        exchange: 'binance',
        symbol: 'BTC-USDT',
        side: 'buy',
        type: 'limit',
        qty: 0.5,
        avgPrice: 64210.5,
        url: 'https://exchange.example/o/1',
      });
      host.events.emit('error', new Error('exchange said no'));
      host.events.emit('custom', { name: 'rebalance', message: 'done', to: 'OPS_WEBHOOK' });
      strategy.log?.('from the strategy', 'REPORTS');
      strategy.log?.('to a bad target', `https://example.com/hooks/${S.unknownHost}`);
      host.events.emit('session.terminated', { mode: 'paper', reason: 'done' });
      await handle.close();
    });
    collectPosted('plugin');

    // 2. Tokens of the wrong shape, URLs that are not webhooks: one HeraldConfigError.
    await scenario('bad configuration', async () => {
      notifierFor('bad configuration', {
        GENERAL_TELEGRAM_BOT_TOKEN: S.badTelegram,
        GENERAL_TELEGRAM_BOT_CHAT_ID: '1001234567890',
        ERROR_TELEGRAM_BOT_TOKEN: `"${S.tgError}"x`,
        ERROR_TELEGRAM_BOT_CHAT_ID: '42',
        GENERAL_DISCORD_WEBHOOK: `http://discord.com/api/webhooks/${DISCORD_HOOK_ID}/${S.httpHook}`,
        ERROR_DISCORD_WEBHOOK: `https://discord.com/api/webhooks/${DISCORD_HOOK_ID}/${S.discordHook}/extra/parts`,
        GENERAL_SLACK_WEBHOOK: `https://example.com/services/T0/B0/${S.unknownHost}`,
        SLACK_BOT_TOKEN: S.badSlack,
        SLACK_DEFAULT_CHANNEL: 'general',
        DISCORD_BOT_TOKEN: S.badDiscord,
        DISCORD_DEFAULT_CHANNEL: D.general,
        TELEGRAM_API_BASE_URL: `http://proxy.example:8080/${S.proxyPassword}`,
        DISCORD_API_BASE_URL: `http://herald:${S.proxyPassword}@proxy.example:8080/api`,
        SLACK_API_BASE_URL: `not a url ${S.proxyPassword}`,
      });
    });
    await scenario('bad configuration: tokens where webhooks go, and the reverse', async () => {
      notifierFor('swapped', {
        GENERAL_DISCORD_WEBHOOK: S.discordBot,
        GENERAL_SLACK_WEBHOOK: S.slackBot,
        SLACK_BOT_TOKEN: `https://hooks.slack.com/services/${SLACK_HOOK}`,
        SLACK_DEFAULT_CHANNEL: 'general',
        DISCORD_BOT_TOKEN: `https://discord.com/api/webhooks/${DISCORD_HOOK_ID}/${S.discordHook}`,
        DISCORD_DEFAULT_CHANNEL: D.general,
        NOTIFICATIONS_PROVIDER: 'slack',
        NOTIFICATIONS_TOKEN: S.tgGeneral,
        NOTIFICATIONS_DEFAULT_CHANNEL: 'general',
      });
    });
    await scenario('bad configuration: Apprise URLs', async () => {
      notifierFor('bad apprise', {
        GENERAL_DISCORD_WEBHOOK: `discord://notanid/${S.discordHook}`,
        GENERAL_SLACK_WEBHOOK: `slack://${S.slackBot}/#alerts`,
        ERROR_SLACK_WEBHOOK: `slack://T0/B0/${S.slackHook}?mode=workflow`,
      });
    });

    // 3. Revoked tokens and deleted webhooks, found at the first send.
    channels();
    server.revokeToken(S.tgGeneral);
    server.revokeSlackToken(S.slackBot);
    server.revokeDiscordBotToken(S.discordBot);
    server.deleteDiscordWebhook(DISCORD_HOOK_ID);
    server.archiveSlackChannel(SLACK_HOOK);
    server.inject({ platform: 'slack', via: 'webhook', destination: 'T0SECRET/B0ERROR' }, { status: 404, body: 'no_service' }, Infinity);
    await scenario('revoked', async () => {
      const n = notifierFor('revoked', fullEnv());
      n.log('one');
      n.notify('two', { level: 'error' });
      await n.flush(5000);
      n.log('after they were disabled');
      await finish('revoked', n);
    });
    collectPosted('revoked');
    channels();
    server.inject({ platform: 'slack', via: 'bot' }, { status: 200, body: { ok: false, error: 'invalid_auth' } }, Infinity);
    await scenario('invalid_auth', async () => {
      const n = notifierFor('invalid_auth', { SLACK_API_BASE_URL: server.slackApiBaseUrl, SLACK_BOT_TOKEN: S.slackBot, SLACK_DEFAULT_CHANNEL: 'general' });
      n.log('x');
      await finish('invalid_auth', n);
    });
    collectPosted('invalid_auth');

    // 4. Proxies that answer for the platform, echoing the request, and redirects.
    channels();
    server.inject({ platform: 'telegram' }, { status: 405, body: echoPage(`/bot${S.tgGeneral}/sendMessage`) }, Infinity);
    server.inject({ platform: 'discord', via: 'webhook' }, { status: 405, body: echoPage(`/api/v10/webhooks/${DISCORD_HOOK_ID}/${S.discordHook}`) }, Infinity);
    server.inject({ platform: 'slack', via: 'webhook' }, { status: 405, body: echoPage(`/services/${SLACK_HOOK}`) }, Infinity);
    server.inject({ platform: 'slack', via: 'bot' }, { status: 407, body: echoPage(`Authorization: Bearer ${S.slackBot}`) }, Infinity);
    server.inject({ platform: 'discord', via: 'bot' }, { status: 418, body: { message: `Authorization: Bot ${S.discordBot}` } }, Infinity);
    await scenario('echoing proxy', async () => {
      const n = notifierFor(
        'echoing proxy',
        fullEnv({ ERROR_TELEGRAM_BOT_TOKEN: '', ERROR_TELEGRAM_BOT_CHAT_ID: '', ERROR_DISCORD_WEBHOOK: '', ERROR_SLACK_WEBHOOK: '' }),
      );
      n.log('through a proxy');
      await finish('echoing proxy', n);
    });
    collectPosted('echoing proxy');
    channels();
    for (const platform of ['telegram', 'discord', 'slack'] as const) {
      server.inject(
        { platform },
        { status: 302, body: 'moved', headers: { location: `http://127.0.0.2:9/bot${S.tgGeneral}/${S.discordHook}/${S.slackBot}` } },
        Infinity,
      );
    }
    await scenario('redirects', async () => {
      const n = notifierFor('redirects', fullEnv());
      n.log('redirected');
      await finish('redirects', n);
    });
    collectPosted('redirects');

    // 5. Nothing answers: connection refused, retried, given up.
    const port = await closedPort();
    await scenario('unreachable', async () => {
      const n = notifierFor('unreachable', {
        ...fullEnv(),
        TELEGRAM_API_BASE_URL: `http://127.0.0.1:${port}`,
        SLACK_API_BASE_URL: `http://127.0.0.1:${port}/api`,
        DISCORD_API_BASE_URL: `http://127.0.0.1:${port}/api`,
        GENERAL_DISCORD_WEBHOOK: `http://127.0.0.1:${port}/api/webhooks/${DISCORD_HOOK_ID}/${S.discordHook}`,
        GENERAL_SLACK_WEBHOOK: `http://127.0.0.1:${port}/services/${SLACK_HOOK}`,
      });
      n.log('nobody home');
      await finish('unreachable', n);
    });
    // Kept in the outbox at exit (a hanging platform), then replayed by the next notifier on it.
    channels();
    const keptEnv = fullEnv();
    await scenario('kept at exit', async () => {
      for (const platform of ['telegram', 'discord', 'slack'] as const) server.inject({ platform }, 'hang', Infinity);
      const n = notifierFor('kept at exit', keptEnv, {}, 'kept');
      n.log('never answered');
      n.log(
        'to targets',
        `OPS_WEBHOOK REPORTS ${server.discordWebhookUrl(DISCORD_TARGET_HOOK_ID, S.discordHookTarget)} discord://${DISCORD_TARGET_HOOK_ID}/${S.discordHookTarget} slack://T0SECRET/B0TARGET/${S.slackHookTarget} slack://${S.slackBot}/#alerts`,
      );
      collect('kept at exit: close report', await n.close(300));
    });
    const kept = await filesUnder(join(root, 'outbox'));
    for (const f of kept) collect(`file (before replay) ${f.slice(root.length)}`, await readFile(f, 'utf8'));
    server.reset();
    channels();
    await scenario('replayed', async () => {
      const n = notifierFor('replayed', keptEnv, {}, 'kept');
      await finish('replayed', n);
    });
    collectPosted('replayed');

    // 6. Targets that cannot be resolved, many with a secret in them.
    channels();
    await scenario('unusable targets', async () => {
      const n = notifierFor('unusable targets', fullEnv({ EMPTY_TARGET: '', TOKEN_AS_TARGET: S.slackBot }));
      for (const to of [
        `http://discord.com/api/webhooks/${DISCORD_HOOK_ID}/${S.httpHook}`,
        `https://example.com/hooks/${S.unknownHost}`,
        'OPAQUE_VARIABLE',
        `https://hooks.slack.com/service/T0SECRET/B0GENERAL/${S.typoSlack}`,
        `https://discord.com/api/webhook/${DISCORD_HOOK_ID}/${S.typoDiscord}`,
        `https://discord.com/api/webhooks/${DISCORD_HOOK_ID}/${S.discordHook}/x/y`,
        `tgram://${S.tgTarget}`,
        `tgram://${S.badTelegram}/-1001234567890`,
        `discord://${DISCORD_TARGET_HOOK_ID}/${S.discordHookTarget}?thread=notanid`,
        `slack://${S.slackBot}/#not a channel`,
        `slack://${S.badSlack}/#alerts`,
        `slack://T0SECRET/B0GENERAL/${S.slackHook}?mode=workflow`,
        `mailto://user:${S.proxyPassword}@example.com`,
        S.tgGeneral,
        S.slackBot,
        S.discordBot,
        'TOKEN_AS_TARGET',
        'EMPTY_TARGET',
        'UNSET_TARGET',
        `telegram:${S.tgTarget}`,
      ]) {
        n.log(`to ${to.slice(0, 6)}`, to);
        collect(`unusable targets: preview(${to.slice(0, 6)})`, n.preview({ to }));
      }
      await finish('unusable targets', n);
    });
    collectPosted('unusable targets');

    // 7. The `herald` command, as a user runs it.
    channels();
    await cli('doctor', ['doctor'], cliEnv());
    await cli('doctor --json', ['doctor', '--json'], cliEnv());
    await cli('test', ['test'], cliEnv());
    await cli('test --json', ['test', '--json'], cliEnv());
    collectPosted('herald test');
    channels();
    await cli('send', ['send', '--error', 'from the shell'], cliEnv());
    await cli('send --to', ['send', '--to', `OPS_WEBHOOK tgram://${S.tgTarget}/-1001111111111 slack://${S.slackBot}/#alerts`, 'to targets'], cliEnv());
    await cli(
      'send --json --to',
      [
        'send',
        '--json',
        '--to',
        `discord://${DISCORD_TARGET_HOOK_ID}/${S.discordHookTarget} slack://T0SECRET/B0TARGET/${S.slackHookTarget} ${server.discordWebhookUrl(DISCORD_TARGET_HOOK_ID, S.discordHookTarget)}`,
        'to targets',
      ],
      cliEnv(),
    );
    collectPosted('herald send');
    for (const [label, to] of [
      ['webhooks', `${server.discordWebhookUrl(DISCORD_TARGET_HOOK_ID, S.discordHookTarget)} ${server.slackWebhookUrl(SLACK_TARGET_HOOK)}`],
      [
        'apprise',
        `tgram://${S.tgTarget}/-1001111111111 discord://${DISCORD_TARGET_HOOK_ID}/${S.discordHookTarget} slack://${S.slackBot}/#alerts slack://T0SECRET/B0TARGET/${S.slackHookTarget}`,
      ],
      ['variables', 'OPS_WEBHOOK REPORTS OPAQUE_VARIABLE UNSET_TARGET'],
      ['unusable', `https://example.com/hooks/${S.unknownHost} http://discord.com/api/webhooks/${DISCORD_HOOK_ID}/${S.httpHook} tgram://${S.tgTarget}`],
      ['typos', `https://hooks.slack.com/service/T0SECRET/B0GENERAL/${S.typoSlack} https://discord.com/api/webhook/${DISCORD_HOOK_ID}/${S.typoDiscord}`],
      ['a token', S.slackBot],
    ] as const) {
      await cli(`send --dry-run --to ${label}`, ['send', '--dry-run', '--to', to, 'dry'], cliEnv());
      await cli(`send --dry-run --json --to ${label}`, ['send', '--dry-run', '--json', '--to', to, 'dry'], cliEnv());
    }
    await cli('send --dry-run --error --tag', ['send', '--dry-run', '--error', '--tag', 'strategy=ema-cross', 'boom'], cliEnv());
    expect(server.messages, 'a dry run sends nothing').toEqual([]);
    // Revoked and deleted, seen by doctor and test; then a configuration with problems.
    channels();
    server.revokeToken(S.tgGeneral);
    server.revokeSlackToken(S.slackBot);
    server.revokeDiscordBotToken(S.discordBot);
    server.deleteDiscordWebhook(DISCORD_HOOK_ID);
    server.inject({ platform: 'telegram', method: 'getMe' }, { status: 405, body: echoPage(`/bot${S.tgError}/getMe`) }, Infinity);
    await cli('doctor (revoked)', ['doctor'], cliEnv());
    await cli('doctor --json (revoked)', ['doctor', '--json'], cliEnv());
    await cli('test (revoked)', ['test'], cliEnv());
    server.reset();
    const bad = cliEnv({
      GENERAL_TELEGRAM_BOT_TOKEN: S.badTelegram,
      SLACK_BOT_TOKEN: S.badSlack,
      DISCORD_BOT_TOKEN: S.badDiscord,
      GENERAL_SLACK_WEBHOOK: `https://hooks.slack.com/service/T0SECRET/B0GENERAL/${S.typoSlack}`,
      GENERAL_DISCORD_WEBHOOK: `http://discord.com/api/webhooks/${DISCORD_HOOK_ID}/${S.httpHook}`,
    });
    await cli('doctor (bad configuration)', ['doctor'], bad);
    await cli('doctor --json (bad configuration)', ['doctor', '--json'], bad);
    await cli('test (bad configuration)', ['test'], bad);
    await cli('send --dry-run (bad configuration)', ['send', '--dry-run', 'x'], bad);

    // 8. Every file written under this run's directory (CLI working directories, HOME, outboxes).
    const files = await filesUnder(root);
    for (const f of files) collect(`file ${f.slice(root.length)}`, await readFile(f, 'utf8'));
    collect(
      'outbox: which exist',
      outboxPaths.filter((p) => files.some((f) => f.startsWith(p))),
    );

    // The collection is not empty where it matters: the run did what it says.
    const sources = collected.map((c) => c.source);
    const all = collected.map((c) => c.text).join('\n');
    expect(sources.some((s) => s.includes("'failed' event"))).toBe(true);
    expect(sources.some((s) => s.includes("'warning' event"))).toBe(true);
    expect(sources.some((s) => s.startsWith('bad configuration: error message'))).toBe(true);
    expect(all).toContain('HeraldConfigError: Herald configuration has');
    expect(all).toMatch(/herald: stopped sending to Telegram bot 555666777:AA… → chat -1001234567890/);
    expect(all).toContain('invalid_auth');
    expect(all).toContain('not followed');
    expect(all).toContain('log target');
    expect(sources.some((s) => s.startsWith('herald doctor: stdout'))).toBe(true);
    expect(sources.some((s) => /posted to slack bot/.test(s))).toBe(true);

    expect(
      files.some((f) => f.includes(`${join(root, 'outbox')}/kept`)),
      'the outbox file of the kept scenario',
    ).toBe(true);
    expect(sources.some((s) => s.startsWith('replayed: posted to'))).toBe(true);

    const leaks = collected.flatMap((c) => findLeaks(c.source, c.text));
    if (process.env.HERALD_SECRETS_DUMP) await writeFile(process.env.HERALD_SECRETS_DUMP, JSON.stringify({ leaks, collected }, null, 1));
    expect(leaks, `secrets leaked:\n${leaks.map((l) => `  ${l.secret} "${l.piece}" in ${l.source}: …${l.context}…`).join('\n')}`).toEqual([]);
  }, 180_000);
});

/** Leaks this test once found, each alone with its input, so a regression names its cause. */
describe('leaks found and fixed, one input each', () => {
  const leaksIn = (text: string): string[] => findLeaks('t', text).map((l) => `${l.secret} "${l.piece}"`);
  const configError = (env: Env): string => {
    try {
      createNotifier({ env, drainOnExit: false })
        .close(0)
        .catch(() => {});
      return '';
    } catch (err) {
      return `${(err as Error).message}\n${JSON.stringify((err as { problems?: unknown }).problems)}`;
    }
  };

  it('a TELEGRAM_API_BASE_URL with a password and a secret path: the error shows scheme and host only', () => {
    const text = configError({
      GENERAL_TELEGRAM_BOT_TOKEN: S.tgGeneral,
      GENERAL_TELEGRAM_BOT_CHAT_ID: '-1001234567890',
      TELEGRAM_API_BASE_URL: `http://herald:${S.proxyPassword}@proxy.example:8080/${S.unknownHost}`,
    });
    expect(text).toContain('TELEGRAM_API_BASE_URL');
    expect(text).toContain('"http://***@proxy.example:8080/…" is not https');
    expect(leaksIn(text)).toEqual([]);
  });

  it('a Discord bot token in GENERAL_DISCORD_WEBHOOK: two characters of it in the error', () => {
    const text = configError({ GENERAL_DISCORD_WEBHOOK: S.discordBot });
    expect(text).toContain('GENERAL_DISCORD_WEBHOOK');
    expect(text).toContain(`"${S.discordBot.slice(0, 2)}…" is not a URL`);
    expect(leaksIn(text)).toEqual([]);
  });

  it('a proxy 405 page echoing /bot<token>/sendMessage across character 200: redacted before it is cut', async () => {
    server.reset();
    server.inject({ platform: 'telegram' }, { status: 405, body: echoPage(`/bot${S.tgGeneral}/sendMessage`) }, Infinity);
    const reasons: string[] = [];
    const n = createNotifier({
      env: { TELEGRAM_API_BASE_URL: server.telegramBaseUrl, GENERAL_TELEGRAM_BOT_TOKEN: S.tgGeneral, GENERAL_TELEGRAM_BOT_CHAT_ID: '-1001234567890' },
      drainOnExit: false,
      diagnostics: (l) => void reasons.push(l),
    });
    n.on('failed', (e) => void reasons.push(e.reason));
    n.log('x');
    await n.close(2000);
    server.reset();
    expect(reasons.join('\n')).toContain('Telegram answered 405');
    expect(leaksIn(reasons.join('\n'))).toEqual([]);
  });

  it('herald send --dry-run --json --to discord://<id>/<token>: "to" shows the targets redacted', async () => {
    const cwd = join(root, 'cli', 'known-send-json');
    await mkdir(cwd, { recursive: true });
    const p = startCli(
      ['send', '--dry-run', '--json', '--to', `discord://${DISCORD_TARGET_HOOK_ID}/${S.discordHookTarget} slack://T0SECRET/B0TARGET/${S.slackHookTarget}`, 'x'],
      { cwd, env: {} },
    );
    await p.done.catch(() => {});
    expect(p.stdout()).toContain('"to"');
    expect(leaksIn(p.stdout())).toEqual([]);
  });
});
