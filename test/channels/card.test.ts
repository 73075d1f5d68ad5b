/** The card model: its plain-text form and splitCard's guarantees (in order, nothing lost, headline first). */
import { describe, expect, it } from 'vitest';
import { type Card, type CardRules, cardBytes, cardText, splitCard } from '../../src/channels/card.js';
import { telegramCards } from '../../src/channels/telegram-format.js';
import { fillCard, numberedLines } from '../fixtures/cards.js';

/** Rules where a card fits when its plain text is at most `max` characters; normalize changes nothing. */
function textRules(max: number, pieceMax: number): CardRules & { normalized: Card[] } {
  const normalized: Card[] = [];
  return {
    normalized,
    fits: (cards) => cards.reduce((n, c) => n + cardText(c).length, 0) <= max,
    normalize: (card) => {
      normalized.push(card);
      return card;
    },
    pieceMax,
    measure: (t) => t.length,
  };
}

describe('cardText', () => {
  it('puts the title, the fields on one line, the description, the URL and the footer on their own lines', () => {
    expect(cardText(fillCard())).toBe(
      '✅ FILLED BUY 0.5 BTC-USDT\nQty: 0.5 · Price: 64,210.50 · Exchange: binance\nfilled in one trade\nhttps://exchange.example/orders/42\nbinance · ema-cross · paper',
    );
  });

  it('leaves out what a card does not have (no empty lines)', () => {
    expect(cardText({ title: '', tone: 'info', fields: [], description: 'only this' })).toBe('only this');
    expect(cardText({ title: 'T', tone: 'info', fields: [] })).toBe('T');
  });

  it('cardBytes grows with the card', () => {
    const small = cardBytes(fillCard());
    expect(cardBytes(fillCard({ description: 'x'.repeat(10_000) }))).toBeGreaterThan(small + 10_000);
  });
});

describe('splitCard', () => {
  it('returns the (normalized) card alone when it fits', () => {
    const rules = textRules(10_000, 100);
    const card = fillCard();
    expect(splitCard(card, rules)).toEqual([card]);
    expect(rules.normalized).toEqual([card]);
  });

  it('uses what normalize returns, not the card as given', () => {
    const rules: CardRules = { ...textRules(10_000, 100), normalize: (c) => ({ ...c, title: c.title.toUpperCase() }) };
    expect(splitCard(fillCard({ title: 'short' }), rules)[0]!.title).toBe('SHORT');
  });

  it('never loses text: the description pieces, re-joined, equal the description (split on line boundaries)', () => {
    const description = numberedLines(60, 40);
    const card = fillCard({ description });
    const rules = textRules(500, 200);
    const parts = splitCard(card, rules);
    expect(parts.length).toBeGreaterThan(5);
    for (const p of parts) expect(rules.fits([p]), cardText(p)).toBe(true);
    expect(parts.map((p) => p.description ?? '').join('\n')).toBe(description);
  });

  it('keeps the title, fields, URL and footer on the first card only; continuations keep the tone', () => {
    const card = fillCard({ description: numberedLines(60, 40), tone: 'error' });
    const [first, ...rest] = splitCard(card, textRules(500, 200));
    expect(first).toMatchObject({ title: card.title, fields: card.fields, url: card.url, footer: card.footer, tone: 'error' });
    expect(rest.length).toBeGreaterThan(0);
    for (const c of rest) {
      expect(c.title).toBe('');
      expect(c.fields).toEqual([]);
      expect(c.tone).toBe('error');
      expect(c.url).toBeUndefined();
      expect(c.footer).toBeUndefined();
      expect(c.description).toBeTruthy();
    }
  });

  it('packs several pieces into one card when they fit together, in order', () => {
    const description = numberedLines(20, 10); // 20 lines of 10 characters
    const parts = splitCard({ title: 'T', tone: 'info', fields: [], description }, textRules(120, 25));
    // Pieces of two lines (21 characters) each, packed up to 120 characters of card text.
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.length).toBeLessThan(10);
    expect(parts.map((p) => p.description).join('\n')).toBe(description);
  });

  it('a single line cut into pieces is not given extra line breaks (the pieces concatenate to the line)', () => {
    // One 250-character line, pieces of 100: two pieces fit one card together (201 ≤ 210 characters).
    const line = Array.from({ length: 25 }, (_, i) => `w${String(i).padStart(3, '0')}_abcde`).join('');
    expect(line).toHaveLength(250);
    const parts = splitCard({ title: '', tone: 'info', fields: [], description: line }, textRules(210, 100));
    expect(parts.map((p) => p.description).join('')).toBe(line);
  });

  it("with Telegram's rules, a long line of any length comes back whole when the parts are concatenated", () => {
    for (const n of [4100, 5000, 8100, 9000, 12_500]) {
      const line = Array.from({ length: n }, (_, i) => String.fromCharCode(97 + (i % 26))).join('');
      const parts = telegramCards.split({ title: 'T', tone: 'info', fields: [], description: line });
      expect(parts.length, String(n)).toBeGreaterThan(1);
      for (const p of parts) expect(telegramCards.fits([p]), String(n)).toBe(true);
      expect(parts.map((p) => p.description).join(''), String(n)).toBe(line);
    }
  });

  it("each part's description is a stretch of the original, in order (blank lines kept inside a part)", () => {
    const description = Array.from({ length: 40 }, (_, i) => `paragraph ${i}: ${'p'.repeat(30)}`).join('\n\n\n');
    const parts = splitCard({ title: 'T', tone: 'info', fields: [], description }, textRules(300, 120));
    expect(parts.length).toBeGreaterThan(3);
    let pos = 0;
    for (const p of parts) {
      const at = description.indexOf(p.description!, pos);
      expect(at, p.description).toBeGreaterThanOrEqual(pos);
      expect(description.slice(pos, at).trim(), 'only line breaks between parts').toBe('');
      pos = at + p.description!.length;
    }
    expect(description.slice(pos).trim()).toBe('');
  });

  it('a head that cannot fit (fields that together exceed a message) moves fields, last first, into the description; nothing lost', () => {
    const fields = Array.from({ length: 8 }, (_, i) => ({ name: `f${i}`, value: `${i}${'v'.repeat(60)}` }));
    const rules = textRules(300, 120);
    const parts = splitCard({ title: 'T', tone: 'info', fields, description: 'tail' }, rules);
    for (const p of parts) expect(rules.fits([p]), cardText(p)).toBe(true);
    const text = parts.map(cardText).join('\n');
    const positions = fields.map((f) => text.indexOf(f.value));
    for (const at of positions) expect(at).toBeGreaterThanOrEqual(0);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(text.indexOf('tail')).toBeGreaterThan(Math.max(...positions));
    expect(parts[0]!.title).toBe('T');
  });
});
