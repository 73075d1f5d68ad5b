/**
 * The inbox server (routes on the fake's origin, SSE with replay and heartbeat), the sandbox
 * environment, and the demo, without a browser.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { readConfig } from '../../src/core/configuration.js';
import { EVENT_KINDS, DEFAULT_TEMPLATES } from '../../src/plugin/templates.js';
import { DEFAULT_CARDS } from '../../src/plugin/cards.js';
import { escapeTelegramHtml } from '../../src/channels/telegram.js';
import { FakePlatformServer } from '../../src/sandbox/fake-platforms.js';
import { DEMO_ALERT, DEMO_ORDER, DEMO_PARTIAL_FILLS, DEMO_SAMPLES, runDemo } from '../../src/sandbox/demo.js';
import type { InboxEvent } from '../../src/sandbox/inbox/server.js';
import { SANDBOX_IDS, SANDBOX_VARIABLES, sandboxEnv } from '../../src/sandbox/sandbox-env.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function sandboxFor(options: Parameters<typeof startSandbox>[0] = {}): Promise<Sandbox> {
  const s = await startSandbox(options);
  cleanups.push(() => s.close());
  return s;
}

interface Frame {
  event: string;
  id?: string;
  data: string;
}

/** A raw SSE client: collects frames and comments as they arrive. */
function openSse(url: string, headers: Record<string, string> = {}) {
  const frames: Frame[] = [];
  let raw = '';
  let res: IncomingMessage | undefined;
  const waiters: (() => void)[] = [];
  const req = httpRequest(url, { headers: { accept: 'text/event-stream', ...headers } });
  const ready = new Promise<IncomingMessage>((resolve, reject) => {
    req.on('response', (r) => {
      res = r;
      r.setEncoding('utf8');
      let buf = '';
      r.on('data', (chunk: string) => {
        raw += chunk;
        buf += chunk;
        let end: number;
        while ((end = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, end);
          buf = buf.slice(end + 2);
          const frame: Frame = { event: 'message', data: '' };
          let any = false;
          for (const line of block.split('\n')) {
            const m = /^([a-z]+): ?(.*)$/.exec(line);
            if (!m) continue;
            any = true;
            if (m[1] === 'event') frame.event = m[2]!;
            else if (m[1] === 'id') frame.id = m[2]!;
            else if (m[1] === 'data') frame.data += m[2]!;
          }
          if (any && frame.data !== '') frames.push(frame);
        }
        for (const w of waiters.splice(0)) w();
      });
      resolve(r);
    });
    req.on('error', reject);
  });
  req.end();
  const client = {
    frames,
    get raw() {
      return raw;
    },
    ready,
    messages: (): InboxEvent[] => frames.filter((f) => f.event === 'message').map((f) => JSON.parse(f.data) as InboxEvent),
    async waitFor(pred: () => boolean, ms = 5000): Promise<void> {
      const deadline = Date.now() + ms;
      while (!pred()) {
        if (Date.now() > deadline) throw new Error(`SSE: timed out; got:\n${raw}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
    },
    close(): void {
      req.destroy();
      res?.destroy();
    },
  };
  cleanups.push(() => client.close());
  return client;
}

const post = (url: string, body: unknown): Promise<Response> =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** GET with an explicit Host header (fetch does not allow setting it). */
function getWithHost(url: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('FakePlatformServer.mount', () => {
  it('serves extra routes on the same origin, never in place of a platform route, and unmounts', async () => {
    const fake = await FakePlatformServer.start();
    cleanups.push(() => fake.close());
    const unmount = fake.mount((_req, res, url) => {
      if (url.pathname !== '/hello' && !url.pathname.startsWith('/bot') && !url.pathname.startsWith('/services/')) return false;
      res.writeHead(200, { 'content-type': 'text/plain' }).end('mounted');
      return true;
    });
    expect(await (await fetch(`${fake.url}/hello`)).text()).toBe('mounted');
    expect((await fetch(`${fake.url}/other`)).status).toBe(404);
    // Platform paths stay the platforms' even when a route would take them.
    const tg = await post(`${fake.url}/bot123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ_abc-012/getMe`, {});
    expect(((await tg.json()) as { ok: boolean }).ok).toBe(true);
    expect((await post(fake.slackWebhookUrl(), { text: 'hi' })).status).toBe(200);
    expect(fake.requests).toBe(3); // /other, getMe and the Slack post; not the mounted /hello
    unmount();
    expect((await fetch(`${fake.url}/hello`)).status).toBe(404);
  });
});

describe('sandbox environment', () => {
  it('is a configuration Herald accepts: three general and three error destinations, no problems', () => {
    const env = sandboxEnv('http://127.0.0.1:8787');
    expect(Object.keys(env)).toEqual([...SANDBOX_VARIABLES]);
    const config = readConfig(env);
    expect(config.problems).toEqual([]);
    expect(config.general.map((s) => s.driver).sort()).toEqual(['discord', 'slack', 'telegram']);
    expect(config.error.map((s) => s.driver).sort()).toEqual(['discord', 'slack', 'telegram']);
    expect(sandboxEnv('http://127.0.0.1:9/').TELEGRAM_API_BASE_URL).toBe('http://127.0.0.1:9');
  });

  it('knows the sandbox chats, so getChat (herald doctor) finds them', async () => {
    const s = await sandboxFor();
    for (const [token, chat] of [
      [SANDBOX_IDS.generalBotToken, SANDBOX_IDS.generalChatId],
      [SANDBOX_IDS.errorBotToken, SANDBOX_IDS.errorChatId],
    ] as const) {
      const res = (await (await post(`${s.url}/bot${token}/getChat`, { chat_id: chat })).json()) as { ok: boolean };
      expect(res.ok).toBe(true);
    }
  });
});

describe('inbox routes', () => {
  it('serves the page, script and style with a strict CSP, and a health check', async () => {
    const s = await sandboxFor();
    expect(s.inboxUrl).toBe(`${s.url}/`);
    const page = await fetch(s.inboxUrl);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('id="col-telegram"');
    const js = await fetch(`${s.url}/inbox/app.js`);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await js.text()).toContain('HeraldRender');
    expect((await fetch(`${s.url}/inbox/app.css`)).headers.get('content-type')).toMatch(/^text\/css/);
    expect(await (await fetch(`${s.url}/inbox/health`)).json()).toMatchObject({ ok: true, name: 'herald-sandbox', messages: 0 });
    expect((await fetch(`${s.url}/nothing-here`)).status).toBe(404);
    expect((await fetch(s.inboxUrl, { method: 'POST', body: 'x' })).status).toBe(405);
    expect(s.fake.requests).toBe(1); // only the 404: the inbox's own requests are not platform traffic
  });

  it('answers only loopback host names (no DNS rebinding)', async () => {
    const s = await sandboxFor();
    expect((await getWithHost(s.inboxUrl, `localhost:${s.port}`)).status).toBe(200);
    expect((await getWithHost(s.inboxUrl, `127.0.0.1:${s.port}`)).status).toBe(200);
    expect((await getWithHost(`${s.url}/inbox/events`, `evil.example:${s.port}`)).status).toBe(403);
    expect((await getWithHost(s.inboxUrl, 'evil.example')).status).toBe(403);
  });
});

describe('inbox events (SSE)', () => {
  it('replays what came before, then streams live messages, 429s and errors', async () => {
    const s = await sandboxFor();
    const tg = `${s.url}/bot${SANDBOX_IDS.generalBotToken}/sendMessage`;
    await post(tg, { chat_id: SANDBOX_IDS.generalChatId, text: escapeTelegramHtml('early <b> & co'), parse_mode: 'HTML', disable_notification: true });

    const sse = openSse(`${s.url}/inbox/events`);
    await sse.waitFor(() => sse.frames.some((f) => f.event === 'ready'));
    expect(sse.frames[0]!.event).toBe('hello');
    const hello = JSON.parse(sse.frames[0]!.data) as { session: string; envLines: string };
    expect(hello.envLines).toContain(`TELEGRAM_API_BASE_URL=${s.url}`);
    expect(sse.raw.startsWith('retry: 2000\n\n')).toBe(true);
    expect(sse.messages()).toEqual([
      expect.objectContaining({
        id: 1,
        kind: 'message',
        platform: 'telegram',
        destination: SANDBOX_IDS.generalChatId,
        label: 'GENERAL bot chat',
        text: 'early &lt;b&gt; &amp; co',
        parseMode: 'HTML',
        silent: true,
      }),
    ]);

    await post(s.env.GENERAL_DISCORD_WEBHOOK, { content: '@everyone **now**', flags: 4096 });
    s.fake.inject({ platform: 'slack' }, { status: 429, body: 'rate_limited', headers: { 'retry-after': '1' } });
    await post(s.env.GENERAL_SLACK_WEBHOOK, { text: 'x' });
    s.fake.blockChat(SANDBOX_IDS.errorChatId);
    await post(`${s.url}/bot${SANDBOX_IDS.errorBotToken}/sendMessage`, { chat_id: SANDBOX_IDS.errorChatId, text: 'y' });
    await sse.waitFor(() => sse.messages().length === 4);
    const [, discord, limited, error] = sse.messages();
    expect(discord).toMatchObject({ kind: 'message', platform: 'discord', label: 'GENERAL_DISCORD_WEBHOOK', silent: true, pings: ['@everyone'] });
    expect(limited).toMatchObject({
      kind: 'rate-limited',
      platform: 'slack',
      status: 429,
      label: 'GENERAL_SLACK_WEBHOOK',
      detail: 'injected fault: rate_limited',
    });
    expect(error).toMatchObject({
      kind: 'error',
      platform: 'telegram',
      status: 403,
      label: 'ERROR bot chat',
      detail: 'Forbidden: bot was blocked by the user',
    });
    expect(sse.frames.filter((f) => f.event === 'message').map((f) => f.id)).toEqual([1, 2, 3, 4].map((n) => `${hello.session}.${n}`));
  });

  it('sends heartbeat comments, and resumes after Last-Event-ID without repeating', async () => {
    const s = await sandboxFor({ heartbeatMs: 100 });
    for (const text of ['one', 'two', 'three']) await post(s.env.GENERAL_DISCORD_WEBHOOK, { content: text });
    const first = openSse(`${s.url}/inbox/events`);
    await first.waitFor(() => first.raw.includes(': ping\n\n'));
    const lastId = first.frames.filter((f) => f.event === 'message')[1]!.id!;
    const resumed = openSse(`${s.url}/inbox/events`, { 'last-event-id': lastId });
    await resumed.waitFor(() => resumed.frames.some((f) => f.event === 'ready'));
    expect(resumed.messages().map((m) => m.text)).toEqual(['three']);
    // An id from another sandbox session replays everything.
    const stranger = openSse(`${s.url}/inbox/events`, { 'last-event-id': 'feedbeef.2' });
    await stranger.waitFor(() => stranger.frames.some((f) => f.event === 'ready'));
    expect(stranger.messages().map((m) => m.text)).toEqual(['one', 'two', 'three']);
    expect(s.inbox.clientCount).toBe(3);
  });

  it('ends open streams when the sandbox closes', async () => {
    const s = await sandboxFor();
    const sse = openSse(`${s.url}/inbox/events`);
    const res = await sse.ready;
    expect(res.statusCode).toBe(200);
    expect(s.inbox.clientCount).toBe(1);
    const ended = new Promise<'ended'>((resolve) => res.once('close', () => resolve('ended')));
    await s.close();
    const timeout = new Promise<'still open'>((resolve) => setTimeout(() => resolve('still open'), 2000).unref());
    expect(await Promise.race([ended, timeout])).toBe('ended');
    expect(s.inbox.clientCount).toBe(0);
    await expect(s.close()).resolves.toBeUndefined(); // twice is fine (cleanups closes it a third time)
  });
});

describe('demo', () => {
  it('covers every event kind, in a plausible order', () => {
    expect([...DEMO_ORDER].sort()).toEqual([...EVENT_KINDS].sort());
    expect(DEMO_ORDER[0]).toBe('session.started');
    expect(DEMO_ORDER.at(-1)).toBe('session.terminated');
  });

  it('delivers one sample of every event kind through Herald, an error to the ERROR destinations and a silent one', async () => {
    const s = await sandboxFor({
      limits: {
        telegramPerChat: { burst: 100, perSecond: 100 },
        slackPerWebhook: { burst: 100, perSecond: 100 },
        slackPerChannel: { burst: 100, perSecond: 100 },
        discordPerWebhook: { limit: 100, windowMs: 1000 },
        discordPerChannel: { limit: 100, windowMs: 1000 },
      },
    });
    const reports: string[] = [];
    const result = await runDemo(s.env, { paced: false, report: (l) => void reports.push(l) });
    expect(reports).toEqual([]);
    // Every kind once, two partial fills before the fill, the report at the end, and the strategy's alert.
    expect(result).toMatchObject({ notifications: EVENT_KINDS.length + DEMO_PARTIAL_FILLS.length + 2, failed: 0, complete: true });
    /** What a destination shows: message text, and for Discord the embeds' titles and descriptions too. */
    const all = (platform: 'telegram' | 'discord' | 'slack', dest?: string) =>
      s.fake
        .messagesFor(platform, dest)
        .flatMap((m) => [
          m.text,
          ...((m.body as { embeds?: { title?: string; description?: string }[] }).embeds ?? []).flatMap((e) => [e.title ?? '', e.description ?? '']),
        ])
        .join('\n');
    const generalTelegram = all('telegram', SANDBOX_IDS.generalChatId);
    const generalDiscord = all('discord', SANDBOX_IDS.generalDiscord.id);
    const generalSlack = all('slack', 'T0SANDBOX/B0GENERAL');
    for (const kind of EVENT_KINDS) {
      const text = DEFAULT_TEMPLATES[kind](DEMO_SAMPLES[kind]).split('\n')[0]!;
      // Custom events are plain; the others are cards headed by their title.
      const headline = kind === 'custom' ? text : DEFAULT_CARDS[kind](DEMO_SAMPLES[kind]).title;
      expect(generalDiscord, kind).toContain(headline);
      expect(generalTelegram, kind).toContain(escapeTelegramHtml(headline));
      // Slack's text is the one-line plain form; the blocks carry the card.
      expect(generalSlack, kind).toContain(text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'));
    }
    expect(all('telegram', SANDBOX_IDS.errorChatId)).toContain('ERROR');
    expect(all('discord', SANDBOX_IDS.errorDiscord.id)).toContain('notional 9.80 < minimum');
    expect(all('slack', 'T0SANDBOX/B0ERRORS')).toContain('ERROR · ema-cross · BTC-USDT');
    expect(all('discord', SANDBOX_IDS.alertsDiscord.id)).toBe(DEMO_ALERT);
    // Silent where the platform has it: Telegram, the Discord webhook and the Discord bot (Slack has no silent flag).
    expect(
      s.fake.messages
        .filter((m) => m.silent && m.text.includes('daily-summary'))
        .map((m) => `${m.platform} ${m.via}`)
        .sort(),
    ).toEqual(['discord bot', 'discord webhook', 'telegram bot']);
    // The bots: the error goes where error=alerts says; everything else is ema-cross's (the session
    // said so, which tags even the reconnect), so it goes to #ema and the default channel gets only
    // the report (about the whole account, not one strategy).
    expect(all('slack', SANDBOX_IDS.slackChannels.alerts.id)).toContain('ERROR · ema-cross · BTC-USDT');
    expect(all('discord', SANDBOX_IDS.discordChannels.alerts.id)).toContain('notional 9.80 < minimum');
    // The order's states arrived at once (paced: false): its one live message shows the latest, the fill in its history.
    expect(JSON.stringify(s.fake.messagesFor('slack', SANDBOX_IDS.slackChannels.ema.id).map((m) => m.body))).toContain('FILLED BUY 0.5 BTC-USDT');
    expect(all('discord', SANDBOX_IDS.discordChannels.ema.id)).toContain('RECONNECTED to binance');
    const defaultChannel = s.fake.messagesFor('discord', SANDBOX_IDS.discordChannels.general.id);
    expect(defaultChannel.map((m) => m.text.split('\n')[0])).toEqual([expect.stringMatching(/^📊 Report \d\d:\d\d · end of session$/)]);
    // With its chart, a PNG, as an upload.
    expect(defaultChannel[0]!.files?.map((f) => [f.name, f.contentType])).toEqual([['equity.png', 'image/png']]);
  });
});
