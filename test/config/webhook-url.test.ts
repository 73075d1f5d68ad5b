import { describe, expect, it } from 'vitest';
import { discordDriver } from '../../src/channels/discord.js';
import { displayUrl, isLoopbackHost } from '../../src/config/urls.js';
import { WEBHOOKS } from '../../src/channels/registry.js';
import { slackDriver } from '../../src/channels/slack.js';
import type { ConfigProblem } from '../../src/config/problems.js';
import { isProblem, parseWebhookUrl, readWebhookVariable } from '../../src/config/webhook-url.js';
import { readingOf } from '../../src/channels/driver.js';
import { DISCORD_URL, SLACK_URL } from '../fixtures/platforms.js';

const DISCORD_SECRET = DISCORD_URL.split('/').pop()!;
const SLACK_SECRET = SLACK_URL.split('/').pop()!;

function problem(raw: string, origin = 'MY_HOOK'): ConfigProblem {
  const r = parseWebhookUrl(raw, origin, WEBHOOKS);
  if (!isProblem(r)) throw new Error(`expected a problem for ${raw}, got ${JSON.stringify(r)}`);
  return r;
}

describe('parseWebhookUrl', () => {
  it('tells Discord and Slack apart by host and path', () => {
    expect(parseWebhookUrl(DISCORD_URL, 'X', WEBHOOKS)).toMatchObject({
      driver: 'discord',
      origin: 'X',
      webhookId: '111222333444555666',
      token: DISCORD_SECRET,
    });
    expect(parseWebhookUrl(SLACK_URL, 'Y', WEBHOOKS)).toMatchObject({ driver: 'slack', origin: 'Y', name: 'T0AAAAAAA/B0BBBBBBB', secret: SLACK_SECRET });
  });

  it('accepts surrounding whitespace', () => {
    expect(parseWebhookUrl(`  ${DISCORD_URL}\n`, 'X', WEBHOOKS)).toMatchObject({ driver: 'discord' });
  });

  it('accepts plain http on loopback hosts, where only the path tells platforms apart', () => {
    // Discord URLs are pinned to API v10 (retry_after in seconds); the rest of the URL is kept.
    expect(parseWebhookUrl('http://127.0.0.1:8080/api/webhooks/1/abc', 'X', WEBHOOKS)).toMatchObject({
      driver: 'discord',
      url: 'http://127.0.0.1:8080/api/v10/webhooks/1/abc',
    });
    expect(parseWebhookUrl('http://localhost:9/services/T1/B2/c3', 'X', WEBHOOKS)).toMatchObject({
      driver: 'slack',
      url: 'http://localhost:9/services/T1/B2/c3',
    });
    expect(parseWebhookUrl('http://[::1]:9/api/v10/webhooks/1/abc', 'X', WEBHOOKS)).toMatchObject({ driver: 'discord' });
  });

  it('accepts a URL an environment kept in quotes, as the bot variables do', () => {
    expect(parseWebhookUrl(`"${DISCORD_URL}"`, 'X', WEBHOOKS)).toMatchObject({ driver: 'discord', token: DISCORD_SECRET });
    expect(parseWebhookUrl(` '${SLACK_URL}'\r\n`, 'Y', WEBHOOKS)).toMatchObject({ driver: 'slack', secret: SLACK_SECRET });
  });

  it('rejects plain http elsewhere, naming the variable, with a fix', () => {
    const p = problem(DISCORD_URL.replace('https:', 'http:'), 'GENERAL_DISCORD_WEBHOOK');
    expect(p.variable).toBe('GENERAL_DISCORD_WEBHOOK');
    expect(p.message).toMatch(/not https/);
    expect(p.fix).toMatch(/https/);
    expect(p.message).not.toContain(DISCORD_SECRET);
  });

  it('rejects a string that is not a URL without echoing its secret', () => {
    const p = problem(`discord.com/api/webhooks/1/${DISCORD_SECRET}`);
    expect(p.message).toMatch(/not a URL/);
    expect(p.fix).toContain('discord.com/api/webhooks');
    expect(p.message).not.toContain(DISCORD_SECRET);
  });

  it('rejects an https URL of an unknown host or path', () => {
    for (const raw of ['https://example.com/api/webhooks/1/abc', 'https://discord.com/channels/1/2', 'https://hooks.slack.com/workflows/T1/A2/3/abc']) {
      const p = problem(raw);
      expect(p.message).toMatch(/is not a Discord webhook .* or a Slack incoming webhook/);
      expect(p.fix).toMatch(/copy the webhook URL again/);
    }
  });

  it("with a single platform allowed, the other platform's URL is a problem that hides its secret", () => {
    const r = parseWebhookUrl(SLACK_URL, 'GENERAL_DISCORD_WEBHOOK', [discordDriver.webhook!]);
    expect(isProblem(r)).toBe(true);
    const p = r as ConfigProblem;
    expect(p.message).toMatch(/not a Discord webhook/);
    expect(p.message).not.toContain(SLACK_SECRET);
  });
});

describe('a mistyped webhook URL is shown by its host and first path segment only', () => {
  const ID = '111222333444555666';
  const cases: readonly (readonly [string, string, string])[] = [
    ['/api/webhook/ for /api/webhooks/', `https://discord.com/api/webhook/${ID}/${DISCORD_SECRET}`, '"https://discord.com/api/…"'],
    ['/service/ for /services/', `https://hooks.slack.com/service/T0AAAAAAA/B0BBBBBBB/${SLACK_SECRET}`, '"https://hooks.slack.com/service/…"'],
    ['a missing /api', `https://discord.com/webhooks/${ID}/${DISCORD_SECRET}`, '"https://discord.com/webhooks/…"'],
    ['a wrong host with the right path', `https://discord.co/api/webhooks/${ID}/${DISCORD_SECRET}`, '"https://discord.co/api/…"'],
    ['a query and a fragment', `https://example.com/hook?secret=${SLACK_SECRET}#${DISCORD_SECRET}`, '"https://example.com/hook/…"'],
  ];
  for (const [name, raw, shown] of cases) {
    it(`${name}: ${shown}, no id, no secret`, () => {
      const p = problem(raw, 'GENERAL_DISCORD_WEBHOOK');
      expect(p.message).toBe(
        `${shown} is not a Discord webhook (https://discord.com/api/webhooks/{id}/{token}) or a Slack incoming webhook (https://hooks.slack.com/services/T…/B…/…)`,
      );
      for (const secret of [ID, DISCORD_SECRET, SLACK_SECRET, 'T0AAAAAAA', 'B0BBBBBBB']) expect(p.message + p.fix).not.toContain(secret);
    });
  }

  it('displayUrl: scheme, credentials masked, host, first segment, … for the rest', () => {
    expect(displayUrl('https://discord.com')).toBe('https://discord.com');
    expect(displayUrl('https://discord.com/api/')).toBe('https://discord.com/api');
    expect(displayUrl('http://example.com/x')).toBe('http://example.com/x');
    expect(displayUrl('https://example.com/?a=b')).toBe('https://example.com/…');
    expect(displayUrl('https://example.com//secret')).toBe('https://example.com/…');
    expect(displayUrl('https://user:pass@discord.com/api/webhooks/1/x')).toBe('https://***@discord.com/api/…');
    expect(displayUrl(`  discord.com/api/webhooks/1/${DISCORD_SECRET}`)).toBe('discord.com/api/…');
  });

  it('a URL with a user name or password before its host is refused, credentials not shown', () => {
    for (const raw of [DISCORD_URL.replace('https://', 'https://me:hunter2pass@'), SLACK_URL.replace('https://', 'https://hooks.slack.com@')]) {
      const p = problem(raw);
      expect(p.message).toMatch(/has a user name or password before its host/);
      expect(p.message).not.toContain('hunter2pass');
      expect(p.message).not.toContain(DISCORD_SECRET);
      expect(p.message).not.toContain(SLACK_SECRET);
    }
  });

  it('an IDN look-alike host (Cyrillic і in dіscord.com) is refused and called a look-alike', () => {
    const p = problem(`https://d\u0456scord.com/api/webhooks/${ID}/${DISCORD_SECRET}`);
    expect(p.message).toBe(
      '"https://xn--dscord-pvf.com/api/…" is not a Discord webhook (https://discord.com/api/webhooks/{id}/{token}) or a Slack incoming webhook (https://hooks.slack.com/services/T…/B…/…) (its host has non-ASCII letters, so it only looks like a real one)',
    );
  });
});

describe('readWebhookVariable', () => {
  it('an unset or blank variable gives nothing and no problem', () => {
    expect(readingOf(readWebhookVariable({}, 'GENERAL_SLACK_WEBHOOK', slackDriver.webhook!, 'how'))).toEqual({ specs: [], problems: [] });
    expect(readingOf(readWebhookVariable({ GENERAL_SLACK_WEBHOOK: '  ' }, 'GENERAL_SLACK_WEBHOOK', slackDriver.webhook!, 'how'))).toEqual({
      specs: [],
      problems: [],
    });
  });

  it('a good URL gives one spec whose origin is the variable', () => {
    const r = readingOf(readWebhookVariable({ GENERAL_SLACK_WEBHOOK: SLACK_URL }, 'GENERAL_SLACK_WEBHOOK', slackDriver.webhook!, 'how'));
    expect(r.problems).toEqual([]);
    expect(r.specs).toEqual([expect.objectContaining({ driver: 'slack', origin: 'GENERAL_SLACK_WEBHOOK', url: SLACK_URL })]);
  });

  it('a bad URL gives a problem whose fix ends with how to get the right one', () => {
    const r = readingOf(readWebhookVariable({ GENERAL_SLACK_WEBHOOK: DISCORD_URL }, 'GENERAL_SLACK_WEBHOOK', slackDriver.webhook!, 'Slack: do this'));
    expect(r.specs).toEqual([]);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]!.variable).toBe('GENERAL_SLACK_WEBHOOK');
    expect(r.problems[0]!.fix).toMatch(/Slack: do this$/);
    expect(r.problems[0]!.message).not.toContain(DISCORD_SECRET);
  });
});

describe('isLoopbackHost', () => {
  it('knows 127.0.0.0/8, ::1 and localhost, nothing else', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST', '::1', '[::1]']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['128.0.0.1', '10.0.0.1', 'localhost.evil.com', '127.0.0.1.nip.io', 'example.com', '0.0.0.0']) expect(isLoopbackHost(h), h).toBe(false);
  });
});
