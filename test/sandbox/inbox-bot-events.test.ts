/**
 * Inbox events for bot messages (src/sandbox/inbox/server.ts): they carry what the page needs to
 * draw them (embeds, blocks, the API used, the thread, the channel label) instead of the old
 * "(not shown)" notes, and Slack's HTTP-200 refusals show as problems.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SANDBOX_IDS } from '../../src/sandbox/sandbox-env.js';
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

const slack = (s: Sandbox, method: string, body: unknown) =>
  fetch(`${s.env.SLACK_API_BASE_URL}/${method}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${s.env.SLACK_BOT_TOKEN}`, 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(body),
  }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, any> }));

const discord = (s: Sandbox, path: string, body: unknown) =>
  fetch(`${s.env.DISCORD_API_BASE_URL}/v10${path}`, {
    method: 'POST',
    headers: { authorization: `Bot ${s.env.DISCORD_BOT_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('inbox events for bot messages', () => {
  it('carry the embeds, the blocks, the API, the thread and the label; no "(not shown)" notes', async () => {
    const s = await sandboxFor();
    const embed = { title: 'FILLED', color: 0x2ecc71, fields: [{ name: 'Qty', value: '0.5', inline: true }] };
    await discord(s, `/channels/${s.env.DISCORD_DEFAULT_CHANNEL}/messages`, { content: '', embeds: [embed] });
    const blocks = [
      { type: 'header', text: { type: 'plain_text', text: 'ERROR' } },
      { type: 'section', text: { type: 'mrkdwn', text: '<!channel> *down*' } },
    ];
    const parent = await slack(s, 'chat.postMessage', { channel: 'alerts', text: 'fallback', blocks });
    await slack(s, 'chat.postMessage', { channel: 'alerts', text: '*literal*', mrkdwn: false, thread_ts: parent.body.ts });
    s.fake.setTelegramForum(SANDBOX_IDS.errorChatId, [9]);
    await fetch(`${s.url}/bot${SANDBOX_IDS.errorBotToken}/sendMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ chat_id: SANDBOX_IDS.errorChatId, text: 'in a topic', message_thread_id: 9 }),
    });
    await fetch(s.env.GENERAL_DISCORD_WEBHOOK, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'hook', embeds: [embed] }),
    });

    const [dc, sl, reply, tg, hook] = s.inbox.events;
    expect(dc).toMatchObject({ kind: 'message', platform: 'discord', via: 'bot', label: 'Discord bot #general', text: '', embeds: [embed] });
    expect(sl).toMatchObject({
      platform: 'slack',
      via: 'bot',
      destination: SANDBOX_IDS.slackChannels.alerts.id,
      label: 'Slack bot #alerts',
      text: 'fallback',
      blocks,
      pings: ['@channel'],
    });
    expect(reply).toMatchObject({ platform: 'slack', text: '*literal*', plainText: true, thread: parent.body.ts });
    expect(reply).not.toHaveProperty('blocks');
    expect(tg).toMatchObject({ platform: 'telegram', via: 'bot', thread: '9', label: 'ERROR bot chat' });
    expect(hook).toMatchObject({ platform: 'discord', via: 'webhook', label: 'GENERAL_DISCORD_WEBHOOK', embeds: [embed] });
    for (const ev of s.inbox.events) expect(ev, ev.text).not.toHaveProperty('notes');
  });

  it('show Slack Web API refusals (HTTP 200, ok: false) in the problems list with the channel label', async () => {
    const s = await sandboxFor();
    await slack(s, 'chat.postMessage', { channel: 'ema', text: 'x', blocks: [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }] });
    expect(s.inbox.events).toEqual([
      expect.objectContaining({ kind: 'error', platform: 'slack', via: 'bot', status: 200, detail: 'invalid_blocks', label: 'Slack bot #ema' }),
    ]);
  });
});
