/**
 * The inbox page in a real browser: headless Debian Chromium driven by playwright-core.
 * Chromium must be installed (`.ci/run` installs it): without it this file FAILS, it does not
 * skip. Leaves a screenshot in artifacts/inbox.png (git-ignored).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { toolAvailable } from '../setup/optional-tool.js';
import { createNotifier, type Notifier } from '../../src/index.js';
import { pollUpdates, TelegramApi, type TelegramUpdate } from '../../src/channels/telegram-api.js';
import { SANDBOX_IDS } from '../../src/sandbox/sandbox-env.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox.js';
import { isLoopbackHost } from '../setup/no-internet.js';

const CHROMIUM = '/usr/bin/chromium';
const RUN = toolAvailable('the inbox browser test (test/sandbox/inbox.test.ts)', existsSync(CHROMIUM), `${CHROMIUM} is missing: sudo apt-get install chromium`);
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const ARTIFACTS = fileURLToPath(new URL('../../artifacts/', import.meta.url));
/** Budget for anything the browser has to show: generous, a slow CI machine must not flake. */
const UI_MS = 15_000;
const COUNTERS = ['telegram', 'discord', 'slack', 'problems'] as const;

let sandbox: Sandbox;
let browser: Browser;
let page: Page;
let notifier: Notifier;
const reports: string[] = [];

const post = (url: string, body: unknown): Promise<Response> =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** The Telegram Bot API of the sandbox, called directly (not through Herald). */
const telegram = (method: string, body: unknown): Promise<Response> => post(`${sandbox.url}/bot${SANDBOX_IDS.generalBotToken}/${method}`, body);

const message = (column: string, text: string) => page.locator(`#col-${column} .msg`).filter({ hasText: text });

/** A computed style of the element a locator finds (runs in the page; the tests' tsconfig has no DOM types). */
const computed = (target: Locator, property: string): Promise<string> =>
  target.evaluate((e, p) => (globalThis as unknown as { getComputedStyle(e: unknown): Record<string, string> }).getComputedStyle(e)[p]!, property);

/** Requests the browser tried to send off the machine (aborted; the page must make none). */
const offMachine: string[] = [];

/** True for URLs on loopback (and for schemes that never touch the network). */
function loopback(url: string): boolean {
  const u = new URL(url);
  if (u.protocol !== 'http:' && u.protocol !== 'https:' && u.protocol !== 'ws:' && u.protocol !== 'wss:') return true;
  return isLoopbackHost(u.hostname);
}

/** A page whose requests to anything but loopback are aborted (and recorded) instead of sent. */
async function newPage(): Promise<Page> {
  const p = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await p.route('**', (route) => {
    const url = route.request().url();
    if (loopback(url)) return route.continue();
    offMachine.push(url);
    return route.abort();
  });
  return p;
}

/** A Bot API call, waiting out a 429 (the tests share the sandbox's real per-chat limits). */
async function telegramOk(token: string, method: string, body: unknown | FormData): Promise<Record<string, any>> {
  for (;;) {
    const res = await fetch(`${sandbox.url}/bot${token}/${method}`, {
      method: 'POST',
      ...(body instanceof FormData ? { body } : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    const answer = (await res.json()) as Record<string, any>;
    if (res.status !== 429) return answer;
    await new Promise((r) => setTimeout(r, Number(answer.parameters?.retry_after ?? 1) * 1000));
  }
}

/** A w×h PNG of one colour, drawn big enough to see in the screenshot. */
function solidPng(w: number, h: number, rgb: readonly [number, number, number]): Buffer {
  const table = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer): number => {
    let c = 0xffffffff;
    for (const b of buf) c = table[(c ^ b) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer): Buffer => {
    const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const head = Buffer.alloc(4);
    head.writeUInt32BE(data.length);
    const tail = Buffer.alloc(4);
    tail.writeUInt32BE(crc(typed));
    return Buffer.concat([head, typed, tail]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolour
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: w * 3 }, (_, i) => rgb[i % 3]!))]);
  const pixels = Buffer.concat(Array.from({ length: h }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(pixels)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The position of the first message of a column whose current content contains `text` (-1 if none). */
const positionOf = (column: string, text: string): Promise<number> =>
  page
    .locator(`#col-${column} .list > .msg`)
    .evaluateAll(
      (els, t) =>
        els.findIndex((e) =>
          ((e as unknown as { querySelector(s: string): { textContent: string } | null }).querySelector('.content')?.textContent ?? '').includes(t),
        ),
      text,
    );

/** What the counters of the page show, in {@link COUNTERS} order. */
const countsOn = async (p: Page): Promise<number[]> => (await Promise.all(COUNTERS.map((k) => p.locator(`[data-count="${k}"]`).innerText()))).map(Number);

/** The same counts from the server's record: accepted messages per platform (an edit is no new message), and 429s/errors. */
function serverCounts(): number[] {
  const events = sandbox.fake.events;
  return COUNTERS.map((k) =>
    k === 'problems'
      ? events.filter((e) => e.kind !== 'message').length
      : events.filter((e) => e.kind === 'message' && e.platform === k && e.message?.edits === undefined).length,
  );
}

beforeAll(async () => {
  if (!RUN) return;
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium; .ci/run does it)`);
  }
  sandbox = await startSandbox({ port: 0 });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true, timeout: 15_000 });
  page = await newPage();
  page.on('pageerror', (err) => reports.push(`page error: ${err.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') reports.push(`console: ${m.text()}`);
  });
  await page.goto(sandbox.inboxUrl);
  await page.waitForSelector('body[data-ready="1"]', { timeout: UI_MS });
  // Herald, configured for the sandbox's Telegram chat; Discord and Slack through `to`.
  const env = sandbox.env;
  notifier = createNotifier({
    env: {
      TELEGRAM_API_BASE_URL: env.TELEGRAM_API_BASE_URL,
      GENERAL_TELEGRAM_BOT_TOKEN: env.GENERAL_TELEGRAM_BOT_TOKEN,
      GENERAL_TELEGRAM_BOT_CHAT_ID: env.GENERAL_TELEGRAM_BOT_CHAT_ID,
    },
    drainOnExit: false,
    diagnostics: (line) => void reports.push(line),
  });
});

afterEach(() => {
  expect(offMachine.splice(0), 'requests the page tried to send off the machine').toEqual([]);
});

afterAll(async () => {
  await notifier?.close(1000);
  await browser?.close();
  await sandbox?.close();
});

describe.skipIf(!RUN)('inbox page (headless Chromium)', () => {
  it('shows messages sent through Herald live, in the right column, escaped and rendered', async () => {
    notifier.notify('<b>bold?</b> & 5 < 6 and *x*');
    notifier.notify('**bold** move, @everyone look', { to: sandbox.env.GENERAL_DISCORD_WEBHOOK });
    notifier.notify('<!channel> *deploy* done', { to: sandbox.env.GENERAL_SLACK_WEBHOOK });
    notifier.notify('quiet one', { silent: true });
    expect((await notifier.flush(10_000)).complete).toBe(true);

    // Telegram: Herald escaped the text, so the tags are text, not bold.
    const tg = message('telegram', 'bold?');
    await tg.waitFor({ timeout: UI_MS });
    expect(await tg.locator('.body').innerText()).toBe('<b>bold?</b> & 5 < 6 and *x*');
    expect(await tg.locator('.body b, .body i').count()).toBe(0);
    expect(await tg.locator('.badge.mode').innerText()).toBe('HTML');
    expect(await tg.locator('.dest').innerText()).toContain(`GENERAL bot chat · chat ${SANDBOX_IDS.generalChatId}`);
    expect(await tg.locator('.badge.silent').count()).toBe(0);

    // Discord: markdown rendered; @everyone shown but Herald's allowed_mentions stops the ping.
    const dc = message('discord', 'move');
    await dc.waitFor({ timeout: UI_MS });
    expect(await dc.locator('.body b').innerText()).toBe('bold');
    expect(await dc.locator('.body').innerText()).toBe('bold move, @everyone look');
    expect(await dc.locator('.badge.ping').count()).toBe(0);

    // Slack: Herald escaped <!channel>, so it is literal text and pings nobody; *deploy* is bold.
    const sl = message('slack', 'deploy');
    await sl.waitFor({ timeout: UI_MS });
    expect(await sl.locator('.body').innerText()).toBe('<!channel> deploy done');
    expect(await sl.locator('.body b').innerText()).toBe('deploy');
    expect(await sl.locator('.body .mention').count()).toBe(0);
    expect(await sl.locator('.badge.ping').count()).toBe(0);

    // Each in its own column only.
    expect(await page.locator('#col-discord, #col-slack').filter({ hasText: 'bold?' }).count()).toBe(0);
    expect(await page.locator('#col-telegram, #col-slack').filter({ hasText: 'move' }).count()).toBe(0);
    expect(await page.locator('#col-telegram, #col-discord').filter({ hasText: 'deploy' }).count()).toBe(0);

    // The silent one carries the badge.
    const quiet = message('telegram', 'quiet one');
    await quiet.waitFor({ timeout: UI_MS });
    expect(await quiet.locator('.badge.silent').innerText()).toContain('silent');
  });

  it('renders real Telegram HTML posted straight to the API, and keeps hostile markup inert', async () => {
    const sent = await telegram('sendMessage', {
      chat_id: SANDBOX_IDS.generalChatId,
      parse_mode: 'HTML',
      text: '<b>real bold</b>, <i>italic</i>, <code>x &lt; y</code>, <a href="https://example.com/docs">good link</a>, <a href="javascript:alert(1)">bad link</a> <tg-spoiler>secret</tg-spoiler>',
    });
    expect(sent.status).toBe(200);
    const tg = message('telegram', 'real bold');
    await tg.waitFor({ timeout: UI_MS });
    expect(await tg.locator('.body b').innerText()).toBe('real bold');
    expect(await tg.locator('.body i').innerText()).toBe('italic');
    expect(await tg.locator('.body code').innerText()).toBe('x < y');
    expect(await tg.locator('.body a', { hasText: 'good link' }).getAttribute('href')).toBe('https://example.com/docs');
    expect(await tg.locator('.body a', { hasText: 'bad link' }).count()).toBe(0);
    expect(await page.locator('a[href^="javascript"], a[href^="JAVASCRIPT"]').count()).toBe(0);
    const spoiler = tg.locator('.body .spoiler');
    expect(await spoiler.innerText()).toBe('secret');
    await spoiler.click();
    expect(await spoiler.getAttribute('class')).toContain('revealed');

    // Raw posts that would be script in an unsafe page.
    expect(
      (
        await post(sandbox.env.GENERAL_DISCORD_WEBHOOK, {
          content: '<img src=x onerror="window.xssFlag=1"> <script>window.xssFlag=2</script> @everyone',
          flags: 4096,
        })
      ).status,
    ).toBe(204);
    expect((await post(sandbox.env.GENERAL_SLACK_WEBHOOK, { text: '<img src=x onerror=window.xssFlag=3> <!here> please' })).status).toBe(200);
    const dc = message('discord', 'onerror');
    const sl = message('slack', 'please');
    await dc.waitFor({ timeout: UI_MS });
    await sl.waitFor({ timeout: UI_MS });
    expect(await dc.locator('.body').innerText()).toBe('<img src=x onerror="window.xssFlag=1"> <script>window.xssFlag=2</script> @everyone');
    // Without allowed_mentions Discord would ping everyone; flags 4096 makes it silent.
    expect(await dc.locator('.badge.ping').innerText()).toContain('@everyone');
    expect(await dc.locator('.badge.silent').count()).toBe(1);
    expect(await sl.locator('.body .mention.ping').innerText()).toBe('@here');
    expect(await sl.locator('.badge.ping').innerText()).toContain('@here');
    expect(await page.locator('img, script:not([src])').count()).toBe(0);
    expect(await page.evaluate('window.xssFlag')).toBeUndefined();
  });

  it('lists 429s and errors in the side panel as they happen', async () => {
    sandbox.fake.inject(
      { platform: 'discord' },
      { status: 429, body: { message: 'You are being rate limited.', retry_after: 1.5, global: false }, headers: { 'retry-after': '2' } },
    );
    expect((await post(sandbox.env.GENERAL_DISCORD_WEBHOOK, { content: 'refused' })).status).toBe(429);
    sandbox.fake.unknownChat('424242');
    expect((await telegram('sendMessage', { chat_id: '424242', text: 'nobody' })).status).toBe(400);

    const limited = page.locator('#problems .problem.rate-limited');
    await limited.waitFor({ timeout: UI_MS });
    expect(await limited.innerText()).toMatch(/429[\s\S]*discord[\s\S]*GENERAL_DISCORD_WEBHOOK[\s\S]*You are being rate limited/i);
    const error = page.locator('#problems .problem.error', { hasText: 'chat not found' });
    await error.waitFor({ timeout: UI_MS });
    expect(await error.innerText()).toMatch(/400[\s\S]*telegram[\s\S]*chat 424242/i);
    expect(await page.locator('[data-count="problems"]').innerText()).toBe('2');
    expect(await message('discord', 'refused').count()).toBe(0);
  });

  it('draws Discord embeds and Slack blocks sent through the bot APIs the way the platforms show them', async () => {
    const env = sandbox.env;
    const embedRes = await fetch(`${env.DISCORD_API_BASE_URL}/v10/channels/${env.DISCORD_DEFAULT_CHANNEL}/messages`, {
      method: 'POST',
      headers: { authorization: `Bot ${env.DISCORD_BOT_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        content: 'embed **above**',
        allowed_mentions: { parse: [] },
        embeds: [
          {
            title: '✅ FILLED BUY 0.5 BTC-USDT',
            url: 'https://example.com/orders/demo-1',
            color: 0x2ecc71,
            description: 'limit order **filled**',
            fields: [
              { name: 'Qty', value: '0.5', inline: true },
              { name: 'Price', value: '64,210.50', inline: true },
              { name: 'Strategy', value: 'ema-cross' },
            ],
            footer: { text: 'binance · paper' },
            timestamp: '2024-05-01T12:03:00.000Z',
          },
        ],
      }),
    });
    expect(embedRes.status).toBe(200);
    const blocksRes = await fetch(`${env.SLACK_API_BASE_URL}/chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${env.SLACK_BOT_TOKEN}`, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({
        channel: '#alerts',
        text: 'fallback for notifications',
        blocks: [
          { type: 'header', text: { type: 'plain_text', text: '🚨 ERROR · ema-cross' } },
          {
            type: 'section',
            text: { type: 'mrkdwn', text: 'Order *rejected* by binance' },
            fields: [
              { type: 'mrkdwn', text: '*Symbol*\nBTC-USDT' },
              { type: 'mrkdwn', text: '*Mode*\npaper' },
            ],
          },
          { type: 'divider' },
          { type: 'context', elements: [{ type: 'mrkdwn', text: 'binance · ema-cross' }] },
        ],
      }),
    });
    expect(((await blocksRes.json()) as { ok: boolean }).ok).toBe(true);

    // Discord: the content above, then the card with its colour bar, linked title and fields.
    const dc = message('discord', 'FILLED BUY');
    await dc.waitFor({ timeout: UI_MS });
    expect(await dc.locator('.body').innerText()).toBe('embed above');
    const card = dc.locator('.embed');
    expect(await card.count()).toBe(1);
    const title = card.locator('.embed-title a');
    expect(await title.innerText()).toBe('✅ FILLED BUY 0.5 BTC-USDT');
    expect(await title.getAttribute('href')).toBe('https://example.com/orders/demo-1');
    expect(await card.locator('.embed-desc b').innerText()).toBe('filled');
    expect(await card.locator('.field-name').allInnerTexts()).toEqual(['Qty', 'Price', 'Strategy']);
    expect(await card.locator('.field-value').allInnerTexts()).toEqual(['0.5', '64,210.50', 'ema-cross']);
    expect(await card.locator('.embed-field.inline').count()).toBe(2);
    expect(await card.locator('.embed-footer').innerText()).toMatch(/^binance · paper • 2024-05-0[12] \d\d:\d\d$/);
    // The colour is set through CSSOM (element.style), which the page's CSP allows: check it took effect.
    expect(await computed(card, 'borderLeftColor')).toBe('rgb(46, 204, 113)');
    // Inline fields sit side by side; the non-inline one takes its own row.
    const boxes = await Promise.all([0, 1, 2].map((i) => card.locator('.embed-field').nth(i).boundingBox()));
    expect(boxes[0]!.y).toBe(boxes[1]!.y);
    expect(boxes[1]!.x).toBeGreaterThan(boxes[0]!.x);
    expect(boxes[2]!.y).toBeGreaterThan(boxes[0]!.y);
    expect(await dc.locator('.dest').innerText()).toBe(`to Discord bot #general · channel ${env.DISCORD_DEFAULT_CHANNEL}`);
    expect(await dc.locator('.extra').count()).toBe(0); // no "(not shown)" notes any more

    // Slack: the blocks replace the text, which shows only as the notification note.
    const sl = message('slack', 'ERROR · ema-cross');
    await sl.waitFor({ timeout: UI_MS });
    expect(await sl.locator('.body').count()).toBe(0);
    const header = sl.locator('.sl-header');
    expect(await header.innerText()).toBe('🚨 ERROR · ema-cross');
    expect(Number.parseFloat(await computed(header, 'fontSize'))).toBeGreaterThan(
      Number.parseFloat(await computed(sl.locator('.sl-text').first(), 'fontSize')),
    );
    expect(Number(await computed(header, 'fontWeight'))).toBeGreaterThanOrEqual(700);
    expect(await sl.locator('.sl-text b').innerText()).toBe('rejected');
    expect(await sl.locator('.sl-field').allInnerTexts()).toEqual(['Symbol\nBTC-USDT', 'Mode\npaper']);
    const fields = await Promise.all([0, 1].map((i) => sl.locator('.sl-field').nth(i).boundingBox()));
    expect(fields[0]!.y).toBe(fields[1]!.y); // two columns
    expect(await sl.locator('.sl-divider').count()).toBe(1);
    expect(await sl.locator('.sl-context').innerText()).toBe('binance · ema-cross');
    expect(await sl.locator('.notification-text').innerText()).toBe('notification text: fallback for notifications');
    expect(await sl.locator('.dest').innerText()).toBe(`to Slack bot #alerts · channel ${SANDBOX_IDS.slackChannels.alerts.id}`);
    expect(reports).toEqual([]); // no CSP violation, no page error
  });

  it('shows a photo inline with its caption, and a text file as a download with its first lines', async () => {
    const token = SANDBOX_IDS.generalBotToken;
    const photo = new FormData();
    photo.set('chat_id', SANDBOX_IDS.generalChatId);
    photo.set('caption', '<b>BTC 4h</b> breakout &amp; retest');
    photo.set('parse_mode', 'HTML');
    photo.set('photo', new Blob([solidPng(160, 90, [46, 204, 113])], { type: 'image/png' }), 'chart.png');
    expect((await telegramOk(token, 'sendPhoto', photo)).ok).toBe(true);
    const lines = Array.from({ length: 40 }, (_, i) => `line ${i + 1}`).join('\n');
    const doc = new FormData();
    doc.set('chat_id', SANDBOX_IDS.generalChatId);
    doc.set('caption', 'the full text');
    doc.set('document', new Blob([lines], { type: 'text/plain' }), 'message.txt');
    expect((await telegramOk(token, 'sendDocument', doc)).ok).toBe(true);

    const tg = message('telegram', 'breakout');
    await tg.waitFor({ timeout: UI_MS });
    const img = tg.locator('.file-image img');
    await expect.poll(() => img.evaluate((e) => (e as unknown as { naturalWidth: number }).naturalWidth), { timeout: UI_MS }).toBe(160);
    expect(await img.getAttribute('src')).toMatch(/^data:image\/png;base64,iVBORw0KGgo/);
    expect(await img.getAttribute('alt')).toBe('chart.png');
    expect((await img.boundingBox())!.width).toBeGreaterThan(100);
    expect(await tg.locator('.body').innerText()).toBe('BTC 4h breakout & retest');
    expect(await tg.locator('.body b').innerText()).toBe('BTC 4h');

    const txt = message('telegram', 'the full text');
    await txt.waitFor({ timeout: UI_MS });
    const link = txt.locator('a.file-link');
    expect(await link.innerText()).toBe('message.txt');
    expect(await link.getAttribute('download')).toBe('message.txt');
    const download = await fetch(new URL((await link.getAttribute('href'))!, sandbox.url));
    expect(await download.text()).toBe(lines);
    expect(await txt.locator('.file-size').innerText()).toBe(`${Buffer.byteLength(lines)} B`);
    const preview = txt.locator('details.file-preview');
    expect(await preview.getAttribute('open')).not.toBeNull();
    expect(await preview.locator('pre').innerText()).toMatch(/^line 1\nline 2\n[\s\S]*line 12\n…$/);
    await preview.locator('summary').click();
    expect(await preview.getAttribute('open')).toBeNull(); // collapsible
    expect(reports).toEqual([]);
  });

  it('updates an edited message in place, marks it edited ×N and keeps its earlier versions', async () => {
    const token = SANDBOX_IDS.errorBotToken;
    const chat = SANDBOX_IDS.errorChatId;
    const sent = await telegramOk(token, 'sendMessage', { chat_id: chat, parse_mode: 'HTML', text: '<b>SUBMITTED</b> BUY 0.5 BTC-USDT' });
    const id = sent.result.message_id as number;
    expect((await telegramOk(SANDBOX_IDS.generalBotToken, 'sendMessage', { chat_id: SANDBOX_IDS.generalChatId, text: 'a later message' })).ok).toBe(true);
    await message('telegram', 'a later message').waitFor({ timeout: UI_MS });
    const at = await positionOf('telegram', 'SUBMITTED');
    expect(at).toBeGreaterThanOrEqual(0);
    const count = await page.locator('[data-count="telegram"]').innerText();

    for (const text of ['<b>PARTIAL</b> 0.2 of 0.5 BTC-USDT', '<b>FILLED</b> 0.5 BTC-USDT @ 64,210']) {
      expect((await telegramOk(token, 'editMessageText', { chat_id: chat, message_id: id, parse_mode: 'HTML', text })).ok).toBe(true);
    }
    const edited = page.locator('#col-telegram .list > .msg').nth(at);
    await expect.poll(() => edited.locator('.content').innerText(), { timeout: UI_MS }).toBe('FILLED 0.5 BTC-USDT @ 64,210');
    expect(await edited.locator('.badge.edited').innerText()).toBe('edited ×2');
    expect(await edited.getAttribute('class')).toContain('flash');
    expect(await positionOf('telegram', 'a later message')).toBe(at + 1); // kept its place
    expect(await page.locator('[data-count="telegram"]').innerText()).toBe(count); // no new message
    expect(await page.locator('#col-telegram .content').filter({ hasText: 'SUBMITTED' }).count()).toBe(0);

    // The earlier versions, collapsed until asked for: submitted → partial.
    const history = edited.locator('details.history');
    expect(await history.getAttribute('open')).toBeNull();
    expect(await history.locator('.version-body').first().isVisible()).toBe(false);
    expect(await history.locator('summary').innerText()).toBe('history: 2 earlier versions');
    await history.locator('summary').click();
    expect(await history.locator('.version-body').allInnerTexts()).toEqual(['SUBMITTED BUY 0.5 BTC-USDT', 'PARTIAL 0.2 of 0.5 BTC-USDT']);
    expect(await history.locator('.version-head').allInnerTexts()).toEqual([
      expect.stringMatching(/^original · \d\d:\d\d:\d\d$/),
      expect.stringMatching(/^edit 1 · /),
    ]);
    expect(reports).toEqual([]);
  });

  it("sends what the user types to the bot, and shows the bot's answer as a reply to it", async () => {
    // A tiny bot: long-polls getUpdates through Herald's Telegram client and answers /ping.
    const api = new TelegramApi({ baseUrl: sandbox.url, token: SANDBOX_IDS.generalBotToken });
    const stop = new AbortController();
    const seen: TelegramUpdate[] = [];
    const answers: Promise<unknown>[] = [];
    const deadline = Date.now() + UI_MS;
    const bot = pollUpdates(api, {
      signal: stop.signal,
      deadline: () => deadline,
      deleteWebhook: false,
      onUpdates: (updates) => {
        for (const u of updates) {
          seen.push(u);
          const m = u.message as { message_id: number; chat: { id: string }; text?: string } | undefined;
          if (m?.text?.startsWith('/ping')) {
            answers.push(
              (async () => {
                for (;;) {
                  const r = await api.call('sendMessage', { chat_id: m.chat.id, text: 'pong 🏓', reply_parameters: { message_id: m.message_id } });
                  if (r.ok || r.status !== 429) return r;
                  await new Promise((done) => setTimeout(done, (r.retryAfter ?? 1) * 1000));
                }
              })(),
            );
            return true;
          }
        }
        return false;
      },
    });
    try {
      const count = Number(await page.locator('[data-count="telegram"]').innerText());
      const compose = page.locator('#compose');
      expect(await compose.isVisible()).toBe(true);
      expect(await page.locator('#compose-chat option').allInnerTexts()).toEqual([
        `GENERAL bot chat (private, ${SANDBOX_IDS.generalChatId})`,
        `ERROR bot chat (supergroup, ${SANDBOX_IDS.errorChatId})`,
      ]);
      await page.selectOption('#compose-chat', SANDBOX_IDS.generalChatId);
      await page.fill('#compose-text', '/ping from the page');
      await page.press('#compose-text', 'Enter');

      // The user's message, on the right, with its command marked.
      const mine = page.locator('#col-telegram .msg.out').filter({ hasText: '/ping from the page' });
      await mine.waitFor({ timeout: UI_MS });
      expect(await mine.locator('.bot-command').innerText()).toBe('/ping');
      expect(await mine.locator('.name').innerText()).toBe('You');
      expect(await page.inputValue('#compose-text')).toBe('');

      expect(await bot).toEqual({ kind: 'stopped' });
      const answer = await Promise.all(answers);
      expect(answer).toEqual([expect.objectContaining({ ok: true })]);
      const update = seen.at(-1)!.message as Record<string, any>;
      expect(update).toMatchObject({ chat: { id: SANDBOX_IDS.generalChatId, type: 'private' }, from: { is_bot: false }, text: '/ping from the page' });
      expect(update.entities).toEqual([{ type: 'bot_command', offset: 0, length: 5 }]);

      // The bot's answer: a message like any other, quoting the command it replies to.
      const pong = message('telegram', 'pong 🏓');
      await pong.waitFor({ timeout: UI_MS });
      expect(await pong.locator('.reply-quote .quote-name').innerText()).toBe('You');
      expect(await pong.locator('.reply-quote .quote-text').innerText()).toBe('/ping from the page');
      expect(await positionOf('telegram', 'pong')).toBe((await positionOf('telegram', '/ping from the page')) + 1);
      await expect.poll(() => page.locator('[data-count="telegram"]').innerText(), { timeout: UI_MS }).toBe(String(count + 1)); // the bot's message only
      await mine.evaluate((e) => (e as unknown as { classList: { remove(c: string): void } }).classList.remove('flash'));
      await pong.locator('.reply-quote').click();
      expect(await mine.getAttribute('class')).toContain('flash');
      expect(reports).toEqual([]);
    } finally {
      stop.abort();
      await bot;
      await api.close();
    }
  });

  it('replays everything to a page opened late, and leaves a screenshot', async () => {
    // Counted from what this test sends on top of what the server already had, so the test
    // does not depend on which earlier tests ran. The ERROR destinations have rate buckets of
    // their own, so nothing sent earlier can turn these into 429s.
    const before = serverCounts();
    const errorBot = `${sandbox.url}/bot${SANDBOX_IDS.errorBotToken}/sendMessage`;
    expect((await post(errorBot, { chat_id: SANDBOX_IDS.errorChatId, parse_mode: 'HTML', text: '<b>late bold</b> for the replay' })).status).toBe(200);
    expect((await post(sandbox.env.ERROR_DISCORD_WEBHOOK, { content: 'late discord' })).status).toBe(204);
    expect((await post(sandbox.env.ERROR_SLACK_WEBHOOK, { text: 'late slack' })).status).toBe(200);
    sandbox.fake.inject({ platform: 'slack' }, { status: 500, body: 'late failure' });
    expect((await post(sandbox.env.ERROR_SLACK_WEBHOOK, { text: 'refused' })).status).toBe(500);
    const expected = before.map((n) => n + 1); // one message per platform, one error
    expect(serverCounts()).toEqual(expected);
    await expect.poll(() => countsOn(page), { timeout: UI_MS }).toEqual(expected);

    const late = await newPage();
    try {
      await late.goto(sandbox.inboxUrl);
      await late.waitForSelector('body[data-ready="1"]', { timeout: UI_MS });
      expect(await countsOn(late)).toEqual(expected);
      expect(await late.locator('#col-telegram .msg .body b').filter({ hasText: 'late bold' }).count()).toBe(1);
      expect(await late.locator('#col-discord .msg').filter({ hasText: 'late discord' }).count()).toBe(1);
      expect(await late.locator('#col-slack .msg').filter({ hasText: 'late slack' }).count()).toBe(1);
      expect(await late.locator('#problems .problem.error').filter({ hasText: 'late failure' }).count()).toBe(1);
    } finally {
      await late.close();
    }

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}inbox.png` });
    expect(existsSync(`${ARTIFACTS}inbox.png`)).toBe(true);
    expect(reports).toEqual([]);
  });
});
