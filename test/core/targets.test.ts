/**
 * `log(message, target)`: every target form resolves to its destinations (webhook URLs, Apprise
 * URLs, bot channels, telegram:<chat>, several at once, variable names); anything else never
 * throws, still reaches the general destinations with a note, and is reported once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Env } from '../../src/config/env.js';
import type { NotifierOptions } from '../../src/core/notifier.js';
import { readConfig } from '../../src/core/configuration.js';
import { resolveTarget as resolve, type TargetResolution } from '../../src/core/targets.js';
import type { Notifier, WarningEvent } from '../../src/index.js';
import {
  captured,
  DISCORD_ALERTS,
  DISCORD_BOT_TOKEN,
  DISCORD_CHANNEL,
  DISCORD_URL,
  fullEnv,
  sent,
  SLACK_BOT_TOKEN,
  SLACK_URL,
  testNotifier,
  TOKEN,
  useMsw,
} from '../fixtures/platforms.js';

useMsw();

const OTHER_DISCORD = 'https://discord.com/api/webhooks/555666777888999000/OtherOtherOtherOtherOtherOther_-zz';
const OTHER_DISCORD_ID = '555666777888999000';
const OTHER_SLACK = 'https://hooks.slack.com/services/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';
const OTHER_SLACK_NAME = 'T0AAAAAAA/B0DDDDDDD';
const GENERAL = {
  GENERAL_TELEGRAM_BOT_TOKEN: TOKEN,
  GENERAL_TELEGRAM_BOT_CHAT_ID: '-1001234567890',
  GENERAL_DISCORD_WEBHOOK: DISCORD_URL,
  GENERAL_SLACK_WEBHOOK: SLACK_URL,
};

const open: Notifier[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((n) => n.close(500)));
});

function make(env: Env, options: NotifierOptions = {}) {
  const t = testNotifier(env, options);
  open.push(t.notifier);
  const warnings: WarningEvent[] = [];
  t.notifier.on('warning', (w) => warnings.push(w));
  return { ...t, warnings };
}

/** Resolves against `env` and the bots it configures; one-target cases read `spec` / `problem`. */
function resolveTarget(target: unknown, env: Env = {}): TargetResolution & { ok: boolean; spec?: any; problem?: any } {
  const r = resolve(target, { env, bots: readConfig(env).bots });
  return { ...r, ok: r.problems.length === 0, spec: r.specs[0], problem: r.problems[0] };
}

function texts(platform: 'telegram' | 'discord' | 'slack', address?: string): string[] {
  return sent(platform, address).map((c) => String(platform === 'discord' ? c.body.content : c.body.text));
}
function lines(platform: 'telegram' | 'discord' | 'slack', address?: string): string[] {
  return texts(platform, address).flatMap((t) => t.split('\n'));
}

describe('resolveTarget', () => {
  it('resolves Discord webhooks (discord.com, discordapp.com) and Slack webhooks by host and path', () => {
    const d = resolveTarget(OTHER_DISCORD);
    expect(d).toMatchObject({ ok: true, spec: { driver: 'discord', webhookId: OTHER_DISCORD_ID, origin: 'log target' } });
    expect(d.specs).toHaveLength(1);
    const legacy = resolveTarget(OTHER_DISCORD.replace('discord.com', 'discordapp.com'));
    expect(legacy).toMatchObject({ ok: true, spec: { driver: 'discord', webhookId: OTHER_DISCORD_ID } });
    const s = resolveTarget(`  ${OTHER_SLACK}  `);
    expect(s).toMatchObject({ ok: true, spec: { driver: 'slack', name: OTHER_SLACK_NAME } });
  });

  it('resolves the NAME of an environment variable to the webhook it holds', () => {
    const r = resolveTarget('ALERTS_WEBHOOK', { ALERTS_WEBHOOK: ` ${OTHER_SLACK} ` });
    expect(r).toMatchObject({ ok: true, spec: { driver: 'slack', name: OTHER_SLACK_NAME, origin: 'ALERTS_WEBHOOK' } });
  });

  it('allows plain http on loopback hosts only', () => {
    expect(resolveTarget('http://127.0.0.1:8080/api/webhooks/1234/abcdefgh')).toMatchObject({ ok: true, spec: { driver: 'discord' } });
    expect(resolveTarget('http://localhost:8080/services/T1/B1/abcdefgh')).toMatchObject({ ok: true, spec: { driver: 'slack' } });
    const r = resolveTarget('http://example.com/x');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problem.message).toContain('is not https');
  });

  it.each([
    ['an unset variable', 'MISSING_HOOK', {}, /MISSING_HOOK is not set/],
    [
      'a variable holding a non-webhook URL',
      'SITE',
      { SITE: 'https://example.com/page' },
      /^SITE: its value is not a Discord webhook .* or a Slack incoming webhook/,
    ],
    ['a variable holding a name', 'NOTE', { NOTE: 'OTHER_HOOK' }, /^NOTE: its value is not a target$/],
    ['a variable holding words', 'NOTE', { NOTE: 'hello world!' }, /^NOTE: its value is not a target/],
    ['plain http', 'http://example.com/x', {}, /"http:\/\/example\.com\/x" is not https/],
    ['an https URL that is neither Discord nor Slack', 'https://example.com/hook', {}, /is not a Discord webhook/],
    ['a Discord host with a wrong path', 'https://discord.com/channels/1/2', {}, /is not a Discord webhook/],
    ['neither URL nor variable name', 'not a target!', {}, /^"not a target!" is not a target$/],
    ['an unknown scheme', 'ftp://example.com/x', {}, /^ftp:\/\/ is not a scheme Herald knows$/],
    ['an object', { to: 'x' }, {}, /^an object is not a target$/],
    ['a number', 42, {}, /^a number is not a target$/],
  ] as const)('explains %s', (_what, target, env, message) => {
    const r = resolveTarget(target, env);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problem.message).toMatch(message);
    expect(r.problem.fix.length).toBeGreaterThan(10);
  });

  it('never repeats a secret in its explanation', () => {
    const leaky = [
      TOKEN,
      'http://discord.com/api/webhooks/123456789/HttpSecretHttpSecretHttpSecret',
      'http://hooks.slack.com/services/T0AAAAAAA/B0DDDDDDD/slacksecretslacksecret',
    ];
    for (const t of leaky) {
      const r = resolveTarget(t);
      expect(r.ok).toBe(false);
      if (r.ok) continue;
      const all = `${r.problem.message} ${r.problem.fix}`;
      for (const secret of ['AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0', 'HttpSecretHttpSecretHttpSecret', 'slacksecretslacksecret'])
        expect(all).not.toContain(secret);
    }
  });
});

describe('log(message, target)', () => {
  it('a Discord URL target → only that webhook gets it', async () => {
    const { notifier, warnings } = make(GENERAL);
    notifier.log('to other discord', OTHER_DISCORD);
    await notifier.flush();
    expect(texts('discord', OTHER_DISCORD_ID)).toEqual(['to other discord']);
    expect(captured).toHaveLength(1);
    expect(warnings).toEqual([]);
  });

  it('a Slack URL target → only that webhook gets it', async () => {
    const { notifier } = make(GENERAL);
    notifier.log('to other slack', OTHER_SLACK);
    await notifier.flush();
    expect(texts('slack', OTHER_SLACK_NAME)).toEqual(['to other slack']);
    expect(captured).toHaveLength(1);
  });

  it('an env variable NAME → the webhook it holds', async () => {
    const { notifier } = make({ ...GENERAL, ALERTS_WEBHOOK: OTHER_DISCORD, TEAM_SLACK: OTHER_SLACK });
    notifier.log('via env discord', 'ALERTS_WEBHOOK');
    notifier.log('via env slack', 'TEAM_SLACK');
    await notifier.flush();
    expect(texts('discord', OTHER_DISCORD_ID)).toEqual(['via env discord']);
    expect(texts('slack', OTHER_SLACK_NAME)).toEqual(['via env slack']);
    expect(captured).toHaveLength(2);
  });

  it('a target works with nothing else configured (no console fallback for it)', async () => {
    const { notifier, consoleOut } = make({});
    notifier.log('only there', OTHER_DISCORD);
    await notifier.flush();
    expect(texts('discord', OTHER_DISCORD_ID)).toEqual(['only there']);
    expect(consoleOut).toEqual([]);
  });

  it('the general webhook as a target shares its queue: order is preserved', async () => {
    const { notifier } = make(GENERAL);
    notifier.log('g1');
    notifier.log('t1', DISCORD_URL);
    notifier.log('g2');
    notifier.log('t2', 'GENERAL_DISCORD_WEBHOOK');
    notifier.log('g3');
    await notifier.flush();
    expect(lines('discord')).toEqual(['g1', 't1', 'g2', 't2', 'g3']);
    expect(lines('slack')).toEqual(['g1', 'g2', 'g3']);
    expect(notifier.stats().destinations).toHaveLength(3);
  });

  it('keeps order across general and targeted messages spread over several requests', async () => {
    const { notifier } = make({ GENERAL_DISCORD_WEBHOOK: DISCORD_URL });
    for (let i = 0; i < 4; i++) {
      notifier.log(`g${i}`);
      await Promise.resolve();
      notifier.log(`t${i}`, DISCORD_URL);
      await new Promise((r) => setTimeout(r, 1));
    }
    await notifier.flush();
    expect(lines('discord')).toEqual(['g0', 't0', 'g1', 't1', 'g2', 't2', 'g3', 't3']);
  });

  it('an empty target means the general destinations', async () => {
    const { notifier, warnings } = make(GENERAL);
    notifier.log('plain', '');
    await notifier.flush();
    expect(captured).toHaveLength(3);
    // As it was, with no note: an empty target is not a bad one.
    expect(texts('telegram', TOKEN)).toEqual(['plain']);
    expect(texts('discord', '111222333444555666')).toEqual(['plain']);
    expect(texts('slack', 'T0AAAAAAA/B0BBBBBBB')).toEqual(['plain']);
    expect(warnings).toEqual([]);
  });

  const KINDS = 'a Discord webhook (https://discord.com/api/webhooks/{id}/{token}) or a Slack incoming webhook (https://hooks.slack.com/services/T…/B…/…)';
  const COPY_AGAIN = `copy the webhook URL again; it must look like ${KINDS}`;
  const FORMS =
    "a Discord or Slack webhook URL, tgram://…, discord://…, slack://…, telegram:…, discord:…, slack:…, #channel (the bot's), or the name of a variable that holds one";
  describe.each([
    ['an unset variable', 'NO_SUCH_HOOK', 'log target NO_SUCH_HOOK is not set', `add NO_SUCH_HOOK=<target> to .env or the environment (${FORMS})`],
    ['a variable holding a non-webhook URL', 'SITE_URL', `log target SITE_URL: its value is not ${KINDS}`, COPY_AGAIN],
    [
      'a plain-http URL',
      'http://example.com/x',
      'log target "http://example.com/x" is not https',
      'webhook URLs must be https (plain http is only allowed on 127.0.0.1/localhost)',
    ],
    ['a URL that is neither Discord nor Slack', 'https://example.com/hooks/abc', `log target "https://example.com/hooks/…" is not ${KINDS}`, COPY_AGAIN],
    ['neither a URL nor a variable name', 'my channel', 'log target "my channel" is not a target', `pass ${FORMS}`],
    [
      'a bot channel with no bot configured',
      '#alerts',
      'log target "#alerts" names a channel of a Slack or Discord bot, and none is configured',
      'configure a Slack or Discord bot (SLACK_BOT_TOKEN or DISCORD_BOT_TOKEN with its DEFAULT_CHANNEL), or use a webhook URL',
    ],
  ] as const)('a bad target: %s', (_what, target, message, fix) => {
    it('never throws, reaches every general destination with a note, and is reported once over 5 logs', async () => {
      const { notifier, warnings, reports } = make({ ...GENERAL, SITE_URL: 'https://example.com/status' });
      for (let i = 0; i < 5; i++) expect(() => notifier.log(`msg ${i}`, target)).not.toThrow();
      await notifier.flush();
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatchObject({ code: 'target-unresolved', message, fix });
      expect(reports).toEqual([`herald: ${message}. Fix: ${fix}\n`]);

      for (const [platform, read] of [
        ['discord', () => lines('discord')],
        ['slack', () => lines('slack')],
      ] as const) {
        const got = read();
        for (let i = 0; i < 5; i++) expect(got, platform).toContain(`msg ${i}`);
        const notes = got.filter((l) => l.startsWith('⚠️ log target'));
        expect(notes, platform).toEqual(Array.from({ length: 5 }, () => `⚠️ ${message} — sent here instead.`));
      }
      expect(texts('telegram', TOKEN).join('\n')).toContain('msg 4');
      // Only the general destinations: nothing else was created for the bad target.
      expect(notifier.stats().destinations).toHaveLength(3);
      expect(captured.every((c) => c.platform === 'telegram' || c.address === '111222333444555666' || c.address === 'T0AAAAAAA/B0BBBBBBB')).toBe(true);
    });
  });

  it('reports each distinct bad target once', async () => {
    const { notifier, warnings, reports } = make(GENERAL);
    for (let i = 0; i < 3; i++) {
      notifier.log(`a${i}`, 'FIRST_MISSING');
      notifier.log(`b${i}`, 'SECOND_MISSING');
    }
    await notifier.flush();
    expect(warnings.map((w) => w.message)).toEqual([expect.stringContaining('FIRST_MISSING'), expect.stringContaining('SECOND_MISSING')]);
    expect(reports).toHaveLength(2);
  });

  it('a bad target with nothing configured still prints the message on the console', async () => {
    const { notifier, consoleOut, warnings } = make({});
    notifier.log('still visible', 'NOPE_HOOK');
    await notifier.flush();
    expect(warnings).toHaveLength(1);
    expect(consoleOut.join('')).toContain('still visible');
    expect(consoleOut.join('')).toContain('NOPE_HOOK is not set');
  });

  it('notify({ to }) behaves like log(msg, target), keeping level and silent', async () => {
    const { notifier } = make(fullEnv());
    notifier.notify('urgent, targeted', { to: OTHER_DISCORD, level: 'error', silent: true });
    await notifier.flush();
    expect(sent('discord', OTHER_DISCORD_ID).map((c) => c.body)).toEqual([expect.objectContaining({ content: 'urgent, targeted', flags: 4096 })]);
    expect(captured).toHaveLength(1);
  });
});

describe('a variable named as a target never has its value echoed', () => {
  it('keeps an API secret out of the problem text', () => {
    const secret = 'q8Zr2LmNw4Xv9TbK1pHs7YdE3cFgJuA6';
    const r = resolveTarget('EXCHANGE_API_SECRET', { EXCHANGE_API_SECRET: secret });
    expect(r.ok).toBe(false);
    const text = JSON.stringify(r);
    expect(text).not.toContain(secret);
    expect(text).not.toContain(secret.slice(0, 6));
  });

  it('keeps database credentials out of it too', () => {
    const r = resolveTarget('DATABASE_URL', { DATABASE_URL: 'postgres://trader:hunter2pw@db.internal:5432/bot' });
    expect(JSON.stringify(r)).not.toMatch(/hunter2pw|trader|db\.internal/);
  });
});

describe('every target form', () => {
  const SLACK_BOT = { SLACK_BOT_TOKEN: SLACK_BOT_TOKEN, SLACK_DEFAULT_CHANNEL: 'general' };
  const DISCORD_BOT = { DISCORD_BOT_TOKEN: DISCORD_BOT_TOKEN, DISCORD_DEFAULT_CHANNEL: DISCORD_CHANNEL };

  it('#channel names a channel of the one bot configured', () => {
    expect(resolveTarget('#alerts', SLACK_BOT).specs).toEqual([expect.objectContaining({ driver: 'slack-bot', channel: 'alerts', origin: 'log target' })]);
    expect(resolveTarget(`#${DISCORD_ALERTS}`, DISCORD_BOT).specs).toEqual([expect.objectContaining({ driver: 'discord-bot', channelId: DISCORD_ALERTS })]);
  });

  it('#channel with both a Slack and a Discord bot is refused, saying which forms to use', () => {
    const r = resolveTarget('#alerts', { ...SLACK_BOT, ...DISCORD_BOT });
    expect(r.specs).toEqual([]);
    expect(r.problem).toEqual({
      variable: 'log target',
      message: '"#alerts" could be a channel of either bot (discord and slack are both configured)',
      fix: 'say which: discord:#alerts or slack:#alerts',
    });
  });

  it('slack:… and discord:… name a channel of that provider’s bot, and say how to configure one that is missing', () => {
    expect(resolveTarget('slack:C0123ABCD', { ...SLACK_BOT, ...DISCORD_BOT }).specs).toEqual([
      expect.objectContaining({ driver: 'slack-bot', channel: 'C0123ABCD' }),
    ]);
    expect(resolveTarget('slack:#alerts:1700000000.000100', SLACK_BOT).specs).toEqual([
      expect.objectContaining({ channel: 'alerts', threadTs: '1700000000.000100' }),
    ]);
    expect(resolveTarget(`discord:${DISCORD_ALERTS}`, { ...SLACK_BOT, ...DISCORD_BOT }).specs).toEqual([
      expect.objectContaining({ driver: 'discord-bot', channelId: DISCORD_ALERTS }),
    ]);
    const missing = resolveTarget('discord:1300000000000000009', SLACK_BOT);
    expect(missing.problem.message).toBe('"discord:1300000000000000009" names a channel of a discord bot, and none is configured');
    expect(missing.problem.fix).toBe(
      'set DISCORD_BOT_TOKEN and DISCORD_DEFAULT_CHANNEL (or NOTIFICATIONS_PROVIDER=discord with NOTIFICATIONS_TOKEN and NOTIFICATIONS_DEFAULT_CHANNEL)',
    );
    expect(resolveTarget('discord:general', DISCORD_BOT).problem.message).toMatch(/^"discord:general": "general" is not a Discord channel id/);
  });

  it('telegram:<chat>[:<topic>] is the GENERAL bot to another chat or forum topic', () => {
    const env = { GENERAL_TELEGRAM_BOT_TOKEN: TOKEN, GENERAL_TELEGRAM_BOT_CHAT_ID: '42' };
    expect(resolveTarget('telegram:-1009876543210:17', env).specs).toEqual([
      expect.objectContaining({ driver: 'telegram', token: TOKEN, chatId: '-1009876543210', topicId: '17' }),
    ]);
    expect(resolveTarget('telegram:@mychannel', env).specs).toEqual([expect.objectContaining({ chatId: '@mychannel' })]);
    expect(resolveTarget('telegram:1009876543210', env).problem.message).toContain('lost its leading "-"');
    expect(resolveTarget('telegram:-100123', {}).problem.message).toContain('GENERAL_TELEGRAM_BOT_TOKEN is not set');
  });

  it('several targets in one value, in code or in a variable', () => {
    const env = { ...SLACK_BOT, GENERAL_TELEGRAM_BOT_TOKEN: TOKEN, GENERAL_TELEGRAM_BOT_CHAT_ID: '42', OPS: `#ops,${OTHER_DISCORD} telegram:-1001111111111` };
    expect(resolveTarget(`#ops ${OTHER_SLACK},telegram:-1002222222222`, env).specs.map((s: any) => s.driver)).toEqual(['slack-bot', 'slack', 'telegram']);
    const viaVariable = resolveTarget('OPS', env);
    expect(viaVariable.problems).toEqual([]);
    expect(viaVariable.specs.map((s: any) => [s.driver, s.origin])).toEqual([
      ['slack-bot', 'OPS'],
      ['discord', 'OPS'],
      ['telegram', 'OPS'],
    ]);
    // Names of variables in a list written in code work too.
    expect(resolveTarget('OPS, #alerts', env).specs).toHaveLength(4);
  });

  it('what resolves is kept when another part of the value cannot be used', () => {
    const r = resolveTarget(`${OTHER_DISCORD} telegram:-100123`, {});
    expect(r.specs).toEqual([expect.objectContaining({ driver: 'discord', webhookId: OTHER_DISCORD_ID })]);
    expect(r.problems).toHaveLength(1);
  });

  it('Apprise URLs resolve through their drivers, also inside a variable', () => {
    const env = { ALERTS: `tgram://${TOKEN}/-1001111111111:5/@chan?silent=yes discord://123456789012345678/AbCdEf_token` };
    const r = resolveTarget('ALERTS', env);
    expect(r.problems).toEqual([]);
    expect(r.specs.map((s: any) => [s.driver, s.chatId ?? s.webhookId, s.topicId, s.silent])).toEqual([
      ['telegram', '-1001111111111', '5', true],
      ['telegram', '@chan', undefined, true],
      ['discord', '123456789012345678', undefined, undefined],
    ]);
  });

  it('never echoes a token from a bad Apprise URL or bot target', () => {
    for (const t of [`tgram://${TOKEN}/not!a!chat`, `slack://${SLACK_BOT_TOKEN}/bad!channel`, 'tgram://123456:short/1', `slack:#x!y`]) {
      const r = resolveTarget(t, { SLACK_BOT_TOKEN, SLACK_DEFAULT_CHANNEL: 'general' });
      expect(r.ok, t).toBe(false);
      const all = JSON.stringify(r.problems);
      for (const secret of [TOKEN.split(':')[1]!, SLACK_BOT_TOKEN.slice(10)]) expect(all).not.toContain(secret);
    }
  });
});

describe('log() to the new target forms', () => {
  it('a bot channel gets it through the bot; a part that cannot be used reaches the general destinations with a note', async () => {
    const { notifier, warnings } = make({ GENERAL_DISCORD_WEBHOOK: DISCORD_URL, SLACK_BOT_TOKEN, SLACK_DEFAULT_CHANNEL: 'general' });
    notifier.log('to alerts and nowhere', 'slack:#alerts telegram:-100123');
    await notifier.flush();
    const note = /^⚠️ log target "telegram:-100123" needs the GENERAL Telegram bot, .* — sent here instead\.\nto alerts and nowhere$/;
    expect(sent('slack-bot').map((c) => [c.address, c.body.text, c.authorization])).toEqual([
      ['alerts', 'to alerts and nowhere', `Bearer ${SLACK_BOT_TOKEN}`],
      // The general route (the Discord webhook and the bot's default channel) gets it with the note.
      ['general', expect.stringMatching(note), `Bearer ${SLACK_BOT_TOKEN}`],
    ]);
    expect(texts('discord')).toEqual([expect.stringMatching(note)]);
    expect(warnings).toHaveLength(1);
  });
});
