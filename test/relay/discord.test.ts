/**
 * POST /discord: what bots that can only talk to a Discord webhook send, answered the way
 * Discord answers. Jesse's post is its `_discord` (jesse/services/notifier.py:
 * `requests.post(webhook_address, {'content': msg})`, a form, after `_format_msg` escaped every
 * `_`); freqtrade's own Discord RPC posts embeds (freqtrade/rpc/discord.py `send_msg`); Discord
 * clients that attach files send `payload_json` in multipart/form-data.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discordMarkdownToText } from '../../src/relay/sources/discord-text.js';
import { FakePlatformServer } from '../../src/sandbox/fake-platforms.js';
import { eventually, post, postJson, useRelays } from './harness.js';

const start = useRelays();

/** Jesse's position-opened notification as `requests` encodes `{'content': msg}` (quote_plus). */
const JESSE_FORM = 'content=OPENED+long+position+for+BTC-USDT%3A+qty%3A+0.5%2C+entry%5C_price%3A+64210.5';

/** freqtrade's Discord RPC for an exit_fill, with its default fields (freqtrade/configuration/config_schema.py). */
const FREQTRADE_DISCORD = {
  embeds: [
    {
      title: 'Trade: BTC/USDT exit_fill',
      color: 0x00ff00,
      fields: [
        { name: 'Trade ID', value: '34', inline: true },
        { name: 'Exchange', value: 'Binance', inline: true },
        { name: 'Pair', value: 'BTC/USDT', inline: true },
        { name: 'Direction', value: 'Long', inline: true },
        { name: 'Open rate', value: '64210.5', inline: true },
        { name: 'Close rate', value: '66010.0', inline: true },
        { name: 'Amount', value: '0.5', inline: true },
        { name: 'Open date', value: '2024-05-01 12:00:00', inline: true },
        { name: 'Close date', value: '2024-05-02 08:30:00', inline: true },
        { name: 'Profit', value: '899.75 USDT', inline: true },
        { name: 'Profitability', value: '2.80%', inline: true },
        { name: 'Enter tag', value: 'ema_cross', inline: true },
        { name: 'Exit Reason', value: 'roi', inline: true },
        { name: 'Strategy', value: 'SampleStrategy', inline: true },
        { name: 'Timeframe', value: '5m', inline: true },
      ],
    },
  ],
};

describe('POST /discord', () => {
  it("relays Jesse's form post as plain text and answers 204 like Discord", async () => {
    const r = await start();
    const res = await post(`${r.base}/discord`, JESSE_FORM, 'application/x-www-form-urlencoded');
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    await r.relay.notifier.flush();
    expect(r.lines).toEqual(['[herald] OPENED long position for BTC-USDT: qty: 0.5, entry_price: 64210.5\n']);
  });

  it("relays freqtrade's Discord embeds as a readable block: title, then one line per field", async () => {
    const r = await start();
    expect((await postJson(`${r.base}/discord`, FREQTRADE_DISCORD)).status).toBe(204);
    await r.relay.notifier.flush();
    const text = r.lines[0]!.replace(/\n +/g, '\n');
    expect(text).toBe(
      [
        '[herald] Trade: BTC/USDT exit_fill',
        'Trade ID: 34',
        'Exchange: Binance',
        'Pair: BTC/USDT',
        'Direction: Long',
        'Open rate: 64210.5',
        'Close rate: 66010.0',
        'Amount: 0.5',
        'Open date: 2024-05-01 12:00:00',
        'Close date: 2024-05-02 08:30:00',
        'Profit: 899.75 USDT',
        'Profitability: 2.80%',
        'Enter tag: ema_cross',
        'Exit Reason: roi',
        'Strategy: SampleStrategy',
        'Timeframe: 5m\n',
      ].join('\n'),
    );
  });

  it('reads content and embeds together: author, linked title, description, footer and time', async () => {
    const r = await start();
    await postJson(`${r.base}/discord`, {
      content: '**Daily report** for <@123456789012345678>',
      embeds: [
        {
          author: { name: 'grid-bot' },
          title: 'Balances',
          url: 'https://example.com/report',
          description: 'Equity up __2.1%__ since <t:1700000000:R>',
          footer: { text: 'binance' },
          timestamp: '2024-05-01T12:00:00.000Z',
        },
      ],
    });
    await r.relay.notifier.flush();
    expect(r.lines[0]!.replace(/\n +/g, '\n')).toBe(
      '[herald] Daily report for @123456789012345678\n\ngrid-bot\nBalances (https://example.com/report)\nEquity up 2.1% since 2023-11-14 22:13 UTC\nbinance · 2024-05-01T12:00:00.000Z\n',
    );
  });

  it('takes payload_json from a multipart body (as Discord clients send files) and names the files it cannot forward', async () => {
    const r = await start();
    const form = new FormData();
    form.append('payload_json', JSON.stringify({ content: 'chart attached', flags: 4096 }));
    form.append('files[0]', new Blob(['png bytes'], { type: 'image/png' }), 'chart.png');
    const res = await fetch(`${r.base}/discord`, { method: 'POST', body: form });
    expect(res.status).toBe(204);
    await r.relay.notifier.flush();
    // flags 4096 is Discord's SUPPRESS_NOTIFICATIONS: silent.
    expect(r.lines.map((l) => l.replace(/\n +/g, '\n'))).toEqual(['[herald:silent] chart attached\n\n📎 1 attachment not forwarded: chart.png\n']);
  });

  it('takes payload_json as a form field too', async () => {
    const r = await start();
    const body = new URLSearchParams({ payload_json: JSON.stringify({ content: 'from payload_json', username: 'bot' }) }).toString();
    expect((await post(`${r.base}/discord`, body, 'application/x-www-form-urlencoded')).status).toBe(204);
    await r.relay.notifier.flush();
    expect(r.lines).toEqual(['[herald] from payload_json\n']);
  });

  it('answers ?wait=true with 200 and a message object, as Discord does', async () => {
    const r = await start();
    const res = await postJson(`${r.base}/discord?wait=true`, { content: 'waited' });
    expect(res.status).toBe(200);
    const message = (await res.json()) as { id: string; type: number };
    expect(message.id).toMatch(/^\d{17,20}$/);
    expect(message.type).toBe(0);
  });

  describe('with a TARGET', () => {
    let server: FakePlatformServer;
    beforeAll(async () => {
      server = await FakePlatformServer.start();
    });
    afterAll(() => server.close());

    it('sends to the target the path names (a variable holding a webhook) instead of the general destinations', async () => {
      const r = await start({ env: { OPS_ALERTS: server.discordWebhookUrl('1000000000000000009', 'opsAlertsSecret0123456789') } });
      expect((await post(`${r.base}/discord/OPS_ALERTS`, JESSE_FORM, 'application/x-www-form-urlencoded')).status).toBe(204);
      await eventually(() => expect(server.messages).toHaveLength(1));
      expect(server.messages[0]!.destination).toBe('1000000000000000009');
      expect(server.messages[0]!.text).toBe('OPENED long position for BTC-USDT: qty: 0.5, entry_price: 64210.5');
      await r.relay.notifier.flush();
      expect(r.lines).toEqual([]);
    });
  });
});

describe('Discord markup as text', () => {
  it.each([
    ['entry\\_price \\*not bold\\*', 'entry_price *not bold*'],
    ['**bold** __underline__ ~~gone~~ ||spoiler||', 'bold underline gone spoiler'],
    ['`code` and ```js\nconst a = 1;\n```', 'code and const a = 1;\n'],
    ['<@!42> <@&7> <#99> <:pepe:123> <a:dance:456>', '@42 @role:7 #99 :pepe: :dance:'],
    ['see [the chart](https://example.com/c) now', 'see the chart (https://example.com/c) now'],
    ['at <t:0:F>', 'at 1970-01-01 00:00 UTC'],
    ['C:\\Users\\bot stays', 'C:\\Users\\bot stays'],
    ['2 * 3 * 4 and snake_case_name', '2 * 3 * 4 and snake_case_name'],
  ])('%s', (markdown, text) => {
    expect(discordMarkdownToText(markdown)).toBe(text);
  });
});
