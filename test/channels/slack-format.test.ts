/** Cards as Slack Block Kit: layout, escaping, and Block Kit's limits for cards of any size. */
import { describe, expect, it } from 'vitest';
import type { Card } from '../../src/channels/card.js';
import { escapeSlack, type SlackBlock, slackBlocks, slackCards, slackLength } from '../../src/channels/slack-format.js';
import { fillCard, hugeCard, LONG_TITLE, LONG_VALUE, numberedLines, squash, unescapeSlack } from '../fixtures/cards.js';

/** Every mrkdwn text of the blocks, in order. */
function mrkdwnTexts(blocks: readonly SlackBlock[]): string[] {
  return blocks.flatMap((b) => {
    if (b.type === 'section') return [...(b.text ? [b.text.text] : []), ...(b.fields ?? []).map((f) => f.text)];
    if (b.type === 'context') return b.elements.map((e) => e.text);
    return [];
  });
}

/** Every text a reader sees, unescaped, header included; `context: false` leaves out the footer lines. */
function visibleTexts(blocks: readonly SlackBlock[], options: { context?: boolean } = {}): string[] {
  return blocks.flatMap((b) => {
    if (b.type === 'header') return [b.text.text];
    if (b.type === 'context' && options.context === false) return [];
    return mrkdwnTexts([b]).map(unescapeSlack);
  });
}

/** Checks one message's blocks against Block Kit's documented limits. */
function expectWithinBlockKit(blocks: readonly SlackBlock[]): void {
  expect(blocks.length).toBeLessThanOrEqual(50);
  for (const b of blocks) {
    if (b.type === 'header') {
      expect(b.text.type).toBe('plain_text');
      expect(b.text.text.length).toBeLessThanOrEqual(150);
      expect(b.text.text.length).toBeGreaterThan(0);
    } else if (b.type === 'section') {
      expect(b.text !== undefined || (b.fields?.length ?? 0) > 0).toBe(true);
      if (b.text) {
        expect(b.text.text.length).toBeLessThanOrEqual(3000);
        expect(b.text.text.length).toBeGreaterThan(0);
      }
      expect((b.fields ?? []).length).toBeLessThanOrEqual(10);
      for (const f of b.fields ?? []) expect(f.text.length).toBeLessThanOrEqual(2000);
    } else if (b.type === 'context') {
      expect(b.elements.length).toBeLessThanOrEqual(10);
      for (const e of b.elements) expect(e.text.length).toBeLessThanOrEqual(3000);
    }
  }
}

/** mrkdwn with Herald's own markup (links, dates) taken out: what remains must hold no raw control character. */
function withoutOwnMarkup(text: string): string {
  return text
    .replace(/<!date\^\d+\^[^|>]*\|[^>]*>/g, '')
    .replace(/<https?:\/\/[^|>]*\|/g, '')
    .replace(/>\*$/, '');
}

describe('slackBlocks: one card', () => {
  it('a short title without a URL is a plain_text header; fields are mrkdwn "*name*\\nvalue", numbers in backticks', () => {
    const blocks = slackBlocks([fillCard({ url: undefined })]);
    expect(blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: '✅ FILLED BUY 0.5 BTC-USDT', emoji: true } });
    expect(blocks[1]).toEqual({
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: '*Qty*\n`0.5`', verbatim: true },
        { type: 'mrkdwn', text: '*Price*\n`64,210.50`', verbatim: true },
        { type: 'mrkdwn', text: '*Exchange*\nbinance', verbatim: true },
      ],
    });
    expect(blocks[2]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: 'filled in one trade', verbatim: true } });
    expect(blocks[3]!.type).toBe('context');
    expect(blocks).toHaveLength(4);
  });

  it('a title with a URL is a bold mrkdwn link <url|title>', () => {
    const [first] = slackBlocks([fillCard()]);
    expect(first).toEqual({
      type: 'section',
      text: { type: 'mrkdwn', text: '*<https://exchange.example/orders/42|✅ FILLED BUY 0.5 BTC-USDT>*', verbatim: true },
    });
  });

  it('the URL cannot end the link early: < > | in it are percent-encoded', () => {
    const [first] = slackBlocks([fillCard({ url: 'https://x.example/a|b<c>d', title: 'T' })]);
    expect(first!.type === 'section' && first.text!.text).toBe('*<https://x.example/a%7Cb%3Cc%3Ed|T>*');
  });

  it('a title over 150 characters is a bold section, not a header', () => {
    const blocks = slackBlocks([{ title: LONG_TITLE, tone: 'info', fields: [] }]);
    expect(blocks).toEqual([{ type: 'section', text: { type: 'mrkdwn', text: `*${LONG_TITLE}*`, verbatim: true } }]);
  });

  it('the context line holds the escaped footer and a <!date^…> with a UTC fallback', () => {
    const ts = Date.UTC(2024, 0, 2, 3, 4, 5);
    const blocks = slackBlocks([{ title: 'T', tone: 'info', fields: [], footer: 'a & b', timestamp: ts }]);
    expect(blocks[1]).toEqual({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `a &amp; b · <!date^${ts / 1000}^{date_short_pretty} {time_secs}|2024-01-02 03:04:05 UTC>`, verbatim: true }],
    });
  });

  it('more than 10 fields go into several sections of at most 10', () => {
    const fields = Array.from({ length: 23 }, (_, i) => ({ name: `f${i}`, value: `v${i}` }));
    const sections = slackBlocks([{ title: 'T', tone: 'info', fields }]).filter((b) => b.type === 'section');
    expect(sections.map((s) => (s.type === 'section' ? s.fields?.length : 0))).toEqual([10, 10, 3]);
    expect(sections.flatMap((s) => (s.type === 'section' ? s.fields!.map((f) => f.text) : []))).toEqual(fields.map((f) => `*${f.name}*\n${f.value}`));
  });

  it('cards in one message are separated by dividers', () => {
    const blocks = slackBlocks([fillCard(), fillCard({ title: 'second' }), fillCard({ title: 'third' })]);
    expect(blocks.filter((b) => b.type === 'divider')).toHaveLength(2);
    expect(blocks[0]!.type).not.toBe('divider');
    expect(blocks[blocks.length - 1]!.type).not.toBe('divider');
  });
});

describe('slackBlocks: escaping', () => {
  const nasty = '<!channel> & <b>bold</b> <@U123>';
  const card: Card = {
    title: `T ${nasty}`,
    tone: 'bad',
    url: 'https://x.example/o',
    fields: [
      { name: `n ${nasty}`, value: `v ${nasty}` },
      { name: 'num', value: `${nasty}`, numeric: true },
    ],
    description: `d ${nasty}\nsecond line ${nasty}`,
    footer: `f ${nasty}`,
    timestamp: 1_700_000_000_000,
  };

  it('<!channel>, & and <b> appear escaped in every mrkdwn text (title link, field names and values, description, footer)', () => {
    const texts = mrkdwnTexts(slackBlocks([card]));
    expect(texts.length).toBeGreaterThanOrEqual(5);
    for (const t of texts) {
      expect(t).toContain('&lt;!channel&gt; &amp; &lt;b&gt;bold&lt;/b&gt; &lt;@U123&gt;');
      const rest = withoutOwnMarkup(t);
      expect(rest, t).not.toMatch(/[<>]/);
      expect(rest.replace(/&(amp|lt|gt);/g, ''), t).not.toContain('&');
    }
  });

  it('without a URL the title is a plain_text header (never mrkdwn-parsed, so <!channel> cannot ping) and the rest stays escaped', () => {
    const blocks = slackBlocks([{ ...card, url: undefined }]);
    expect(blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: card.title, emoji: true } });
    for (const t of mrkdwnTexts(blocks)) expect(withoutOwnMarkup(t)).not.toMatch(/<!channel>|<b>|<@U123>/);
  });

  it('a long title (bold section) is escaped too', () => {
    const title = `${nasty} ${'x'.repeat(200)}`;
    const [first] = slackBlocks([{ title, tone: 'info', fields: [] }]);
    expect(first).toEqual({ type: 'section', text: { type: 'mrkdwn', text: `*${escapeSlack(title)}*`, verbatim: true } });
  });
});

describe('slackCards.fits', () => {
  it('a few ordinary cards fit one message', () => {
    expect(slackCards.fits([fillCard()])).toBe(true);
    expect(slackCards.fits([fillCard(), fillCard(), fillCard()])).toBe(true);
  });

  it('more cards than 50 blocks hold do not fit', () => {
    const cards = Array.from({ length: 12 }, (_, i) => fillCard({ title: `card ${i}` }));
    expect(slackBlocks(cards).length).toBeGreaterThan(50);
    expect(slackCards.fits(cards)).toBe(false);
  });

  it('a field over 2000 characters does not fit (as given)', () => {
    const blocks = slackBlocks([{ title: 'T', tone: 'info', fields: [{ name: 'n', value: 'v'.repeat(2000) }] }]);
    expect(blocks.some((b) => b.type === 'section' && (b.fields ?? []).some((f) => f.text.length > 2000))).toBe(true);
    expect(slackCards.fits([{ title: 'T', tone: 'info', fields: [{ name: 'n', value: 'v'.repeat(2000) }] }])).toBe(false);
  });
});

describe('slackCards.split: limits hold and nothing is lost', () => {
  function expectPartsFit(parts: readonly Card[]): SlackBlock[][] {
    expect(parts.length).toBeGreaterThan(0);
    return parts.map((p) => {
      expect(slackCards.fits([p])).toBe(true);
      const blocks = slackBlocks([p]);
      expectWithinBlockKit(blocks);
      return blocks;
    });
  }

  it('the huge card (300-char title, a 2000-char value, 30 fields, 10,000 characters of lines): every part within Block Kit limits', () => {
    const card = hugeCard();
    const parts = slackCards.split(card);
    expect(parts.length).toBeGreaterThan(1);
    const all = expectPartsFit(parts).map((b) => visibleTexts(b));
    const joined = all.flat().join('\n');
    // The full title, every field's name and value, every description line.
    expect(joined).toContain(LONG_TITLE);
    for (const f of card.fields) {
      expect(joined, f.name).toContain(f.name);
      expect(joined, f.name).toContain(f.value);
    }
    for (const line of card.description!.split('\n')) expect(joined).toContain(line);
    // The description's lines come in order.
    const positions = card.description!.split('\n').map((l) => joined.indexOf(l));
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    // Headline and fields on the first part only.
    expect(parts[0]!.title).not.toBe('');
    for (const p of parts.slice(1)) expect(p.fields).toEqual([]);
  });

  it('the huge card with its description on one 10,000-character line: every part fits, no character lost', () => {
    const card = hugeCard(true);
    const parts = slackCards.split(card);
    const blocks = expectPartsFit(parts);
    // Without the footer line, which closes the first part while the description goes on in the next.
    const joined = blocks
      .map((b) => visibleTexts(b, { context: false }))
      .flat()
      .join('\n');
    expect(squash(joined)).toContain(squash(card.description!));
    expect(joined).toContain(LONG_VALUE);
    expect(
      blocks
        .map((b) => visibleTexts(b))
        .flat()
        .join('\n'),
    ).toContain(card.footer);
  });

  it('a description full of escaping characters: sections count the escaped length', () => {
    const description = numberedLines(200, 60, '&');
    const parts = slackCards.split({ title: 'T', tone: 'info', fields: [], description });
    const blocks = expectPartsFit(parts);
    const sections = blocks.flat().filter((b) => b.type === 'section' && b.text && !b.text.text.startsWith('*'));
    expect(sections.map((s) => (s.type === 'section' ? unescapeSlack(s.text!.text) : '')).join('\n')).toBe(description);
  });

  it('a title over 3000 characters moves whole into the description; the headline keeps its start', () => {
    const title = `HEAD ${'x'.repeat(3200)} TAIL`;
    const parts = slackCards.split({ title, tone: 'info', fields: [], description: 'body' });
    const blocks = expectPartsFit(parts);
    const joined = blocks
      .map((b) => visibleTexts(b))
      .flat()
      .join('\n');
    expect(squash(joined)).toContain(squash(title));
    expect(parts[0]!.title.startsWith('HEAD ')).toBe(true);
    expect(joined).toContain('body');
  });

  it('a footer over 2800 characters moves into the description instead of overflowing the context block', () => {
    const footer = `FOOT ${'f'.repeat(3500)} END`;
    const parts = slackCards.split({ title: 'T', tone: 'info', fields: [], footer });
    const blocks = expectPartsFit(parts);
    expect(
      squash(
        blocks
          .map((b) => visibleTexts(b))
          .flat()
          .join('\n'),
      ),
    ).toContain(squash(footer));
  });

  it('a numeric field whose text is just under 2000 characters without its backticks still ends up within limits', () => {
    // "*N*\n" + 1996 characters = 2000 without the backticks, 2002 with them.
    const value = '9'.repeat(1996);
    const card: Card = { title: 'T', tone: 'info', fields: [{ name: 'N', value, numeric: true }] };
    const parts = slackCards.split(card);
    const blocks = expectPartsFit(parts);
    expect(
      blocks
        .map((b) => visibleTexts(b))
        .flat()
        .join('\n'),
    ).toContain(value);
  });

  it('many fields that are each fine but together exceed what one message holds: every part still fits', () => {
    const fields = Array.from({ length: 12 }, (_, i) => ({ name: `field ${i}`, value: `${i}:${'x'.repeat(1500)}` }));
    const parts = slackCards.split({ title: 'T', tone: 'info', fields });
    const blocks = expectPartsFit(parts);
    const joined = blocks
      .map((b) => visibleTexts(b))
      .flat()
      .join('\n');
    for (const f of fields) expect(joined).toContain(f.value);
  });

  it('slackLength is the escaped length', () => {
    for (const s of ['', 'plain', '<!here>', '&&&', 'a<b>c&d😀']) expect(slackLength(s)).toBe(escapeSlack(s).length);
  });
});
