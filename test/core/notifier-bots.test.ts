/**
 * Bots as GENERAL destinations whose channel is chosen per notification by the channel mapping
 * (Gimlet's NOTIFICATIONS_* or the providers' own variables), with per-channel isolation.
 */
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { HeraldConfigError, type WarningEvent } from '../../src/index.js';
import {
  captured,
  DISCORD_ALERTS,
  DISCORD_BOT_TOKEN,
  DISCORD_CHANNEL,
  DISCORD_URL,
  mswServer,
  sent,
  SLACK_BOT_TOKEN,
  useMsw,
  useTestNotifiers,
} from '../fixtures/platforms.js';

useMsw();
const make = useTestNotifiers();

const SLACK = { SLACK_BOT_TOKEN, SLACK_DEFAULT_CHANNEL: '#general', SLACK_CHANNEL_MAPPING: 'error=alerts,ema-cross=ema,mode:paper=sandbox' };
const slackChannels = (): string[] => sent('slack-bot').map((c) => `${c.address}: ${c.body.text}`);

describe('routing by channel mapping', () => {
  it('sends each notification to the first matching entry’s channel, else the default, once', async () => {
    const { notifier } = make(SLACK);
    notifier.notify('fill', { tags: { event: 'order.filled', strategy: 'ema-cross', mode: 'live' } });
    notifier.notify('paper fill', { tags: { event: 'order.filled', strategy: 'rsi', mode: 'paper' } });
    notifier.notify('ema error in paper', { level: 'error', tags: { event: 'error', strategy: 'ema-cross', mode: 'paper' } });
    notifier.log('no tags at all');
    notifier.notify('other strategy', { tags: { strategy: 'rsi' } });
    await notifier.flush();
    expect(slackChannels().sort()).toEqual(['alerts: ema error in paper', 'ema: fill', 'general: no tags at all\nother strategy', 'sandbox: paper fill']);
  });

  it('reads Gimlet’s NOTIFICATIONS_* for Discord, with a quoted snowflake default channel', async () => {
    // Quotes survive in a hand-set environment (dotenv removes them in .env).
    const { notifier } = make({
      NOTIFICATIONS_PROVIDER: 'Discord',
      NOTIFICATIONS_TOKEN: DISCORD_BOT_TOKEN,
      NOTIFICATIONS_DEFAULT_CHANNEL: `"${DISCORD_CHANNEL}"`,
      NOTIFICATIONS_CHANNEL_MAPPING: `level:error=${DISCORD_ALERTS}`,
    });
    notifier.log('hello');
    notifier.notify('boom', { level: 'error' });
    await notifier.flush();
    expect(sent('discord-bot').map((c) => [c.address, c.body.content, c.authorization])).toEqual([
      [DISCORD_CHANNEL, 'hello', `Bot ${DISCORD_BOT_TOKEN}`],
      [DISCORD_ALERTS, 'boom', `Bot ${DISCORD_BOT_TOKEN}`],
    ]);
  });

  it('with both bots and a webhook, each bot picks its own channel and the webhook gets everything', async () => {
    const { notifier } = make({
      ...SLACK,
      DISCORD_BOT_TOKEN,
      DISCORD_DEFAULT_CHANNEL: DISCORD_CHANNEL,
      DISCORD_CHANNEL_MAPPING: `error=${DISCORD_ALERTS}`,
      GENERAL_DISCORD_WEBHOOK: DISCORD_URL,
    });
    notifier.notify('boom', { level: 'error', tags: { event: 'error' } });
    await notifier.flush();
    expect(slackChannels()).toEqual(['alerts: boom']);
    expect(sent('discord-bot').map((c) => c.address)).toEqual([DISCORD_ALERTS]);
    expect(sent('discord').map((c) => c.body.content)).toEqual(['boom']);
  });

  it('preview() names the destinations and which entry decided, for dry runs', () => {
    const { notifier } = make(SLACK);
    expect(notifier.preview({ tags: { strategy: 'ema-cross' } })).toEqual({
      destinations: ['Slack bot xoxb-11… → #ema'],
      decisions: ['Slack bot xoxb-11…: mapping entry ema-cross=ema'],
    });
    expect(notifier.preview({ tags: { strategy: 'rsi' } }).decisions).toEqual(['Slack bot xoxb-11…: default channel (SLACK_DEFAULT_CHANNEL)']);
    expect(notifier.routes()).toEqual({ general: ['Slack bot xoxb-11… → #general'], error: ['Slack bot xoxb-11… → #general'] });
  });
});

describe('bot configuration problems are reported together, with fixes', () => {
  it.each([
    ['an unknown provider', { NOTIFICATIONS_PROVIDER: 'teams', NOTIFICATIONS_TOKEN: 'x' }, ['NOTIFICATIONS_PROVIDER: "teams" is not a provider Herald knows']],
    [
      'NOTIFICATIONS_* without a provider',
      { NOTIFICATIONS_TOKEN: SLACK_BOT_TOKEN },
      ['NOTIFICATIONS_PROVIDER: NOTIFICATIONS_TOKEN is set but NOTIFICATIONS_PROVIDER is not'],
    ],
    ['a missing default channel', { SLACK_BOT_TOKEN }, ['SLACK_DEFAULT_CHANNEL: the slack bot has no default channel']],
    ['a channel without a token', { SLACK_DEFAULT_CHANNEL: 'general' }, ['SLACK_BOT_TOKEN: SLACK_DEFAULT_CHANNEL is set but the slack bot token is missing']],
    [
      'a Discord channel that is not a snowflake, and a bad mapping',
      { DISCORD_BOT_TOKEN, DISCORD_DEFAULT_CHANNEL: 'general', DISCORD_CHANNEL_MAPPING: 'error=alerts,strat:x=1300000000000000001' },
      [
        'DISCORD_DEFAULT_CHANNEL: "general" is not a Discord channel id: Discord bots address channels by id, a number of 17–20 digits',
        'DISCORD_CHANNEL_MAPPING: "strat:x=1300000000000000001": "strat" is not a qualifier',
        'DISCORD_CHANNEL_MAPPING: "error=alerts": "alerts" is not a Discord channel id: Discord bots address channels by id, a number of 17–20 digits',
      ],
    ],
    [
      'a Slack app-level token',
      { SLACK_BOT_TOKEN: 'xapp-1-A0123-456-abcdef', SLACK_DEFAULT_CHANNEL: 'general' },
      ['SLACK_BOT_TOKEN: this is an app-level token (xapp-…), which cannot post messages'],
    ],
    [
      'both variable sets for one provider',
      { ...SLACK, NOTIFICATIONS_PROVIDER: 'slack', NOTIFICATIONS_TOKEN: SLACK_BOT_TOKEN, NOTIFICATIONS_DEFAULT_CHANNEL: 'x' },
      ['NOTIFICATIONS_TOKEN: both NOTIFICATIONS_* and SLACK_* configure the slack bot'],
    ],
  ])('%s', (_what, env, messages) => {
    let err: unknown;
    try {
      make(env);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(HeraldConfigError);
    const problems = (err as HeraldConfigError).problems;
    expect(problems.map((p) => `${p.variable}: ${p.message}`)).toEqual(messages);
    for (const p of problems) expect(p.fix.length).toBeGreaterThan(10);
    expect((err as Error).message).not.toContain(SLACK_BOT_TOKEN.slice(8));
  });
});

describe('per-channel isolation', () => {
  it('a channel the bot is not in is disabled alone, with one report; the others keep delivering', async () => {
    mswServer.use(
      http.post('https://slack.com/api/chat.postMessage', async ({ request }) => {
        const body = (await request.json()) as { channel: string; text: string };
        if (body.channel === 'ema') return HttpResponse.json({ ok: false, error: 'not_in_channel' });
        captured.push({ platform: 'slack-bot', address: body.channel, body, url: request.url });
        return HttpResponse.json({ ok: true, channel: body.channel, ts: '1700000000.000001' });
      }),
    );
    const warnings: WarningEvent[] = [];
    const { notifier, reports } = make(SLACK);
    notifier.on('warning', (w) => warnings.push(w));
    for (let i = 0; i < 3; i++) {
      notifier.notify(`ema ${i}`, { tags: { strategy: 'ema-cross' } });
      notifier.notify(`other ${i}`, { tags: { strategy: 'rsi' } });
      await notifier.flush();
    }
    const stats = notifier.stats().destinations.map((d) => [d.destination, d.state, d.delivered]);
    expect(stats).toEqual([
      ['Slack bot xoxb-11… → #ema', 'disabled', 0],
      ['Slack bot xoxb-11… → #general', 'active', 3],
      // The notice about #ema is an error, and error=alerts maps errors to #alerts.
      ['Slack bot xoxb-11… → #alerts', 'active', 1],
    ]);
    const disabled = warnings.filter((w) => w.code === 'destination-disabled');
    expect(disabled).toEqual([
      expect.objectContaining({
        destination: 'Slack bot xoxb-11… → #ema',
        message: 'stopped sending to Slack bot xoxb-11… → #ema: Slack answered not_in_channel for #ema',
      }),
    ]);
    expect(disabled[0]!.fix).toContain('/invite');
    expect(
      sent('slack-bot')
        .filter((c) => c.address === 'alerts')
        .map((c) => c.body.text),
    ).toEqual([`⚠️ Herald stopped sending to Slack bot xoxb-11… → #ema: Slack answered not_in_channel for #ema. Fix: ${disabled[0]!.fix}`]);
    expect(reports.filter((r) => r.includes('stopped sending'))).toHaveLength(1);
  });

  it('a revoked token disables every channel of the bot with one report', async () => {
    let requests = 0;
    mswServer.use(
      http.post('https://slack.com/api/chat.postMessage', () => {
        requests++;
        return HttpResponse.json({ ok: false, error: 'token_revoked' });
      }),
    );
    const warnings: WarningEvent[] = [];
    const { notifier } = make({ ...SLACK, GENERAL_DISCORD_WEBHOOK: DISCORD_URL });
    notifier.on('warning', (w) => warnings.push(w));
    notifier.notify('first', { tags: { strategy: 'ema-cross' } });
    await notifier.flush();
    notifier.notify('later', { tags: { strategy: 'rsi' } });
    notifier.notify('later error', { level: 'error' });
    await notifier.flush();
    expect(warnings.filter((w) => w.code === 'destination-disabled')).toHaveLength(1);
    expect(warnings[0]!.fix).toMatch(/reinstall the app/);
    // One request only: the other channels of the dead bot were never tried.
    expect(requests).toBe(1);
    expect(
      notifier
        .stats()
        .destinations.filter((d) => d.platform === 'Slack')
        .every((d) => d.state === 'disabled'),
    ).toBe(true);
    // The webhook got everything, the notice included; info and error are never joined.
    expect(sent('discord').map((c) => c.body.content)).toEqual([
      'first',
      expect.stringMatching(/^⚠️ Herald stopped sending to Slack bot xoxb-11… → #ema: Slack answered token_revoked\. Fix: the token was revoked/),
      'later',
      'later error',
    ]);
  });
});
