/** Slack bot-token driver: chat.postMessage on the wire, every answer class, token and channel checks. */
import { http, HttpResponse } from 'msw';
import { afterAll, describe, expect, it } from 'vitest';
import { cardText } from '../../src/channels/card.js';
import type { Channel, OutgoingPart, SendOutcome } from '../../src/channels/channel.js';
import type { BotAccount } from '../../src/channels/driver.js';
import { createHttpClient } from '../../src/channels/http.js';
import { createChannel } from '../../src/channels/registry.js';
import {
  checkSlackBotToken,
  parseSlackChannel,
  SLACK_API_DEFAULT_BASE,
  slackBotDriver,
  slackBotSpec,
  type SlackBotSpec,
} from '../../src/channels/slack-bot.js';
import { escapeSlack, slackBlocks } from '../../src/channels/slack-format.js';
import type { Env } from '../../src/config/env.js';
import type { ConfigProblem } from '../../src/config/problems.js';
import { maskSecret } from '../../src/config/redact.js';
import { fillCard } from '../fixtures/cards.js';
import { mswServer, sent, SLACK_BOT_TOKEN, SLACK_URL, useMsw } from '../fixtures/platforms.js';

useMsw();

const API = 'https://slack.com/api/chat.postMessage';
const TOKEN_VAR = 'SLACK_BOT_TOKEN';
const CHANNEL_VAR = 'SLACK_DEFAULT_CHANNEL';
const OTHER_TOKEN = 'xoxb-9999999999-8888888888888-ZyXwVuTsRqPoNmLkJiHgFeDc';

const httpClient = createHttpClient();
afterAll(() => httpClient.close());

function account(env: Env = {}, token = SLACK_BOT_TOKEN): BotAccount {
  const a = slackBotDriver.bot!.account(env, token, TOKEN_VAR);
  if (!('driver' in a)) throw new Error(`unexpected problems: ${JSON.stringify(a)}`);
  return a;
}

function spec(channel = '#alerts', acct = account(), plain = false): SlackBotSpec {
  const s = slackBotSpec(acct, channel, CHANNEL_VAR, plain);
  if (!('driver' in s)) throw new Error(s.message);
  return s;
}

const channel = (channelText = '#alerts', acct = account()): Channel => createChannel(spec(channelText, acct), { http: httpClient });
const part = (text: string, extra: Partial<OutgoingPart> = {}): OutgoingPart => ({ text, level: 'info', silent: false, ...extra });
const send = (c: Channel, p: OutgoingPart = part('hi')): Promise<SendOutcome> => c.send(p, new AbortController().signal);

/** Slack answers every chat.postMessage with `body` (HTTP `status`, default 200). */
function answer(body: unknown, status = 200, headers: Record<string, string> = {}): void {
  mswServer.use(
    http.post(API, () =>
      typeof body === 'string' ? new HttpResponse(body, { status, headers }) : HttpResponse.json(body as Record<string, unknown>, { status, headers }),
    ),
  );
}

describe('Slack bot request', () => {
  it('POSTs chat.postMessage with the bearer token and the exact JSON body', async () => {
    expect(await send(channel('#alerts'), part('filled 1 BTC'))).toEqual({ kind: 'ok' });
    const [req] = sent('slack-bot');
    expect(req!.url).toBe(API);
    expect(req!.authorization).toBe(`Bearer ${SLACK_BOT_TOKEN}`);
    expect(req!.body).toEqual({ channel: 'alerts', text: 'filled 1 BTC', unfurl_links: false, unfurl_media: false });
  });

  it('sends JSON with charset=utf-8 (Slack warns missing_charset otherwise)', async () => {
    const types: (string | null)[] = [];
    mswServer.use(
      http.post(API, ({ request }) => {
        types.push(request.headers.get('content-type'));
        return HttpResponse.json({ ok: true });
      }),
    );
    await send(channel());
    expect(types).toEqual(['application/json; charset=utf-8']);
  });

  it('escapes & < > in the text so <!channel> cannot ping', async () => {
    await send(channel(), part('<!channel> a & b > c <@U123>'));
    expect(sent('slack-bot')[0]!.body.text).toBe('&lt;!channel&gt; a &amp; b &gt; c &lt;@U123&gt;');
  });

  it('posts into a thread: thread_ts in the body', async () => {
    await send(channel('#alerts:1700000000.123456'));
    expect(sent('slack-bot')[0]!.body).toEqual({ channel: 'alerts', text: 'hi', unfurl_links: false, unfurl_media: false, thread_ts: '1700000000.123456' });
  });

  it('addresses a channel id as the id, without #', async () => {
    await send(channel('C0123ABCD'));
    expect(sent('slack-bot')[0]!.body.channel).toBe('C0123ABCD');
  });

  it('cards → blocks, with the part text (escaped) as the notification fallback', async () => {
    const cards = [fillCard(), fillCard({ title: 'second & <b>', tone: 'bad' })];
    expect(await send(channel(), part('✅ FILLED & more', { cards }))).toEqual({ kind: 'ok' });
    const [req] = sent('slack-bot');
    expect(req!.body.blocks).toEqual(slackBlocks(cards));
    expect(req!.body.text).toBe('✅ FILLED &amp; more');
    expect(req!.body.channel).toBe('alerts');
    expect(req!.body.unfurl_links).toBe(false);
  });

  it('a silent part is sent like any other (Slack has no silent flag)', async () => {
    await send(channel(), part('quiet', { silent: true }));
    expect(sent('slack-bot')[0]!.body).toEqual({ channel: 'alerts', text: 'quiet', unfurl_links: false, unfurl_media: false });
  });

  it('SLACK_API_BASE_URL (a loopback server) is where it posts', async () => {
    const urls: string[] = [];
    mswServer.use(
      http.post('http://127.0.0.1:9/api/chat.postMessage', ({ request }) => {
        urls.push(request.url);
        return HttpResponse.json({ ok: true });
      }),
    );
    const c = channel('#alerts', account({ SLACK_API_BASE_URL: 'http://127.0.0.1:9/api/' }));
    expect(await send(c)).toEqual({ kind: 'ok' });
    expect(urls).toEqual(['http://127.0.0.1:9/api/chat.postMessage']);
  });
});

describe('Slack bot answers', () => {
  it('HTTP 200 { ok: true } → ok', async () => {
    answer({ ok: true, channel: 'C1', ts: '1.2' });
    expect(await send(channel())).toEqual({ kind: 'ok' });
  });

  it.each([
    ['channel_not_found', /\/invite/],
    ['not_in_channel', /\/invite @your-bot in #alerts.*chat:write\.public/],
    ['is_archived', /unarchive #alerts/],
  ])('200 { ok: false, error: %s } → dead for this channel only (no group scope)', async (error, fix) => {
    answer({ ok: false, error });
    const out = await send(channel());
    expect(out.kind).toBe('dead');
    if (out.kind !== 'dead') return;
    expect(out.scope).toBeUndefined();
    expect(out.reason).toContain(error);
    expect(out.reason).toContain('#alerts');
    expect(out.fix).toMatch(fix);
  });

  it('restricted_action_* variants → dead for the channel, with an admin fix', async () => {
    answer({ ok: false, error: 'restricted_action_non_threadable_channel' });
    const out = await send(channel());
    expect(out).toMatchObject({ kind: 'dead' });
    expect(out.kind === 'dead' && out.scope).toBeUndefined();
    expect(out.kind === 'dead' && out.fix).toMatch(/admin/);
  });

  it.each(['invalid_auth', 'token_revoked', 'account_inactive', 'not_authed', 'token_expired'])(
    '200 { ok: false, error: %s } → dead with scope group (every channel of the bot stops)',
    async (error) => {
      answer({ ok: false, error });
      const out = await send(channel());
      expect(out.kind).toBe('dead');
      if (out.kind !== 'dead') return;
      expect(out.scope).toBe('group');
      expect(out.reason).toContain(error);
      expect(out.fix).toBeTruthy();
    },
  );

  it('the fix for a dead token names the token variable (SLACK_BOT_TOKEN), not the channel variable', async () => {
    for (const error of ['invalid_auth', 'token_revoked', 'missing_scope']) {
      answer({ ok: false, error, needed: 'chat:write' });
      const out = await send(channel());
      expect(out.kind === 'dead' && out.fix, error).toContain(TOKEN_VAR);
      expect(out.kind === 'dead' && out.fix, error).not.toContain(CHANNEL_VAR);
    }
  });

  it('missing_scope with needed → dead (group); the reason and fix name the scope', async () => {
    answer({ ok: false, error: 'missing_scope', needed: 'chat:write.public', provided: 'chat:write' });
    const out = await send(channel());
    expect(out.kind).toBe('dead');
    if (out.kind !== 'dead') return;
    expect(out.scope).toBe('group');
    expect(out.reason).toContain('chat:write.public');
    expect(out.fix).toContain('add chat:write.public');
    expect(out.fix).toMatch(/reinstall/);
  });

  it('missing_scope without needed → the fix names chat:write', async () => {
    answer({ ok: false, error: 'missing_scope' });
    const out = await send(channel());
    expect(out.kind === 'dead' && out.fix).toContain('chat:write');
  });

  it('HTTP 200 ratelimited with Retry-After: 7 → retry-after 7000 ms', async () => {
    answer({ ok: false, error: 'ratelimited' }, 200, { 'retry-after': '7' });
    expect(await send(channel())).toEqual({ kind: 'retry-after', delayMs: 7000, reason: 'Slack ratelimited' });
  });

  it('HTTP 200 rate_limited without Retry-After → retry-after (a default wait)', async () => {
    answer({ ok: false, error: 'rate_limited' });
    const out = await send(channel());
    expect(out.kind).toBe('retry-after');
    expect(out.kind === 'retry-after' && out.delayMs).toBeGreaterThan(0);
  });

  it('HTTP 429 with Retry-After: 30 → retry-after 30000 ms exactly', async () => {
    answer({ ok: false, error: 'ratelimited' }, 429, { 'retry-after': '30' });
    const out = await send(channel());
    expect(out.kind).toBe('retry-after');
    expect(out.kind === 'retry-after' && out.delayMs).toBe(30_000);
  });

  it('HTTP 429 with a non-JSON body still reads Retry-After', async () => {
    answer('slow down', 429, { 'retry-after': '2' });
    expect(await send(channel())).toMatchObject({ kind: 'retry-after', delayMs: 2000 });
  });

  it.each(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout'])('200 { ok: false, error: %s } → transient', async (error) => {
    answer({ ok: false, error });
    const out = await send(channel());
    expect(out.kind).toBe('transient');
    expect(out.kind === 'transient' && out.reason).toContain(error);
  });

  it('HTTP 500/503 with an HTML page → transient', async () => {
    for (const status of [500, 503]) {
      answer('<html>oops</html>', status);
      expect((await send(channel())).kind).toBe('transient');
    }
  });

  it('a network error → transient', async () => {
    mswServer.use(http.post(API, () => HttpResponse.error()));
    expect((await send(channel())).kind).toBe('transient');
  });

  it('an unknown error → rejected, naming it', async () => {
    answer({ ok: false, error: 'something_new' });
    expect(await send(channel())).toEqual({ kind: 'rejected', reason: 'Slack refused the message: something_new' });
  });

  it('{ ok: false } without an error → rejected', async () => {
    answer({ ok: false });
    expect((await send(channel())).kind).toBe('rejected');
  });

  it.each(['invalid_blocks', 'invalid_blocks_format', 'msg_blocks_too_long'])(
    '%s → the same part is resent as text without blocks, and delivered',
    async (error) => {
      const bodies: Record<string, any>[] = [];
      mswServer.use(
        http.post(API, async ({ request }) => {
          const body = (await request.json()) as Record<string, any>;
          bodies.push(body);
          return HttpResponse.json(body.blocks ? { ok: false, error } : { ok: true });
        }),
      );
      const cards = [fillCard({ title: 'A & <b>' }), fillCard({ title: 'B', tone: 'bad' })];
      expect(await send(channel('#alerts:1700000000.123456'), part('summary', { cards }))).toEqual({ kind: 'ok' });
      expect(bodies).toHaveLength(2);
      expect(bodies[0]!.blocks).toEqual(slackBlocks(cards));
      expect(bodies[1]).not.toHaveProperty('blocks');
      // The words of every card, escaped, in the same channel and thread.
      expect(bodies[1]!.text).toBe(escapeSlack(cards.map(cardText).join('\n\n')));
      expect(bodies[1]).toMatchObject({ channel: 'alerts', thread_ts: '1700000000.123456', unfurl_links: false });
    },
  );

  it('invalid_blocks on a part without cards is not retried (nothing to fall back to) → rejected', async () => {
    let requests = 0;
    mswServer.use(
      http.post(API, () => {
        requests++;
        return HttpResponse.json({ ok: false, error: 'invalid_blocks' });
      }),
    );
    expect((await send(channel())).kind).toBe('rejected');
    expect(requests).toBe(1);
  });

  it('when the text fallback is refused too, the second answer is the outcome (no loop)', async () => {
    let requests = 0;
    mswServer.use(
      http.post(API, () => {
        requests++;
        return HttpResponse.json({ ok: false, error: requests === 1 ? 'invalid_blocks' : 'msg_too_long' });
      }),
    );
    const out = await send(channel(), part('x', { cards: [fillCard()] }));
    expect(requests).toBe(2);
    expect(out).toEqual({ kind: 'rejected', reason: 'Slack refused the message: msg_too_long' });
  });
});

describe('Slack bot token checks', () => {
  it('accepts bot (xoxb-), user (xoxp-) and rotating (xoxe.xoxb-) tokens', () => {
    for (const t of [SLACK_BOT_TOKEN, 'xoxp-1111111111-2222222222-3333333333-abcdef', 'xoxe.xoxb-1-ABCDEFGHIJKLMNOP'])
      expect(checkSlackBotToken(t, TOKEN_VAR), t).toBeUndefined();
  });

  const bad: [string, string, RegExp][] = [
    ['an app-level token', 'xapp-1-A0123456789-1234567890123-0123456789abcdef0123456789abcdef', /app-level token \(xapp-…\)/],
    ['a webhook URL', SLACK_URL, /incoming-webhook URL, not a bot token/],
    ['garbage', 'not-a-token-at-all-0123456789', /is not a Slack bot token \(expected xoxb-…\)/],
    ['a token with "Bearer "', `Bearer ${SLACK_BOT_TOKEN}`, /is not a Slack bot token/],
    ['a too-short xoxb-', 'xoxb-123', /is not a Slack bot token/],
    ['a Discord bot token', 'MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd', /is not a Slack bot token/],
  ];

  it.each(bad)('%s → a problem naming the variable, with a fix', (_what, token, message) => {
    const p = checkSlackBotToken(token, TOKEN_VAR)!;
    expect(p).toBeDefined();
    expect(p.variable).toBe(TOKEN_VAR);
    expect(p.message).toMatch(message);
    expect(p.fix).toMatch(/Bot User OAuth Token|GENERAL_SLACK_WEBHOOK/);
  });

  it.each(bad)('%s: neither the message nor the fix contains the token', (_what, token) => {
    const p = checkSlackBotToken(token, TOKEN_VAR)!;
    const secretTail = token.slice(4);
    for (const text of [p.message, p.fix]) {
      expect(text).not.toContain(token);
      expect(text).not.toContain(secretTail);
    }
  });

  it('the webhook URL hint sends it to GENERAL_SLACK_WEBHOOK', () => {
    expect(checkSlackBotToken(SLACK_URL, TOKEN_VAR)!.fix).toContain('GENERAL_SLACK_WEBHOOK');
  });

  it('bot.account: problems for a bad token and a bad SLACK_API_BASE_URL, all at once', () => {
    const out = slackBotDriver.bot!.account({ SLACK_API_BASE_URL: 'http://example.com/api' }, 'xapp-1-A1-2-abc', TOKEN_VAR) as readonly ConfigProblem[];
    expect(Array.isArray(out)).toBe(true);
    expect(out.map((p) => p.variable).sort()).toEqual(['SLACK_API_BASE_URL', TOKEN_VAR]);
    expect(JSON.stringify(out)).not.toContain('xapp-1-A1-2-abc');
  });

  it('bot.account: a good token gives the account with the default API base', () => {
    expect(account()).toEqual({ driver: 'slack-bot', origin: TOKEN_VAR, token: SLACK_BOT_TOKEN, baseUrl: SLACK_API_DEFAULT_BASE });
  });
});

describe('parseSlackChannel', () => {
  it.each([
    ['alerts', { channel: 'alerts' }],
    ['#alerts', { channel: 'alerts' }],
    ['  #alerts  ', { channel: 'alerts' }],
    ['C0123ABCD', { channel: 'C0123ABCD' }],
    ['+C0123ABCD', { channel: 'C0123ABCD' }],
    ['#C0123ABCD', { channel: 'C0123ABCD' }],
    ['G01ABCDEFGH', { channel: 'G01ABCDEFGH' }],
    ['@U0123ABCD', { channel: 'U0123ABCD' }],
    ['#alerts:1700000000.123456', { channel: 'alerts', threadTs: '1700000000.123456' }],
    ['C0123ABCD:1700000000.000100', { channel: 'C0123ABCD', threadTs: '1700000000.000100' }],
    ['Alerts', { channel: 'alerts' }],
    ['#Trading-Alerts_2', { channel: 'trading-alerts_2' }],
  ])('%s → %o', (raw, expected) => {
    expect(parseSlackChannel(raw)).toEqual(expected);
  });

  it.each([
    ['#alerts:abc', /"abc" is not a thread timestamp/],
    ['#alerts:1700000000', /not a thread timestamp/],
    ['#alerts:', /not a thread timestamp/],
    ['my alerts', /no spaces/],
    ['#my alerts', /no spaces/],
    ['@alice', /needs the user's id/],
    ['+alerts', /not a channel id/],
    ['', /not a Slack channel/],
    ['#al$rts', /not a Slack channel/],
  ])('%s → refused (%s)', (raw, message) => {
    const out = parseSlackChannel(raw);
    expect('message' in out && out.message).toMatch(message);
  });

  it('slackBotSpec turns a refusal into a problem naming the channel variable, with the forms in the fix', () => {
    const p = slackBotSpec(account(), 'my alerts', CHANNEL_VAR);
    expect(p).toMatchObject({ variable: CHANNEL_VAR });
    expect('fix' in p && p.fix).toContain('alerts or #alerts');
    expect('fix' in p && p.fix).toContain(':<thread_ts>');
  });
});

describe('Slack bot channel', () => {
  it('label: masked token, channel and thread; no more of the token than its masked prefix', () => {
    const masked = maskSecret(SLACK_BOT_TOKEN);
    const c = channel('#alerts:1700000000.123456');
    expect(c.label).toBe(`Slack bot ${masked} → #alerts (thread 1700000000.123456)`);
    expect(channel('C0123ABCD').label).toBe(`Slack bot ${masked} → C0123ABCD`);
    expect(slackBotDriver.bot!.label(account())).toBe(`Slack bot ${masked}`);
    const shown = masked.replace('…', '');
    expect(shown.length).toBeLessThan(SLACK_BOT_TOKEN.length / 2);
    for (const x of [c.label, c.id, c.group!, slackBotDriver.bot!.label(account()), ...c.buckets().map((b) => b.key)]) {
      expect(x).not.toContain(SLACK_BOT_TOKEN.slice(0, shown.length + 1));
      expect(x).not.toContain(SLACK_BOT_TOKEN.slice(-16));
    }
    expect(c.secrets).toEqual([SLACK_BOT_TOKEN]);
  });

  it('channels of one bot share a group and differ in id; another token is another group', () => {
    const a = channel('#alerts');
    const b = channel('#fills');
    const other = channel('#alerts', account({}, OTHER_TOKEN));
    expect(a.group).toBe(b.group);
    expect(a.id).not.toBe(b.id);
    expect(other.group).not.toBe(a.group);
    expect(other.id).not.toBe(a.id);
    expect(channel('#alerts:1700000000.123456').id).not.toBe(a.id);
  });

  it('one ~1/s bucket per channel', () => {
    const a = channel('#alerts').buckets();
    const b = channel('#fills').buckets();
    expect(a).toHaveLength(1);
    expect(a[0]!.key).not.toBe(b[0]!.key);
    expect(a[0]!.key).not.toContain(SLACK_BOT_TOKEN);
  });

  it('shows cards, unless the spec is plain (Apprise format=text)', () => {
    expect(channel().cards).toBeDefined();
    expect(createChannel(spec('#alerts', account(), true), { http: httpClient }).cards).toBeUndefined();
    expect(channel().maxLength).toBe(3900);
  });
});

describe('channel names written in capitals', () => {
  it('#DEPLOYMENTS is a name (ids carry digits), #C0123ABCD an id', () => {
    expect(parseSlackChannel('#DEPLOYMENTS')).toEqual({ channel: 'deployments' });
    expect(parseSlackChannel('#C0123ABCD')).toEqual({ channel: 'C0123ABCD' });
    expect(parseSlackChannel('GENERALCHAT')).toEqual({ channel: 'generalchat' });
  });
});
