/**
 * How Telegram shows a card: a bold headline (a link when the event carries a URL), the fields
 * on one line with numbers in monospace, the description, and the footer in italics — all in
 * Telegram's HTML with every piece of text escaped.
 */
import { type Card, type CardRules, cardText, splitCard } from './card.js';
import type { CardSupport } from './channel.js';
import { codePoints } from './split.js';

/** Characters per message after entity parsing. */
const MAX = 4096;

/** Escapes text for `parse_mode: HTML` (outside tags only `<`, `>`, `&` and `"` matter). */
export function escapeTelegramHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;'));
}

/** Only http(s) links become links: Telegram refuses others, and a card's URL comes from a host. */
function safeUrl(url: string | undefined): string | undefined {
  return url && /^https?:\/\/[^\s]+$/i.test(url) ? url : undefined;
}

function cardHtml(card: Card): string {
  const e = escapeTelegramHtml;
  const lines: string[] = [];
  if (card.title) {
    const url = safeUrl(card.url);
    // Inside href, Telegram decodes entities too, so the URL is escaped like text.
    lines.push(url ? `<b><a href="${e(url)}">${e(card.title)}</a></b>` : `<b>${e(card.title)}</b>`);
  }
  if (card.fields.length) lines.push(card.fields.map((f) => `${e(f.name)}: ${f.numeric ? `<code>${e(f.value)}</code>` : e(f.value)}`).join(' · '));
  if (card.description) lines.push(e(card.description));
  if (card.url && !safeUrl(card.url)) lines.push(e(card.url));
  if (card.footer) lines.push(`<i>${e(card.footer)}</i>`);
  return lines.join('\n');
}

/** Cards as one message: HTML, or their plain text when `html` is false (the markup fallback). */
export function telegramCardsHtml(cards: readonly Card[], html: boolean): string {
  return cards.map((c) => (html ? cardHtml(c) : cardText(c))).join('\n\n');
}

/** What Telegram counts: the text after entity parsing, i.e. the plain text (a link's URL is not shown). */
function visibleLength(cards: readonly Card[]): number {
  return cards.reduce((n, c, i) => n + codePoints(cardText(c)) + (i > 0 ? 2 : 0), 0);
}

const rules: CardRules = {
  fits: (cards) => visibleLength(cards) <= MAX,
  normalize(card) {
    // A headline and fields longer than a message go into the description, which splits.
    const head = codePoints(card.title) + codePoints(card.fields.map((f) => `${f.name}: ${f.value}`).join(' · '));
    if (head <= MAX / 2) return card;
    return { tone: card.tone, title: '', fields: [], description: cardText(card), ...(card.timestamp !== undefined ? { timestamp: card.timestamp } : {}) };
  },
  // Near a whole message: a long line stays in one piece where it can.
  pieceMax: MAX - 96,
  measure: codePoints,
};

/** Telegram's card packing: as many cards as fit 4096 visible characters. */
export const telegramCards: CardSupport = {
  fits: rules.fits,
  split: (card) => splitCard(card, rules),
};
