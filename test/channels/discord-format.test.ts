/** Cards as Discord embeds: colours, fields, and every embed limit for cards of any size. */
import { describe, expect, it } from 'vitest';
import type { Card } from '../../src/channels/card.js';
import { discordCards, discordPayload, type DiscordEmbed, embedOf, SUPPRESS_NOTIFICATIONS } from '../../src/channels/discord-format.js';
import { fillCard, hugeCard, LONG_TITLE, LONG_VALUE, squash } from '../fixtures/cards.js';

/** Characters an embed counts against the 6000 total. */
const embedSize = (e: DiscordEmbed): number =>
  (e.title ?? '').length +
  (e.description ?? '').length +
  (e.footer?.text ?? '').length +
  (e.fields ?? []).reduce((n, f) => n + f.name.length + f.value.length, 0);

function expectEmbedLimits(e: DiscordEmbed): void {
  expect((e.title ?? '').length).toBeLessThanOrEqual(256);
  expect((e.description ?? '').length).toBeLessThanOrEqual(4096);
  expect((e.footer?.text ?? '').length).toBeLessThanOrEqual(2048);
  expect((e.fields ?? []).length).toBeLessThanOrEqual(25);
  for (const f of e.fields ?? []) {
    expect(f.name.length).toBeLessThanOrEqual(256);
    expect(f.value.length).toBeLessThanOrEqual(1024);
    expect(f.name.trim()).not.toBe('');
    expect(f.value.trim()).not.toBe('');
  }
  expect(embedSize(e)).toBeLessThanOrEqual(6000);
}

/** Greedy packing of split cards into messages, as the delivery layer does. */
function pack(cards: readonly Card[]): Card[][] {
  const groups: Card[][] = [];
  for (const c of cards) {
    const last = groups[groups.length - 1];
    if (last && discordCards.fits([...last, c])) last.push(c);
    else groups.push([c]);
  }
  return groups;
}

/** Splits a card, checks every limit per embed and per message, and returns the embeds in order. */
function splitAndCheck(card: Card): { parts: Card[]; embeds: DiscordEmbed[] } {
  const parts = [...discordCards.split(card)];
  expect(parts.length).toBeGreaterThan(0);
  for (const p of parts) {
    expect(discordCards.fits([p])).toBe(true);
    expectEmbedLimits(embedOf(p));
  }
  for (const message of pack(parts)) {
    expect(message.length).toBeLessThanOrEqual(10);
    expect(message.map(embedOf).reduce((n, e) => n + embedSize(e), 0)).toBeLessThanOrEqual(6000);
  }
  return { parts, embeds: parts.map(embedOf) };
}

/** All text of the embeds, in order. */
const allText = (embeds: readonly DiscordEmbed[]): string =>
  embeds.map((e) => [e.title ?? '', ...(e.fields ?? []).map((f) => `${f.name}\n${f.value}`), e.description ?? '', e.footer?.text ?? ''].join('\n')).join('\n');

describe('embedOf', () => {
  it('colours by tone: good green, bad and error red, info blue', () => {
    expect(embedOf(fillCard({ tone: 'good' })).color).toBe(0x2ecc71);
    expect(embedOf(fillCard({ tone: 'bad' })).color).toBe(0xe74c3c);
    expect(embedOf(fillCard({ tone: 'error' })).color).toBe(0xe74c3c);
    expect(embedOf(fillCard({ tone: 'info' })).color).toBe(0x3498db);
  });

  it('a plain line travelling among cards (tone plain) has no colour', () => {
    const e = embedOf({ title: '', tone: 'plain', fields: [], description: 'just a line' });
    expect(e).toEqual({ description: 'just a line' });
  });

  it('maps every part of a card: title with its URL, description, inline fields with numbers in backticks, footer, ISO timestamp', () => {
    expect(embedOf(fillCard())).toEqual({
      color: 0x2ecc71,
      title: '✅ FILLED BUY 0.5 BTC-USDT',
      url: 'https://exchange.example/orders/42',
      description: 'filled in one trade',
      fields: [
        { name: 'Qty', value: '`0.5`', inline: true },
        { name: 'Price', value: '`64,210.50`', inline: true },
        { name: 'Exchange', value: 'binance', inline: true },
      ],
      footer: { text: 'binance · ema-cross · paper' },
      timestamp: '2024-01-02T03:04:05.000Z',
    });
  });

  it('long field values are not inline', () => {
    const e = embedOf({
      title: 'T',
      tone: 'info',
      fields: [
        { name: 'short', value: 'x' },
        { name: 'long', value: 'y'.repeat(200) },
      ],
    });
    expect(e.fields!.map((f) => f.inline)).toEqual([true, false]);
  });

  it('leaves out what the card does not have', () => {
    expect(embedOf({ title: '', tone: 'info', fields: [], description: 'more' })).toEqual({ color: 0x3498db, description: 'more' });
  });

  it('a URL that is not http(s) is not used as the embed URL (Discord refuses the whole message for it), and is not lost', () => {
    for (const url of ['binance://order/42', 'javascript:alert(1)', '/orders/42']) {
      const e = embedOf(fillCard({ url }));
      expect(e.url, url).toBeUndefined();
      expect(JSON.stringify(e), url).toContain(url);
    }
  });
});

describe('discordPayload', () => {
  it('text → content; cards → embeds and no content; mentions never parsed', () => {
    expect(discordPayload('hello', undefined, false)).toEqual({ content: 'hello', allowed_mentions: { parse: [] } });
    const p = discordPayload('one-line summary', [fillCard(), fillCard({ tone: 'bad' })], false);
    expect(p).not.toHaveProperty('content');
    expect(p.embeds).toEqual([embedOf(fillCard()), embedOf(fillCard({ tone: 'bad' }))]);
    expect(p.allowed_mentions).toEqual({ parse: [] });
  });

  it('silent → flags 4096 (SUPPRESS_NOTIFICATIONS)', () => {
    expect(SUPPRESS_NOTIFICATIONS).toBe(4096);
    expect(discordPayload('x', undefined, true).flags).toBe(4096);
    expect(discordPayload('x', [fillCard()], true).flags).toBe(4096);
    expect(discordPayload('x', [fillCard()], false)).not.toHaveProperty('flags');
  });

  it('@everyone, @here and role mentions anywhere in an embed never produce anything but allowed_mentions { parse: [] }', () => {
    const card: Card = {
      title: '@everyone title',
      tone: 'error',
      fields: [{ name: '@here', value: '@everyone <@&123> <@456>' }],
      description: '@everyone in the description',
      footer: '@everyone footer',
    };
    const p = discordPayload('@everyone summary', [card], false);
    expect(p.allowed_mentions).toEqual({ parse: [] });
    expect(Object.keys(p).sort()).toEqual(['allowed_mentions', 'embeds']);
    expect((p.embeds as DiscordEmbed[])[0]!.fields![0]!.value).toBe('@everyone <@&123> <@456>');
  });
});

describe('discordCards.fits', () => {
  it('ten small embeds fit, eleven do not', () => {
    const cards = Array.from({ length: 11 }, (_, i) => fillCard({ title: `card ${i}` }));
    expect(discordCards.fits(cards.slice(0, 10))).toBe(true);
    expect(discordCards.fits(cards)).toBe(false);
  });

  it('two embeds of 3500 characters each do not fit one message (6000 in total)', () => {
    const big: Card = { title: 'T', tone: 'info', fields: [], description: 'd'.repeat(3500) };
    expect(discordCards.fits([big])).toBe(true);
    expect(discordCards.fits([big, big])).toBe(false);
  });

  it('a title over 256, a value over 1024, more than 25 fields or an empty field do not fit as given', () => {
    expect(discordCards.fits([{ title: 't'.repeat(257), tone: 'info', fields: [] }])).toBe(false);
    expect(discordCards.fits([{ title: 'T', tone: 'info', fields: [{ name: 'n', value: 'v'.repeat(1025) }] }])).toBe(false);
    expect(discordCards.fits([{ title: 'T', tone: 'info', fields: Array.from({ length: 26 }, (_, i) => ({ name: `n${i}`, value: 'v' })) }])).toBe(false);
    expect(discordCards.fits([{ title: 'T', tone: 'info', fields: [{ name: 'n', value: ' ' }] }])).toBe(false);
  });
});

describe('discordCards.split: every limit holds and nothing is lost', () => {
  it('the huge card (300-char title, 2000-char value, 30 fields, 10,000-char description) → embeds within every limit', () => {
    const card = hugeCard();
    const { parts, embeds } = splitAndCheck(card);
    expect(parts.length).toBeGreaterThan(2);
    const text = allText(embeds);
    // The full title (the headline is cut at 256, so it must be in the text in full).
    expect(text).toContain(LONG_TITLE);
    expect(embeds[0]!.title!.length).toBeLessThanOrEqual(256);
    expect(LONG_TITLE.startsWith(embeds[0]!.title!.replace(/…$/, ''))).toBe(true);
    // Every field: its name and its value (numeric ones in backticks when still a field).
    for (const f of card.fields) {
      expect(text, f.name).toContain(f.name);
      expect(text, f.name).toContain(f.value);
    }
    expect(text).toContain(LONG_VALUE);
    // Every description line, in order, and the description re-joined is the original.
    const descriptionText = embeds.map((e) => e.description ?? '').join('\n');
    expect(descriptionText).toContain(card.description);
    // Headline and fields on the first embed only; the footer stays.
    for (const e of embeds.slice(1)) {
      expect(e.title).toBeUndefined();
      expect(e.fields).toBeUndefined();
    }
    expect(text).toContain('binance · ema-cross');
  });

  it('the huge card with a one-line description: no character of it lost', () => {
    const card = hugeCard(true);
    const { embeds } = splitAndCheck(card);
    expect(squash(embeds.map((e) => e.description ?? '').join(''))).toContain(squash(card.description!));
  });

  it('exactly 25 fields stay fields; the 26th onwards move into the description', () => {
    const fields = Array.from({ length: 30 }, (_, i) => ({ name: `n${i}`, value: `v${i}` }));
    const [first] = discordCards.split({ title: 'T', tone: 'info', fields });
    const e = embedOf(first!);
    expect(e.fields).toHaveLength(25);
    expect(e.description).toBe(['n25: v25', 'n26: v26', 'n27: v27', 'n28: v28', 'n29: v29'].join('\n'));
  });

  it('a numeric value of 1023 characters (1025 with its backticks) moves into the description', () => {
    const value = '7'.repeat(1023);
    const { embeds } = splitAndCheck({ title: 'T', tone: 'info', fields: [{ name: 'N', value, numeric: true }] });
    expect(allText(embeds)).toContain(value);
  });

  it('a footer over 2048 characters moves into the description', () => {
    const footer = `FOOT ${'f'.repeat(2100)}`;
    const { embeds } = splitAndCheck({ title: 'T', tone: 'info', fields: [], footer });
    expect(squash(allText(embeds))).toContain(squash(footer));
  });

  it('fields that are each within limits but together exceed 6000 characters: every part still fits', () => {
    const fields = Array.from({ length: 7 }, (_, i) => ({ name: `field ${i}`, value: `${i}:${'x'.repeat(1000)}` }));
    const { embeds } = splitAndCheck({ title: 'T', tone: 'info', fields });
    const text = allText(embeds);
    const positions = fields.map((f) => text.indexOf(f.value));
    for (const at of positions) expect(at).toBeGreaterThanOrEqual(0);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });
});
