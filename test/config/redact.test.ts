import { describe, expect, it } from 'vitest';
import { maskSecret, redact, Redactor } from '../../src/config/redact.js';
import { DISCORD_URL, SLACK_URL, TOKEN } from '../fixtures/platforms.js';

const TOKEN_SECRET = TOKEN.split(':')[1]!;
const DISCORD_SECRET = DISCORD_URL.split('/').pop()!;
const SLACK_SECRET = SLACK_URL.split('/').pop()!;

describe('maskSecret', () => {
  it("keeps a bot token's id and two characters: 123456789:AA…", () => {
    expect(maskSecret(TOKEN)).toBe('123456789:AA…');
  });

  it('keeps only the first two characters of other secrets, nothing of very short ones', () => {
    expect(maskSecret('abcdefghijkl')).toBe('ab…');
    expect(maskSecret('abcd')).toBe('…');
    expect(maskSecret('https://discord.com/x')).toBe('ht…');
  });
});

describe('redact: secret shapes nobody told us about', () => {
  it('masks a Telegram token in free text', () => {
    expect(redact(`token is ${TOKEN}, keep it safe`)).toBe('token is 123456789:AA…, keep it safe');
  });

  it('masks a Telegram token inside a Bot API URL (/bot<token>/…)', () => {
    const out = redact(`request to https://api.telegram.org/bot${TOKEN}/sendMessage failed`);
    expect(out).not.toContain(TOKEN_SECRET);
    expect(out).toContain('123456789:AA…');
  });

  it('masks a Discord webhook token and keeps the webhook id', () => {
    const out = redact(`POST ${DISCORD_URL} → 404`);
    expect(out).toBe('POST https://discord.com/api/webhooks/111222333444555666/Ab… → 404');
    expect(out).not.toContain(DISCORD_SECRET);
  });

  it('masks a Discord token in the /api/v10/ form and keeps the query', () => {
    const out = redact('https://discordapp.com/api/v10/webhooks/42/AbCdEfGhIjKl_-.x?thread_id=9');
    expect(out).toBe('https://discordapp.com/api/v10/webhooks/42/Ab…?thread_id=9');
  });

  it('masks a Slack webhook secret and keeps T…/B…', () => {
    const out = redact(`Slack: ${SLACK_URL}`);
    expect(out).toBe('Slack: https://hooks.slack.com/services/T0AAAAAAA/B0BBBBBBB/ab…');
    expect(out).not.toContain(SLACK_SECRET);
  });

  it('masks every occurrence, of every kind, in one string', () => {
    const out = redact(`${TOKEN} ${DISCORD_URL} ${SLACK_URL} ${TOKEN}`);
    for (const s of [TOKEN_SECRET, DISCORD_SECRET, SLACK_SECRET]) expect(out).not.toContain(s);
    expect(out.match(/123456789:AA…/g)).toHaveLength(2);
  });

  it('leaves ordinary text alone (times, prices, ids)', () => {
    const text = 'BTC/USDT filled 0.5 @ 64000.12 at 12:30:45, order 123456789, chat -1001234567890';
    expect(redact(text)).toBe(text);
  });
});

describe('redact: known secrets', () => {
  it('masks a known secret anywhere in a string, even inside words', () => {
    expect(redact('before-my-s3cret-value-after and my-s3cret-value', ['my-s3cret-value'])).toBe('before-my…-after and my…');
  });

  it('ignores known secrets shorter than 6 characters (they would mask ordinary words)', () => {
    expect(redact('the cat sat', ['cat'])).toBe('the cat sat');
  });

  it('Redactor remembers every secret added', () => {
    const r = new Redactor();
    r.add(['first-secret-123']);
    r.add(['', 'second-secret-456']);
    expect(r.apply('a first-secret-123 b second-secret-456 c')).toBe('a fi… b se… c');
    expect(r.apply(`also ${SLACK_URL}`)).not.toContain(SLACK_SECRET);
  });
});

describe('bot tokens', () => {
  it('masks Slack and Discord bot tokens it was never told about, keeping only what is not secret', () => {
    const slack = 'xoxb-1111111111-2222222222222-AbCdEfGhIjKlMnOpQrStUvWx';
    const discord = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd';
    expect(redact(`token ${slack} and Bot ${discord}.`)).toBe('token xoxb-11… and Bot MT….');
    expect(maskSecret('xoxe.xoxb-1-abc')).toBe('xoxe.xoxb-1-…');
  });
});
