/**
 * Mentions never ping (issue 8), checked on the wire for every Slack and Discord destination
 * kind — webhooks and bots, text and cards, Apprise forms, split and coalesced messages, and
 * the notices Herald writes itself:
 *
 * - Discord: every message carries `allowed_mentions: { parse: [] }` (and no other mention
 *   switch), whatever the text or embed holds. Mentions inside embeds never ping anyway.
 * - Slack: in every mrkdwn string (top-level `text`, section text and fields, context
 *   elements) no `<…>` control sequence comes from message text; the only ones are Herald's
 *   own date (`<!date^…>`) and web links (`<https://…|label>`). `<!channel>`, `<!here>`,
 *   `<!everyone>`, `<@U…>`, `<#C…>` and `<!subteam^…>` arrive as `&lt;…&gt;`: shown, inert.
 * - Slack header blocks are `plain_text`, which Slack renders literally (Block Kit reference:
 *   header `text` is a plain_text object, and plain_text has no markup — no links, no
 *   mentions; only `emoji` is interpreted). Herald leaves header text unescaped there on
 *   purpose (an escape would show as `&lt;`), so this file checks that every header is
 *   plain_text, never that its text is escaped.
 */
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import type { Card } from '../../src/channels/card.js';
import {
  DISCORD_BOT_TOKEN,
  DISCORD_CHANNEL,
  DISCORD_URL,
  captured,
  mswServer,
  SLACK_BOT_TOKEN,
  SLACK_URL,
  useMsw,
  useTestNotifiers,
  type Captured,
} from '../fixtures/platforms.js';
import { fillCard, unescapeSlack } from '../fixtures/cards.js';

useMsw();
const make = useTestNotifiers();

/** Every Slack mention and control form, and Discord's. */
const SLACK_PINGS = [
  '<!channel>',
  '<!here>',
  '<!everyone>',
  '<!channel|channel>',
  '<@U0123ABCD>',
  '<@U0123ABCD|bob>',
  '<#C0123ABCD>',
  '<!subteam^S0123ABCD|@traders>',
  '<!date^1700000000^{date}|x>',
  '<https://evil.example|click>',
];
const DISCORD_PINGS = ['@everyone', '@here', '<@123456789012345678>', '<@!123456789012345678>', '<@&123456789012345678>', '<#123456789012345678>'];
const ALL = [...SLACK_PINGS, ...DISCORD_PINGS, '@channel', '@here'].join(' ');

/** A card with a mention in every part a card has. */
function mentionCard(overrides: Partial<Card> = {}): Card {
  return fillCard({
    title: `<!channel> FILLED ${ALL}`.slice(0, 140),
    fields: [
      { name: '<!here> Qty', value: `<!channel> ${ALL}`, numeric: true },
      { name: '<@U0123ABCD>', value: '<#C0123ABCD> <!everyone>' },
    ],
    description: `desc ${ALL}`,
    footer: `<!here> footer ${ALL}`,
    ...overrides,
  });
}

const SLACK_WEBHOOK_ENV = { GENERAL_SLACK_WEBHOOK: SLACK_URL };
const SLACK_BOT_ENV = { SLACK_BOT_TOKEN, SLACK_DEFAULT_CHANNEL: 'C0GENERAL01' };
const DISCORD_WEBHOOK_ENV = { GENERAL_DISCORD_WEBHOOK: DISCORD_URL };
const DISCORD_BOT_ENV = { DISCORD_BOT_TOKEN, DISCORD_DEFAULT_CHANNEL: DISCORD_CHANNEL };
const EVERY_KIND = { ...SLACK_WEBHOOK_ENV, ...SLACK_BOT_ENV, ...DISCORD_WEBHOOK_ENV, ...DISCORD_BOT_ENV };

interface MrkdwnString {
  readonly where: string;
  readonly text: string;
}

/**
 * Every string Slack will read as mrkdwn in a request body, and the plain_text ones apart.
 * A block or text object of a kind this file does not know fails the test: a new kind must be
 * looked at for mentions before it ships.
 */
function slackStrings(body: Record<string, any>): { mrkdwn: MrkdwnString[]; plain: MrkdwnString[] } {
  const mrkdwn: MrkdwnString[] = [];
  const plain: MrkdwnString[] = [];
  const textObject = (o: { type: string; text: string; verbatim?: boolean }, where: string): void => {
    if (o.type === 'mrkdwn') mrkdwn.push({ where, text: o.text });
    else if (o.type === 'plain_text') plain.push({ where, text: o.text });
    else throw new Error(`${where}: unknown text object type ${o.type}`);
  };
  if (typeof body.text === 'string') (body.mrkdwn === false ? plain : mrkdwn).push({ where: 'text', text: body.text });
  (body.blocks ?? []).forEach((b: Record<string, any>, i: number) => {
    const at = `blocks[${i}] (${b.type})`;
    if (b.type === 'header') {
      expect(b.text.type, `${at}: a header is plain_text, where Slack parses no mention`).toBe('plain_text');
      textObject(b.text, `${at}.text`);
    } else if (b.type === 'section') {
      if (b.text) textObject(b.text, `${at}.text`);
      (b.fields ?? []).forEach((f: any, j: number) => textObject(f, `${at}.fields[${j}]`));
    } else if (b.type === 'context') {
      b.elements.forEach((e: any, j: number) => textObject(e, `${at}.elements[${j}]`));
    } else if (b.type !== 'divider') throw new Error(`${at}: a block kind this test does not know; check it for mentions`);
  });
  return { mrkdwn, plain };
}

/** The `<…>` sequences of a mrkdwn string that are not Herald's own date or web link. */
function foreignControls(text: string): string[] {
  return [...text.matchAll(/<([^>]*)>/g)]
    .map((m) => m[0])
    .filter((seq) => !/^<!date\^\d+\^\{date_short_pretty\} \{time_secs\}\|[^<>]*>$/.test(seq) && !/^<https?:\/\/[^|<>\s]+\|[^<>]*>$/.test(seq));
}

/** Checks one Slack request body: no mention can come out of it. */
function expectInertSlack(c: Captured): void {
  const { mrkdwn } = slackStrings(c.body);
  expect(mrkdwn.length, 'no mrkdwn text at all').toBeGreaterThan(0);
  for (const s of mrkdwn) expect(foreignControls(s.text), `${c.platform} ${s.where}: ${s.text.slice(0, 200)}`).toEqual([]);
  // Nothing that turns automatic name parsing on.
  expect(c.body.link_names, 'link_names').toBeUndefined();
  expect(c.body.parse, 'parse').toBeUndefined();
}

/** Checks one Discord request body: mentions parse nothing. */
function expectInertDiscord(c: Captured): void {
  expect(c.body.allowed_mentions, `${c.platform} ${c.url}`).toEqual({ parse: [] });
  expect(c.body.message_reference, 'a reply would ping its author unless replied_user is false').toBeUndefined();
}

function expectAllInert(kinds: Captured['platform'][]): void {
  for (const k of kinds) expect(captured.filter((c) => c.platform === k).length, `requests to ${k}`).toBeGreaterThan(0);
  for (const c of captured) {
    if (c.platform === 'slack' || c.platform === 'slack-bot') expectInertSlack(c);
    if (c.platform === 'discord' || c.platform === 'discord-bot') expectInertDiscord(c);
  }
}

/** The text a Slack reader sees in the top-level text of every request to `platform`, joined. */
const slackVisible = (platform: 'slack' | 'slack-bot'): string =>
  captured
    .filter((c) => c.platform === platform)
    .map((c) => unescapeSlack(String(c.body.text)))
    .join('\n');

describe('mentions never ping: plain text to every Slack and Discord destination kind', () => {
  it('every mention form arrives inert and still readable, webhooks and bots alike', async () => {
    const { notifier } = make(EVERY_KIND);
    notifier.log(`alert ${ALL}`);
    notifier.notify(`error ${ALL}`, { level: 'error' });
    await notifier.flush();
    expectAllInert(['slack', 'slack-bot', 'discord', 'discord-bot']);
    // Shown, not swallowed: the reader sees the very characters that were logged.
    for (const p of ['slack', 'slack-bot'] as const) expect(slackVisible(p)).toContain(`alert ${ALL}`);
    for (const c of captured.filter((x) => x.platform === 'slack' || x.platform === 'slack-bot')) {
      expect(c.body.text).not.toMatch(/<[!@#]/);
      expect(c.body.text).toContain('&lt;!channel&gt;');
    }
    for (const c of captured.filter((x) => x.platform.startsWith('discord'))) expect(c.body.content).toContain('@everyone');
  });

  it('a long message split into parts: every part is escaped / carries allowed_mentions', async () => {
    const { notifier } = make(EVERY_KIND);
    const long = Array.from({ length: 120 }, (_, i) => `line ${i} <!channel> <@U0123ABCD> @everyone <@&123456789012345678>`).join('\n');
    notifier.log(long);
    await notifier.flush();
    expect(captured.filter((c) => c.platform === 'slack').length).toBeGreaterThan(1);
    expect(captured.filter((c) => c.platform === 'discord').length).toBeGreaterThan(1);
    expectAllInert(['slack', 'slack-bot', 'discord', 'discord-bot']);
  });

  it("messages coalesced into one request, and the storm filter's own summary, stay inert", async () => {
    const { notifier } = make(EVERY_KIND);
    for (let i = 0; i < 30; i++) notifier.log(`burst ${i % 3} <!here> @everyone`);
    await notifier.flush();
    expectAllInert(['slack', 'slack-bot', 'discord', 'discord-bot']);
  });

  it('Apprise forms (discord:// with a botname, slack:// webhook with a channel, slack://xoxb-… bot) too', async () => {
    const { notifier } = make({ GENERAL_SLACK_WEBHOOK: SLACK_URL });
    const hook = new URL(DISCORD_URL).pathname.split('/');
    notifier.log(
      `apprise ${ALL}`,
      `discord://${hook[3]}/${hook[4]}?botname=everyone slack://T0AAAAAAA/B0BBBBBBB/abcdefghijklmnopqrstuvwx/#alerts slack://${SLACK_BOT_TOKEN}/#alerts`,
    );
    await notifier.flush();
    expectAllInert(['slack', 'slack-bot', 'discord']);
  });

  it('Slack threads (thread_ts) and Discord threads (thread_id) too', async () => {
    const { notifier } = make({});
    notifier.log(
      `thread ${ALL}`,
      `${SLACK_URL}?thread_ts=1700000000.123456 ${DISCORD_URL}?thread_id=123456789012345678 slack://${SLACK_BOT_TOKEN}/#alerts:1700000000.123456`,
    );
    await notifier.flush();
    expectAllInert(['slack', 'slack-bot', 'discord']);
  });
});

describe('mentions never ping: cards (Slack blocks, Discord embeds)', () => {
  it('title (header), fields (names and values), description, footer: inert in every block', async () => {
    const { notifier } = make(EVERY_KIND);
    notifier.notify(`summary ${ALL}`, { card: mentionCard({ url: undefined }) });
    await notifier.flush();
    expectAllInert(['slack', 'slack-bot', 'discord', 'discord-bot']);
    for (const c of captured.filter((x) => x.platform === 'slack' || x.platform === 'slack-bot')) {
      const blocks = c.body.blocks as Record<string, any>[];
      expect(blocks[0]!.type).toBe('header');
      const { mrkdwn } = slackStrings(c.body);
      const visible = mrkdwn.map((s) => unescapeSlack(s.text)).join('\n');
      expect(visible).toContain('<!here> Qty');
      expect(visible).toContain('<#C0123ABCD> <!everyone>');
      expect(visible).toContain(`<!here> footer`);
    }
  });

  it("a linked title (a section, not a header) escapes the label; the link is the card's web URL", async () => {
    const { notifier } = make({ ...SLACK_WEBHOOK_ENV, ...SLACK_BOT_ENV });
    notifier.notify('linked', { card: mentionCard({ url: 'https://exchange.example/orders/42?a=<!channel>|x' }) });
    await notifier.flush();
    expectAllInert(['slack', 'slack-bot']);
    const section = (captured[0]!.body.blocks as Record<string, any>[])[0]!;
    expect(section.type).toBe('section');
    expect(section.text.text).toMatch(/^\*<https:\/\/exchange\.example\/orders\/42\?a=%3C!channel%3E%7Cx\|&lt;!channel&gt; FILLED /);
  });

  it('a title too long for a header becomes a bold section, escaped', async () => {
    const { notifier } = make({ ...SLACK_WEBHOOK_ENV, ...SLACK_BOT_ENV });
    notifier.notify('long title', { card: mentionCard({ title: `<!channel> ${'t'.repeat(200)} <@U0123ABCD>`, url: undefined }) });
    await notifier.flush();
    expectAllInert(['slack', 'slack-bot']);
    expect((captured[0]!.body.blocks as Record<string, any>[])[0]!.type).toBe('section');
  });

  it('a huge card split over several messages: every one inert', async () => {
    const { notifier } = make(EVERY_KIND);
    const description = Array.from({ length: 400 }, (_, i) => `${i} <!channel> <@U0123ABCD> @everyone`).join('\n');
    notifier.notify('huge', { card: mentionCard({ description, url: undefined }) });
    await notifier.flush();
    expect(captured.filter((c) => c.platform === 'slack').length).toBeGreaterThan(1);
    expectAllInert(['slack', 'slack-bot', 'discord', 'discord-bot']);
  });

  it('blocks Slack refuses are resent as text: the text is escaped too', async () => {
    let refused = 0;
    mswServer.use(
      http.post('https://hooks.slack.com/services/:a/:b/:c', async ({ request, params }) => {
        const body = (await request.json()) as Record<string, any>;
        if (body.blocks && refused++ === 0) return new HttpResponse('invalid_blocks', { status: 400 });
        captured.push({ platform: 'slack', address: `${params.a}/${params.b}`, body, url: request.url });
        return new HttpResponse('ok');
      }),
    );
    const { notifier } = make(SLACK_WEBHOOK_ENV);
    notifier.notify('refused', { card: mentionCard({ url: undefined }) });
    await notifier.flush();
    expect(refused).toBe(1);
    expect(captured[0]!.body.blocks).toBeUndefined();
    expectAllInert(['slack']);
    expect(unescapeSlack(captured[0]!.body.text)).toContain('<@U0123ABCD>');
  });

  it('format=text Apprise destinations (no cards) send the card as escaped text', async () => {
    const { notifier } = make({});
    notifier.notify('plain', {
      card: mentionCard({ url: undefined }),
      to: `slack://T0AAAAAAA/B0BBBBBBB/abcdefghijklmnopqrstuvwx?format=text slack://${SLACK_BOT_TOKEN}/#alerts?format=text`,
    });
    await notifier.flush();
    expectAllInert(['slack', 'slack-bot']);
    for (const c of captured) expect(c.body.blocks).toBeUndefined();
  });
});

describe('mentions never ping: what Herald writes itself', () => {
  it("the notice about a disabled destination quotes the platform's answer, escaped / with mentions off", async () => {
    mswServer.use(
      http.post('https://discord.com/api/v10/webhooks/:id/:token', () =>
        HttpResponse.json({ message: 'Unknown Webhook <!channel> @everyone', code: 10015 }, { status: 404 }),
      ),
    );
    const { notifier } = make({ ...SLACK_WEBHOOK_ENV, ...SLACK_BOT_ENV, ...DISCORD_WEBHOOK_ENV, ...DISCORD_BOT_ENV });
    notifier.log('first');
    await notifier.flush();
    const notices = captured.filter((c) => /stopped sending/.test(String(c.body.text ?? c.body.content ?? '')));
    expect(notices.map((c) => c.platform).sort()).toEqual(['discord-bot', 'slack', 'slack-bot']);
    expectAllInert(['slack', 'slack-bot', 'discord-bot']);
  });

  it('the note for a target that cannot be used (it quotes the target) is escaped / with mentions off', async () => {
    const { notifier } = make(EVERY_KIND);
    notifier.log('to nowhere', '<!channel>@everyone');
    notifier.log('to nowhere 2', 'https://example.com/<!here>/@everyone');
    await notifier.flush();
    expect(slackVisible('slack')).toMatch(/⚠️ log target/);
    expectAllInert(['slack', 'slack-bot', 'discord', 'discord-bot']);
  });
});

describe('mentions never ping: a card URL that is not a web link (Slack)', () => {
  // A card's `url` in `<url|label>` would make `!channel` an @channel mention and `@U0123ABCD`
  // a user mention: only a web link becomes a link; anything else is shown as escaped text.
  it('notify({ card: { url: "!channel" } }) must not produce <!channel|…> in a Slack block', async () => {
    const { notifier } = make({ ...SLACK_WEBHOOK_ENV, ...SLACK_BOT_ENV });
    notifier.notify('x', { card: fillCard({ url: '!channel' }) });
    notifier.notify('y', { card: fillCard({ url: '@U0123ABCD' }) });
    await notifier.flush();
    expectAllInert(['slack', 'slack-bot']);
  });
});
