/**
 * How Slack shows Herald's messages, for incoming webhooks and the bot alike: mrkdwn text with
 * `&<>` escaped (which also stops `<!channel>` mentions from generated text), and cards as
 * Block Kit (a header, fields, the description in sections, a context line) within Slack's
 * block limits.
 */
import { type Card, type CardRules, cardText, splitCard } from './card.js';
import type { CardSupport, OutgoingPart } from './channel.js';
import { splitText } from './split.js';

/** Characters per message, after escaping; Slack advises ≤ 4000. */
export const SLACK_MAX_LENGTH = 3900;
/** Block Kit limits (docs.slack.dev/reference/block-kit). */
const MAX_BLOCKS = 50;
const HEADER_MAX = 150;
const SECTION_MAX = 3000;
const FIELDS_PER_SECTION = 10;
const FIELD_MAX = 2000;
/** Slack refuses messages with much less block text than 50 × 3000 (msg_blocks_too_long near 13k); stay well under. */
const BLOCK_TEXT_MAX = 11_000;

/** Escapes the three characters Slack's mrkdwn treats as control characters. */
export function escapeSlack(text: string): string {
  return text.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

/** Length after escaping, counted without building the escaped string. */
export function slackLength(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 38)
      n += 4; // &amp;
    else if (c === 60 || c === 62) n += 3; // &lt; &gt;
  }
  return n;
}

/** A Block Kit block (only the kinds Herald sends). */
export type SlackBlock =
  | { type: 'header'; text: { type: 'plain_text'; text: string; emoji: true } }
  | { type: 'section'; text?: { type: 'mrkdwn'; text: string; verbatim: true }; fields?: { type: 'mrkdwn'; text: string; verbatim: true }[] }
  | { type: 'context'; elements: { type: 'mrkdwn'; text: string; verbatim: true }[] }
  | { type: 'divider' };

/** A link in mrkdwn: `<url|label>`; the URL may not carry the characters that end the link. */
function link(url: string, label: string): string {
  return `<${url.replace(/[<>|]/g, (c) => encodeURIComponent(c))}|${escapeSlack(label)}>`;
}

/** One card as blocks. Assumes the card fits (see {@link slackCards}). */
function blocksOf(card: Card): SlackBlock[] {
  const blocks: SlackBlock[] = [];
  // Only a web link becomes a link: `<!channel|…>` or `<@U…|…>` would ping.
  const url = card.url && /^https?:\/\/\S+$/i.test(card.url) ? card.url : undefined;
  if (card.title) {
    // A header is plain text (no escaping, no link) up to 150 characters; longer or linked titles are a bold section.
    if (card.title.length <= HEADER_MAX && !url) blocks.push({ type: 'header', text: { type: 'plain_text', text: card.title, emoji: true } });
    else blocks.push({ type: 'section', text: mrkdwn(url ? `*${link(url, card.title)}*` : `*${escapeSlack(card.title)}*`) });
  }
  for (let i = 0; i < card.fields.length; i += FIELDS_PER_SECTION) {
    const fields = card.fields.slice(i, i + FIELDS_PER_SECTION).map((f) => mrkdwn(fieldText(f.name, f.value, f.numeric)));
    blocks.push({ type: 'section', fields });
  }
  if (card.description) {
    for (const piece of sectionPieces(card.description)) blocks.push({ type: 'section', text: mrkdwn(escapeSlack(piece)) });
  }
  if (card.url && !url) blocks.push({ type: 'section', text: mrkdwn(escapeSlack(card.url)) });
  const context = [card.footer ? escapeSlack(card.footer) : '', card.timestamp !== undefined ? slackDate(card.timestamp) : ''].filter(Boolean);
  if (context.length) blocks.push({ type: 'context', elements: [mrkdwn(context.join(' · '))] });
  return blocks;
}

/** A mrkdwn text object that Slack shows as written: `verbatim` stops it turning bare names into mentions. */
function mrkdwn(text: string): { type: 'mrkdwn'; text: string; verbatim: true } {
  return { type: 'mrkdwn', text, verbatim: true };
}

function fieldText(name: string, value: string, numeric?: boolean): string {
  return `*${escapeSlack(name)}*\n${numeric ? `\`${escapeSlack(value)}\`` : escapeSlack(value)}`;
}

/** Slack renders `<!date^…>` in the reader's own time zone; the fallback is UTC. */
function slackDate(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `<!date^${s}^{date_short_pretty} {time_secs}|${new Date(ms).toISOString().replace('T', ' ').slice(0, 19)} UTC>`;
}

/** Description sections of at most 3000 escaped characters, on line boundaries. */
function sectionPieces(text: string): string[] {
  return splitText(text, SECTION_MAX, slackLength);
}

/** Cards as one message's blocks, a divider between cards. */
export function slackBlocks(cards: readonly Card[]): SlackBlock[] {
  const blocks: SlackBlock[] = [];
  cards.forEach((card, i) => {
    if (i > 0) blocks.push({ type: 'divider' });
    blocks.push(...blocksOf(card));
  });
  return blocks;
}

function blockText(b: SlackBlock): number {
  if (b.type === 'divider') return 0;
  if (b.type === 'header') return b.text.text.length;
  if (b.type === 'context') return b.elements.reduce((n, e) => n + e.text.length, 0);
  return (b.text?.text.length ?? 0) + (b.fields ?? []).reduce((n, f) => n + f.text.length, 0);
}

function blockFits(b: SlackBlock): boolean {
  if (b.type === 'section') return (b.text?.text.length ?? 0) <= SECTION_MAX && (b.fields ?? []).every((f) => f.text.length <= FIELD_MAX);
  if (b.type === 'context') return b.elements.every((e) => e.text.length <= SECTION_MAX);
  return true;
}

const rules: CardRules = {
  fits(cards) {
    const blocks = slackBlocks(cards);
    return blocks.length <= MAX_BLOCKS && blocks.every(blockFits) && blocks.reduce((n, b) => n + blockText(b), 0) <= BLOCK_TEXT_MAX;
  },
  normalize(card) {
    // Fields and titles too big for a block move into the description, whole.
    const tooBig = (f: Card['fields'][number]): boolean => fieldText(f.name, f.value, f.numeric).length > FIELD_MAX;
    const moved = card.fields.filter(tooBig);
    const longTitle = slackLength(card.title) > SECTION_MAX - 10;
    const footerTooLong = card.footer !== undefined && slackLength(card.footer) > SECTION_MAX - 200;
    if (!moved.length && !longTitle && !footerTooLong) return card;
    const extra = [longTitle ? card.title : '', ...moved.map((f) => `${f.name}: ${f.value}`), footerTooLong ? card.footer! : ''].filter(Boolean);
    const { footer, ...rest } = card;
    return {
      ...rest,
      title: longTitle ? `${card.title.slice(0, 140)}…` : card.title,
      fields: card.fields.filter((f) => !moved.includes(f)),
      description: [...extra, card.description ?? ''].filter(Boolean).join('\n'),
      ...(footer !== undefined && !footerTooLong ? { footer } : {}),
    };
  },
  pieceMax: 2 * SECTION_MAX,
  measure: slackLength,
};

/** Refusals of the blocks themselves: the same words are resent as text. */
export const BLOCK_ERRORS: ReadonlySet<string> = new Set(['invalid_blocks', 'invalid_blocks_format', 'msg_blocks_too_long']);

/**
 * The message fields webhooks and the bot share: `text` (the one-line summaries with cards, the
 * whole text without), `blocks` for cards when `rich`, and `thread_ts`.
 */
export function slackMessage(part: OutgoingPart, rich: boolean, threadTs: string | undefined): Record<string, unknown> {
  const message: Record<string, unknown> = {};
  if (part.cards && rich) {
    message.text = escapeSlack(part.text);
    message.blocks = slackBlocks(part.cards);
  } else {
    message.text = escapeSlack(part.cards ? part.cards.map(cardText).join('\n\n') : part.text);
  }
  if (threadTs) message.thread_ts = threadTs;
  return message;
}

/** Slack's card packing: at most 50 blocks and ~11,000 characters of block text per message. */
export const slackCards: CardSupport = {
  fits: rules.fits,
  split: (card) => splitCard(card, rules),
};
