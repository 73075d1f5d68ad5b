import { http, HttpResponse } from 'msw';
import { afterAll, describe, expect, it } from 'vitest';
import type { Channel, OutgoingPart, SendOutcome } from '../../src/channels/channel.js';
import type { Env } from '../../src/config/env.js';
import { createHttpClient } from '../../src/channels/http.js';
import { escapeSlack, parseAppriseSlack, slackDriver, slackLength, type SlackSpec } from '../../src/channels/slack.js';
import type { SlackBotSpec } from '../../src/channels/slack-bot.js';
import type { ChannelSpec } from '../../src/channels/driver.js';
import { createChannel } from '../../src/channels/registry.js';
import type { ConfigProblem } from '../../src/config/problems.js';
import type { RateLimits } from '../../src/delivery/rate-limits.js';
import { mswServer, sent, SLACK_BOT_TOKEN, SLACK_URL, useTestNotifiers, useMsw } from '../fixtures/platforms.js';

useMsw();
/** testNotifier, closed after each test (also when an assertion fails first). */
const make = useTestNotifiers();

const HOOK_URL = 'https://hooks.slack.com/services/:a/:b/:c';
const ADDRESS = 'T0AAAAAAA/B0BBBBBBB';
const SECRET = SLACK_URL.split('/').pop()!;
const slEnv = (url = SLACK_URL): Env => ({ GENERAL_SLACK_WEBHOOK: url });
const noLimits: RateLimits = { reserve: () => 0, observe: () => {}, block: () => {} };

const httpClient = createHttpClient();
afterAll(() => httpClient.close());

function channel(env: Env = slEnv(), role: 'GENERAL' | 'ERROR' = 'GENERAL'): Channel {
  const reading = slackDriver.fromEnv!(env, role);
  expect(reading.problems).toEqual([]);
  return slackDriver.create(reading.specs[0]!, { http: httpClient });
}

const part = (text: string): OutgoingPart => ({ text, level: 'info', silent: false });
const send = (c: Channel, text = 'hi'): Promise<SendOutcome> => c.send(part(text), new AbortController().signal);
const unescape = (s: string): string => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

function answer(status: number, body: string, headers: Record<string, string> = {}): void {
  mswServer.use(http.post(HOOK_URL, () => new HttpResponse(body, { status, headers: { 'content-type': 'text/plain', ...headers } })));
}

describe('Slack request', () => {
  it('escapes only & < > so <!channel> arrives inert; everything else is untouched', async () => {
    const { notifier } = make(slEnv());
    const original = '<!channel> <@U123> a & b > c < d *bold* _it_ ~s~ `code` "q" \'s\' 😀 é 漢 &amp;';
    notifier.log(original);
    await notifier.close();
    const [req] = sent('slack', ADDRESS);
    expect(req!.url).toBe(SLACK_URL);
    expect(req!.body).toEqual({ text: escapeSlack(original) });
    expect(req!.body.text).toBe('&lt;!channel&gt; &lt;@U123&gt; a &amp; b &gt; c &lt; d *bold* _it_ ~s~ `code` "q" \'s\' 😀 é 漢 &amp;amp;');
    expect(unescape(req!.body.text as string)).toBe(original);
  });

  it('sends no silent flag (incoming webhooks have none)', async () => {
    const { notifier } = make(slEnv());
    notifier.notify('quiet', { silent: true });
    await notifier.close();
    expect(sent('slack', ADDRESS)[0]!.body).toEqual({ text: 'quiet' });
  });

  it('splits 10,000 characters into parts whose escaped length is at most 3900', async () => {
    // Lines full of characters that grow when escaped, so the limit must count the escaped form.
    const original = Array.from({ length: 100 }, (_, i) => `${String(i).padStart(4, '0')} ${'&<>x'.repeat(23)}xx`).join('\n');
    expect(original.length).toBeGreaterThanOrEqual(9999);
    const { notifier } = make(slEnv(), { limits: noLimits });
    notifier.log(original);
    await notifier.close();
    const parts = sent('slack', ADDRESS).map((c) => c.body.text as string);
    expect(parts.length).toBeGreaterThan(3);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(3900);
    expect(parts.map(unescape).join('\n')).toBe(original);
  });

  it('slackLength is the escaped length', () => {
    for (const s of ['', 'plain', '<!here>', '&&&', 'a<b>c&d😀']) expect(slackLength(s)).toBe(escapeSlack(s).length);
  });
});

describe('Slack answer classification', () => {
  it('200 ok → ok', async () => {
    answer(200, 'ok');
    expect(await send(channel())).toEqual({ kind: 'ok' });
  });

  it('429 Retry-After: 3 → retry-after 3000 ms', async () => {
    answer(429, 'rate_limited', { 'retry-after': '3' });
    expect(await send(channel())).toMatchObject({ kind: 'retry-after', delayMs: 3000 });
  });

  it.each([
    [404, 'channel_not_found', /deleted or renamed/],
    [410, 'channel_is_archived', /unarchive/],
    [403, 'action_prohibited', /admin/],
    [403, '', /check the webhook URL/],
    [404, 'no_service', /removed|uninstalled/],
  ])('%i %s → dead, fix names the variable', async (status, body, hint) => {
    answer(status, body);
    const out = await send(channel());
    expect(out.kind).toBe('dead');
    if (out.kind !== 'dead') return;
    expect(out.reason).toContain(String(status));
    if (body) expect(out.reason).toContain(body);
    expect(out.fix).toMatch(hint);
    expect(out.fix).toContain('GENERAL_SLACK_WEBHOOK');
  });

  it('the fix names the variable the channel came from (ERROR role)', async () => {
    answer(404, 'channel_not_found');
    const out = await send(channel({ ERROR_SLACK_WEBHOOK: SLACK_URL }, 'ERROR'));
    expect(out.kind === 'dead' && out.fix).toContain('ERROR_SLACK_WEBHOOK');
  });

  it('400 no_text / invalid_payload → rejected', async () => {
    for (const code of ['no_text', 'invalid_payload']) {
      answer(400, code);
      const out = await send(channel());
      expect(out.kind).toBe('rejected');
      expect(out.kind === 'rejected' && out.reason).toContain(code);
    }
  });

  it('500 → transient', async () => {
    answer(500, 'internal_error');
    expect((await send(channel())).kind).toBe('transient');
  });

  it('a 200 whose body is not "ok" (a captive portal\'s page) → transient, never delivered', async () => {
    answer(200, '<html><body>Welcome to the guest network</body></html>');
    const out = await send(channel());
    expect(out.kind).toBe('transient');
    expect(out.kind === 'transient' && out.reason).toMatch(/^Slack answered 200 with a body that is not its API's answer/);
  });

  it('a network error → transient', async () => {
    mswServer.use(http.post(HOOK_URL, () => HttpResponse.error()));
    expect((await send(channel())).kind).toBe('transient');
  });
});

describe('Slack channel', () => {
  it('label and id do not contain the webhook secret', () => {
    const c = channel();
    expect(c.label).toContain(ADDRESS);
    expect(c.label).not.toContain(SECRET);
    expect(c.id).not.toContain(SECRET);
    expect(c.secrets).toEqual(expect.arrayContaining([SECRET, SLACK_URL]));
    expect(c.maxLength).toBe(3900);
  });
});

// ---------------------------------------------------------------------------------------------
// Target forms: ?thread_ts= on webhook URLs, Apprise slack:// URLs (webhook and bot forms).

const T = 'T1JJ3T3L2';
const B = 'A1BRTD4JD';
const X = 'TIiajkdnlazkcOXrIdevi7FQ';
const HOOK = `slack://${T}/${B}/${X}`;
const LOCAL_API = 'http://127.0.0.1:9/api';

function appriseSpecs(raw: string, env: Env = {}): ChannelSpec[] {
  const out = parseAppriseSlack(raw, env, 'log target');
  if (!Array.isArray(out)) throw new Error(`unexpected problem: ${JSON.stringify(out)}`);
  return out;
}

function appriseProblem(raw: string, env: Env = {}): ConfigProblem {
  const out = parseAppriseSlack(raw, env, 'log target');
  expect(Array.isArray(out), `${raw} should be refused`).toBe(false);
  return out as ConfigProblem;
}

/** Sends one part through a channel built from `spec`; returns the webhook request. */
async function wire(spec: ChannelSpec, p: OutgoingPart = part('hi')): Promise<{ url: string; body: Record<string, any> }> {
  const before = sent('slack').length;
  expect((await createChannel(spec, { http: httpClient }).send(p, new AbortController().signal)).kind).toBe('ok');
  const reqs = sent('slack');
  expect(reqs).toHaveLength(before + 1);
  return reqs[reqs.length - 1]!;
}

describe('Slack webhook ?thread_ts=', () => {
  it('goes into the body as thread_ts, not into the URL', async () => {
    const reading = slackDriver.fromEnv!(slEnv(`${SLACK_URL}?thread_ts=1700000000.123456`), 'GENERAL');
    expect(reading.problems).toEqual([]);
    const req = await wire(reading.specs[0]!);
    expect(req.url).toBe(SLACK_URL);
    expect(req.body).toEqual({ text: 'hi', thread_ts: '1700000000.123456' });
  });

  it('names the thread in the label and id (another destination than the channel itself)', () => {
    const c = channel(slEnv(`${SLACK_URL}?thread_ts=1700000000.123456`));
    expect(c.label).toContain('(thread 1700000000.123456)');
    expect(c.id).not.toBe(channel().id);
    expect(c.label).not.toContain(SECRET);
  });

  it('a thread_ts that is not a message timestamp → a problem naming the variable', () => {
    const reading = slackDriver.fromEnv!(slEnv(`${SLACK_URL}?thread_ts=yesterday`), 'GENERAL');
    expect(reading.specs).toEqual([]);
    expect(reading.problems).toEqual([
      expect.objectContaining({ variable: 'GENERAL_SLACK_WEBHOOK', message: 'thread_ts "yesterday" is not a message timestamp' }),
    ]);
  });
});

describe('slack://T/B/X (Apprise webhook form)', () => {
  it('→ the hooks.slack.com webhook; posts {text} there', async () => {
    const specs = appriseSpecs(HOOK);
    expect(specs).toEqual([{ driver: 'slack', origin: 'log target', url: `https://hooks.slack.com/services/${T}/${B}/${X}`, name: `${T}/${B}`, secret: X }]);
    const req = await wire(specs[0]!, part('a & b'));
    expect(req.url).toBe(`https://hooks.slack.com/services/${T}/${B}/${X}`);
    expect(req.body).toEqual({ text: 'a &amp; b' });
    expect(sent('slack', `${T}/${B}`)).toHaveLength(1);
  });

  it("the driver's targets.parse reads slack:// the same way", () => {
    expect(slackDriver.targets!.schemes).toContain('slack');
    expect(slackDriver.targets!.parse(HOOK, {}, 'log target')).toEqual(appriseSpecs(HOOK));
  });

  it('SLACK_API_BASE_URL set → the webhook goes to that origin (a local sandbox)', async () => {
    const urls: string[] = [];
    mswServer.use(
      http.post('http://127.0.0.1:9/services/:a/:b/:c', ({ request }) => {
        urls.push(request.url);
        return new HttpResponse('ok', { status: 200 });
      }),
    );
    const [spec] = appriseSpecs(HOOK, { SLACK_API_BASE_URL: LOCAL_API });
    expect((spec as SlackSpec).url).toBe(`http://127.0.0.1:9/services/${T}/${B}/${X}`);
    expect((await send(createChannel(spec!, { http: httpClient }))).kind).toBe('ok');
    expect(urls).toEqual([`http://127.0.0.1:9/services/${T}/${B}/${X}`]);
  });

  it('a SLACK_API_BASE_URL that is not usable → its problem (not a silent fall back to another host)', () => {
    for (const base of ['http://example.com/api', 'not a url']) {
      expect(appriseProblem(HOOK, { SLACK_API_BASE_URL: base }).variable, base).toBe('SLACK_API_BASE_URL');
    }
  });

  it('mode=gov-hook → hooks.slack-gov.com', () => {
    expect((appriseSpecs(`${HOOK}?mode=gov-hook`)[0] as SlackSpec).url).toBe(`https://hooks.slack-gov.com/services/${T}/${B}/${X}`);
  });

  it('slack://T/B/X/#channel:ts → channel and thread_ts in the body', async () => {
    const [spec] = appriseSpecs(`slack://notify@${T}/${B}/${X}/#alerts:1700000000.123456`);
    expect(spec).toMatchObject({ channel: '#alerts', threadTs: '1700000000.123456' });
    const req = await wire(spec!);
    expect(req.url).toBe(`https://hooks.slack.com/services/${T}/${B}/${X}`);
    expect(req.body).toEqual({ text: 'hi', channel: '#alerts', thread_ts: '1700000000.123456' });
  });

  it('several targets → one destination each: #name, bare name, +ID, @U…; ?to= adds more', () => {
    const specs = appriseSpecs(`${HOOK}/#alerts/fills/+C0123ABCD/@U024BE7LH/?to=#ops,reports`) as SlackSpec[];
    expect(specs.map((s) => s.channel)).toEqual(['#alerts', '#fills', 'C0123ABCD', 'U024BE7LH', '#ops', '#reports']);
    for (const s of specs) expect(s.url).toBe(`https://hooks.slack.com/services/${T}/${B}/${X}`);
    const ids = specs.map((s) => createChannel(s, { http: httpClient }).id);
    expect(new Set(ids).size).toBe(specs.length);
  });

  it('slack://?token=T/B/X&to=#chan → the webhook, with that channel', () => {
    expect(appriseSpecs(`slack://?token=${T}/${B}/${X}/&to=#chan`)).toEqual([
      expect.objectContaining({ driver: 'slack', url: `https://hooks.slack.com/services/${T}/${B}/${X}`, channel: '#chan' }),
    ]);
  });

  it('format=text → no blocks (the channel takes no cards)', () => {
    const [spec] = appriseSpecs(`${HOOK}?format=text`);
    expect(createChannel(spec!, { http: httpClient }).cards).toBeUndefined();
    expect(createChannel(appriseSpecs(HOOK)[0]!, { http: httpClient }).cards).toBeDefined();
  });

  it('GENERAL_SLACK_WEBHOOK and ERROR_SLACK_WEBHOOK accept slack://T/B/X', async () => {
    for (const role of ['GENERAL', 'ERROR'] as const) {
      const reading = slackDriver.fromEnv!({ [`${role}_SLACK_WEBHOOK`]: `${HOOK}/#alerts` }, role);
      expect(reading.problems).toEqual([]);
      expect(reading.specs).toEqual([expect.objectContaining({ driver: 'slack', origin: `${role}_SLACK_WEBHOOK`, channel: '#alerts' })]);
    }
    const reading = slackDriver.fromEnv!({ GENERAL_SLACK_WEBHOOK: HOOK }, 'GENERAL');
    expect((await wire(reading.specs[0]!)).url).toBe(`https://hooks.slack.com/services/${T}/${B}/${X}`);
  });

  it('GENERAL_SLACK_WEBHOOK refuses the bot form with a fix pointing to SLACK_BOT_TOKEN', () => {
    const reading = slackDriver.fromEnv!({ GENERAL_SLACK_WEBHOOK: `slack://${SLACK_BOT_TOKEN}/#alerts` }, 'GENERAL');
    expect(reading.specs).toEqual([]);
    expect(reading.problems).toHaveLength(1);
    const [p] = reading.problems;
    expect(p!.variable).toBe('GENERAL_SLACK_WEBHOOK');
    expect(p!.message).toMatch(/bot token, not a webhook/);
    expect(p!.fix).toContain('SLACK_BOT_TOKEN');
    expect(p!.fix).toContain('slack://T…/B…/…');
    expect(`${p!.message} ${p!.fix}`).not.toContain(SLACK_BOT_TOKEN);
  });

  it('GENERAL_SLACK_WEBHOOK with a malformed slack:// → a problem naming the variable', () => {
    const reading = slackDriver.fromEnv!({ GENERAL_SLACK_WEBHOOK: `slack://${T}/${B}/` }, 'GENERAL');
    expect(reading.problems).toEqual([expect.objectContaining({ variable: 'GENERAL_SLACK_WEBHOOK' })]);
  });
});

describe('slack://xoxb-… (Apprise bot form)', () => {
  it('slack://xoxb-…/#chan → a Slack bot channel; it posts chat.postMessage with the bearer token', async () => {
    const specs = appriseSpecs(`slack://${SLACK_BOT_TOKEN}/#alerts`);
    expect(specs).toHaveLength(1);
    expect(specs[0]).toMatchObject({ driver: 'slack-bot', origin: 'log target', token: SLACK_BOT_TOKEN, baseUrl: 'https://slack.com/api', channel: 'alerts' });
    expect(specs[0]).not.toHaveProperty('threadTs');
    expect((await send(createChannel(specs[0]!, { http: httpClient }))).kind).toBe('ok');
    const [req] = sent('slack-bot');
    expect(req!.authorization).toBe(`Bearer ${SLACK_BOT_TOKEN}`);
    expect(req!.body).toMatchObject({ channel: 'alerts', text: 'hi' });
  });

  it('no channel → #general (as Apprise does)', () => {
    expect(appriseSpecs(`slack://${SLACK_BOT_TOKEN}`)).toEqual([expect.objectContaining({ driver: 'slack-bot', channel: 'general' })]);
    expect(appriseSpecs(`slack://${SLACK_BOT_TOKEN}/`)).toEqual([expect.objectContaining({ channel: 'general' })]);
  });

  it('several targets and threads: #name:ts, bare names, +ID, @U…, ?to=', () => {
    const specs = appriseSpecs(`slack://herald@${SLACK_BOT_TOKEN}/#general:1234.5678/fills/+C0123ABCD/@U024BE7LH?to=#ops`) as SlackBotSpec[];
    expect(specs.map((s) => [s.channel, s.threadTs])).toEqual([
      ['general', '1234.5678'],
      ['fills', undefined],
      ['C0123ABCD', undefined],
      ['U024BE7LH', undefined],
      ['ops', undefined],
    ]);
  });

  it('slack://?token=xoxb-…&to=#chan, and the rotating xoxe.xoxb- form', () => {
    expect(appriseSpecs(`slack://?token=${SLACK_BOT_TOKEN}&to=#nuxref`)).toEqual([
      expect.objectContaining({ driver: 'slack-bot', token: SLACK_BOT_TOKEN, channel: 'nuxref' }),
    ]);
    expect(appriseSpecs('slack://xoxe.xoxb-1234-1234-abc124def0/#nuxref')).toEqual([
      expect.objectContaining({ driver: 'slack-bot', token: 'xoxe.xoxb-1234-1234-abc124def0' }),
    ]);
  });

  it('format=text → plain (text without blocks)', () => {
    const [spec] = appriseSpecs(`slack://${SLACK_BOT_TOKEN}/#alerts?format=text`);
    expect(spec).toMatchObject({ plain: true });
    expect(createChannel(spec!, { http: httpClient }).cards).toBeUndefined();
  });

  it("SLACK_API_BASE_URL is the bot's API base", () => {
    expect(appriseSpecs(`slack://${SLACK_BOT_TOKEN}/#a`, { SLACK_API_BASE_URL: LOCAL_API })).toEqual([expect.objectContaining({ baseUrl: LOCAL_API })]);
  });

  it('a SLACK_API_BASE_URL that is not usable → its problem (not a silent fall back to slack.com)', () => {
    expect(appriseProblem(`slack://${SLACK_BOT_TOKEN}/#a`, { SLACK_API_BASE_URL: 'http://example.com/api' }).variable).toBe('SLACK_API_BASE_URL');
  });
});

describe('slack:// forms Herald refuses', () => {
  it.each([
    [`slack://${T}/Ft07XXXX/XXXXXXXX/YYYYYYYY/?mode=workflow`, /workflow and trigger URLs are not supported/],
    [`slack://${T}/XXXXXXXX/YYYYYYYY/?mode=trigger`, /not supported/],
    [`slack://${T}/${B}/TIiajkdnl/user@gmail.com`, /email targets need a bot token/],
    [`slack://${SLACK_BOT_TOKEN}/user@example.com`, /email targets are not supported/],
    [`${HOOK}/#b:bad`, /"bad" is not a thread timestamp/],
    [`${HOOK}/#$`, /not a Slack channel/],
    ['slack://', /three parts/],
    [`slack://${T}`, /three parts/],
    [`slack://${T}/${B}/`, /three parts/],
    [`slack://${T}/${B}/TIiajkdn_lazk`, /letters and digits/],
    [`slack://username@-INVALID-/${B}/${X}/#cool`, /letters and digits/],
    [`slack://?token=${T}/${B}/${X}/&to=#chan&mode=bot`, /not a Slack bot token/],
  ])('%s → a problem (%s)', (raw, message) => {
    const p = appriseProblem(raw);
    expect(p.variable).toBe('log target');
    expect(p.message).toMatch(message);
    expect(p.fix).toBeTruthy();
  });

  it.each([
    ['an xoxq- token', 'xoxq-1234-abcdefghijkl'],
    ['a too-short xoxb-', 'xoxb-1234'],
  ])('%s → a problem about the token that does not show it', (_what, token) => {
    const p = appriseProblem(`slack://${token}/#alerts`);
    expect(p.message).toMatch(/^in the slack:\/\/ URL, /);
    expect(p.fix).toMatch(/Bot User OAuth Token/);
    expect(`${p.message} ${p.fix}`).not.toContain(token);
  });

  it('an app-level token (xapp-…) is refused too, without showing it', () => {
    const token = 'xapp-1-A0123456789-1234567890123-0123456789abcdef';
    const p = appriseProblem(`slack://${token}/#alerts`);
    expect(`${p.message} ${p.fix}`).not.toContain(token.slice(7));
    // Named for what it is, with where the bot token is instead.
    expect(p.message).toBe('in the slack:// URL, this is an app-level token (xapp-…), which cannot post messages');
    expect(p.fix).toContain('Bot User OAuth Token (xoxb-…)');
  });
});
