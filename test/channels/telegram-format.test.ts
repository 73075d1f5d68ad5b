/** Cards as Telegram HTML: headline, monospace numbers, safe links, escaping, and the 4096 limit. */
import { describe, expect, it } from 'vitest';
import type { Card } from '../../src/channels/card.js';
import { cardText } from '../../src/channels/card.js';
import { codePoints } from '../../src/channels/split.js';
import { escapeTelegramHtml, telegramCards, telegramCardsHtml } from '../../src/channels/telegram-format.js';
import { fillCard, hugeCard, LONG_TITLE, LONG_VALUE, squash, telegramVisible } from '../fixtures/cards.js';

/** Tags Telegram's HTML mode accepts and Herald uses. */
const ALLOWED_TAG = /^<\/?(b|i|code|a)( href="[^"]*")?>$/;

describe('telegramCardsHtml', () => {
  it('renders a bold headline, the fields on one line with numbers in <code>, the description and the footer in italics', () => {
    expect(telegramCardsHtml([fillCard({ url: undefined })], true)).toBe(
      [
        '<b>✅ FILLED BUY 0.5 BTC-USDT</b>',
        'Qty: <code>0.5</code> · Price: <code>64,210.50</code> · Exchange: binance',
        'filled in one trade',
        '<i>binance · ema-cross · paper</i>',
      ].join('\n'),
    );
  });

  it('links the headline to an http(s) URL, with & and " escaped inside href', () => {
    const html = telegramCardsHtml(
      [fillCard({ title: 'T', url: 'https://x.example/o?a=1&lt=2&q="x"', fields: [], description: undefined, footer: undefined })],
      true,
    );
    expect(html).toBe('<b><a href="https://x.example/o?a=1&amp;lt=2&amp;q=&quot;x&quot;">T</a></b>');
  });

  it('does not link a URL that is not http(s); it is shown as escaped text instead', () => {
    for (const url of ['javascript:alert("x")', 'ftp://x.example/file', 'binance://order/42', 'https://has space.example/']) {
      const html = telegramCardsHtml([fillCard({ title: 'T', url, fields: [], description: undefined, footer: undefined })], true);
      expect(html, url).not.toContain('<a ');
      expect(html, url).toBe(`<b>T</b>\n${escapeTelegramHtml(url)}`);
    }
  });

  it('escapes every piece of text: title, field names and values (numeric too), description, footer', () => {
    const nasty = '<script> & &amp; "q"';
    const card: Card = {
      title: `T ${nasty}`,
      tone: 'error',
      fields: [
        { name: `n ${nasty}`, value: `v ${nasty}` },
        { name: 'num', value: nasty, numeric: true },
      ],
      description: `d ${nasty}`,
      footer: `f ${nasty}`,
    };
    const html = telegramCardsHtml([card], true);
    const escaped = '&lt;script&gt; &amp; &amp;amp; &quot;q&quot;';
    expect(html.split(escaped)).toHaveLength(7); // six times: title, name, value, numeric value, description, footer
    expect(html).toContain(`<code>${escaped}</code>`);
    // The only tags are Herald's own.
    for (const tag of html.match(/<[^>]*>/g) ?? []) expect(tag).toMatch(ALLOWED_TAG);
    expect(html).not.toContain('<script>');
    // What Telegram shows is the card's text.
    expect(telegramVisible(html)).toBe(cardText(card));
  });

  it('joins several cards with a blank line', () => {
    const a = fillCard({ title: 'A', url: undefined });
    const b = fillCard({ title: 'B', url: undefined });
    expect(telegramCardsHtml([a, b], true)).toBe(`${telegramCardsHtml([a], true)}\n\n${telegramCardsHtml([b], true)}`);
  });

  it('html=false (the markup fallback) gives the plain text, nothing escaped, the URL on its own line', () => {
    const card = fillCard({ title: 'a <b> & c' });
    const plain = telegramCardsHtml([card], false);
    expect(plain).toBe(cardText(card));
    expect(plain).toContain('a <b> & c');
    expect(plain).toContain('https://exchange.example/orders/42');
    expect(plain).not.toMatch(/&amp;|<code>|<i>/);
  });
});

describe('telegramCards: 4096 visible characters per message', () => {
  function expectParts(card: Card): Card[] {
    const parts = [...telegramCards.split(card)];
    expect(parts.length).toBeGreaterThan(0);
    for (const p of parts) {
      expect(telegramCards.fits([p])).toBe(true);
      const html = telegramCardsHtml([p], true);
      expect(codePoints(telegramVisible(html))).toBeLessThanOrEqual(4096);
      expect(codePoints(cardText(p))).toBeLessThanOrEqual(4096);
    }
    return parts;
  }

  it('fits counts what is shown (plain text), so escaping does not make a card look longer', () => {
    const card: Card = { title: 'T', tone: 'info', fields: [], description: '&'.repeat(4000) };
    expect(escapeTelegramHtml(card.description!).length).toBeGreaterThan(4096);
    expect(telegramCards.fits([card])).toBe(true);
    expect(telegramCards.fits([{ ...card, description: '&'.repeat(4100) }])).toBe(false);
  });

  it('counts code points: 4000 emoji fit', () => {
    expect(telegramCards.fits([{ title: '', tone: 'info', fields: [], description: '😀'.repeat(4000) }])).toBe(true);
  });

  it('the huge card splits into parts of at most 4096 visible characters, nothing lost, in order', () => {
    const card = hugeCard();
    const parts = expectParts(card);
    expect(parts.length).toBeGreaterThan(2);
    const shown = parts.map((p) => telegramVisible(telegramCardsHtml([p], true))).join('\n');
    expect(shown).toContain(LONG_TITLE);
    expect(shown).toContain(LONG_VALUE);
    for (const f of card.fields) expect(shown).toContain(`${f.name}: ${f.value}`);
    expect(shown).toContain(card.description);
    expect(shown).toContain(card.footer);
  });

  it('the huge card with a one-line description: no character of it lost', () => {
    const card = hugeCard(true);
    const parts = expectParts(card);
    expect(squash(parts.map((p) => p.description ?? '').join(''))).toContain(squash(card.description!));
  });

  it('a headline over 2048 characters moves into the description with the rest; nothing lost', () => {
    const title = `HEAD ${'h'.repeat(3000)} TAIL`;
    const card: Card = { title, tone: 'good', fields: [{ name: 'Qty', value: '1', numeric: true }], description: 'body', timestamp: 5 };
    const parts = expectParts(card);
    const shown = parts.map((p) => cardText(p)).join('\n');
    expect(squash(shown)).toContain(squash(title));
    expect(shown).toContain('Qty: 1');
    expect(parts[0]!.tone).toBe('good');
  });

  it('a footer longer than a message still ends up in parts that each fit', () => {
    const footer = `FOOT ${'f'.repeat(5000)}`;
    const parts = expectParts({ title: 'T', tone: 'info', fields: [], footer });
    expect(squash(parts.map((p) => cardText(p)).join(''))).toContain(squash(footer));
  });
});
