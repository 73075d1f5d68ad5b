/**
 * The sandbox's bot variables (Slack Web API, Discord bot API) point at channels the sandbox
 * registered, with the bots' tokens, so Herald's bot channels work against it unchanged.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SANDBOX_IDS, SANDBOX_VARIABLES, sandboxEnv, sandboxEnvLines, sandboxLabels } from '../../src/sandbox/sandbox-env.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function sandboxFor(): Promise<Sandbox> {
  const s = await startSandbox({ port: 0 });
  cleanups.push(() => s.close());
  return s;
}

/** `error=alerts,ema-cross=ema` → `{ error: 'alerts', 'ema-cross': 'ema' }`. */
const mapping = (value: string): Record<string, string> => Object.fromEntries(value.split(',').map((pair) => pair.split('=') as [string, string]));

const slack = (s: Sandbox, method: string, body: unknown) =>
  fetch(`${s.env.SLACK_API_BASE_URL}/${method}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${s.env.SLACK_BOT_TOKEN}`, 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(body),
  }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, any> }));

const discord = (s: Sandbox, method: 'GET' | 'POST', path: string, body?: unknown) =>
  fetch(`${s.env.DISCORD_API_BASE_URL}/v10${path}`, {
    method,
    headers: { authorization: `Bot ${s.env.DISCORD_BOT_TOKEN}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, any> }));

describe('sandbox bot variables', () => {
  it('lists the bot variables after the existing ones, with sandbox-only values of the real shapes', () => {
    const env = sandboxEnv('http://127.0.0.1:8787/');
    expect(SANDBOX_VARIABLES.slice(0, 10)).toEqual([
      'TELEGRAM_API_BASE_URL',
      'GENERAL_TELEGRAM_BOT_TOKEN',
      'GENERAL_TELEGRAM_BOT_CHAT_ID',
      'ERROR_TELEGRAM_BOT_TOKEN',
      'ERROR_TELEGRAM_BOT_CHAT_ID',
      'GENERAL_DISCORD_WEBHOOK',
      'ERROR_DISCORD_WEBHOOK',
      'GENERAL_SLACK_WEBHOOK',
      'ERROR_SLACK_WEBHOOK',
      'EXAMPLE_ALERTS_WEBHOOK',
    ]);
    expect(env).toMatchObject({
      SLACK_API_BASE_URL: 'http://127.0.0.1:8787/api',
      SLACK_DEFAULT_CHANNEL: 'general',
      SLACK_CHANNEL_MAPPING: 'error=alerts,ema-cross=ema',
      DISCORD_API_BASE_URL: 'http://127.0.0.1:8787/api',
      DISCORD_DEFAULT_CHANNEL: '1300000000000000001',
      DISCORD_CHANNEL_MAPPING: 'error=1300000000000000002,ema-cross=1300000000000000003',
    });
    expect(env.SLACK_BOT_TOKEN).toMatch(/^xoxb-\d+-\d+-[A-Za-z0-9]+$/);
    expect(env.DISCORD_BOT_TOKEN).toMatch(/^[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{25,}$/);
    expect(Buffer.from(env.DISCORD_BOT_TOKEN.split('.')[0]!, 'base64url').toString()).toBe(SANDBOX_IDS.discordBotId);
    const lines = sandboxEnvLines(env).split('\n');
    expect(lines).toHaveLength(SANDBOX_VARIABLES.length);
    expect(lines).toContain(`SLACK_BOT_TOKEN=${SANDBOX_IDS.slackBotToken}`);
    expect(lines).toContain(`DISCORD_CHANNEL_MAPPING=${env.DISCORD_CHANNEL_MAPPING}`);
  });

  it('Slack: the token passes auth.test and can post to the default channel and every mapped one, by name', async () => {
    const s = await sandboxFor();
    const auth = await slack(s, 'auth.test', {});
    expect(auth.body).toMatchObject({ ok: true, bot_id: 'B0HERALD' });
    const names = [s.env.SLACK_DEFAULT_CHANNEL, ...Object.values(mapping(s.env.SLACK_CHANNEL_MAPPING))];
    expect(names).toEqual(['general', 'alerts', 'ema']);
    for (const name of names) {
      const res = await slack(s, 'chat.postMessage', { channel: name, text: `to ${name}` });
      expect(res.body, name).toMatchObject({ ok: true });
      const info = await slack(s, 'conversations.info', { channel: res.body.channel });
      expect(info.body.channel, name).toMatchObject({ name, is_member: true, is_archived: false });
    }
    const labels = sandboxLabels().slack;
    expect(s.fake.messagesFor('slack').map((m) => labels[m.destination])).toEqual(['Slack bot #general', 'Slack bot #alerts', 'Slack bot #ema']);
  });

  it('Discord: the token is the sandbox bot and can post to the default channel and every mapped one', async () => {
    const s = await sandboxFor();
    expect((await discord(s, 'GET', '/users/@me')).body).toMatchObject({ id: SANDBOX_IDS.discordBotId, bot: true });
    const ids = [s.env.DISCORD_DEFAULT_CHANNEL, ...Object.values(mapping(s.env.DISCORD_CHANNEL_MAPPING))];
    for (const id of ids) {
      expect((await discord(s, 'GET', `/channels/${id}`)).body, id).toMatchObject({ id, type: 0 });
      expect((await discord(s, 'POST', `/channels/${id}/messages`, { content: `to ${id}` })).status, id).toBe(200);
    }
    const labels = sandboxLabels().discord;
    expect(s.fake.messagesFor('discord').map((m) => labels[m.destination])).toEqual(['Discord bot #general', 'Discord bot #alerts', 'Discord bot #ema']);
  });
});
