/**
 * A rich notification as plain data: a headline, a tone, named fields and an optional body.
 * The plugin builds one for each lifecycle event; each driver shows it the platform's way
 * (a Discord embed, Slack blocks, a bold Telegram headline with numbers in monospace) and the
 * console prints {@link cardText}. Plain data, so queues (and a journal) can hold it.
 */
import { splitText } from './split.js';

/**
 * What the card is about, which decides its colour: buy/long/profit, sell/short/loss, errors,
 * the rest; `plain` for a text line travelling among cards (no colour, no headline).
 */
export type Tone = 'good' | 'bad' | 'error' | 'info' | 'plain';

/** One labelled value (`Qty` → `0.5`). */
export interface CardField {
  readonly name: string;
  readonly value: string;
  /** A number or code: monospace where the platform has it. */
  readonly numeric?: boolean;
}

/** A rich notification. Every string is plain text: drivers escape it for their markup. */
export interface Card {
  /** The headline (`✅ FILLED BUY 0.5 BTC-USDT`); may be empty on a continuation card. */
  readonly title: string;
  readonly tone: Tone;
  readonly fields: readonly CardField[];
  /** Free text below the fields (an error's message and stack). */
  readonly description?: string;
  /** A link the event carries (an exchange's order page); the headline links to it. */
  readonly url?: string;
  /** Small print at the bottom (`binance · ema-cross · paper`). */
  readonly footer?: string;
  /** When it happened, epoch ms. */
  readonly timestamp?: number;
}

/** The card as plain lines, for destinations without rich messages and for splitting. */
export function cardText(card: Card): string {
  const lines: string[] = [];
  if (card.title) lines.push(card.title);
  if (card.fields.length) lines.push(card.fields.map((f) => `${f.name}: ${f.value}`).join(' · '));
  if (card.description) lines.push(card.description);
  if (card.url) lines.push(card.url);
  if (card.footer) lines.push(card.footer);
  return lines.join('\n');
}

/** Approximate memory a card holds, for the queue's byte budget. */
export function cardBytes(card: Card): number {
  let n = card.title.length + (card.description?.length ?? 0) + (card.url?.length ?? 0) + (card.footer?.length ?? 0);
  for (const f of card.fields) n += f.name.length + f.value.length + 16;
  return n * 2 + 64;
}

/** A driver's card limits, for {@link splitCard}. */
export interface CardRules {
  /** True when these cards fit one request. */
  fits(cards: readonly Card[]): boolean;
  /** Moves what no single field or title may hold into the description (nothing dropped). */
  normalize(card: Card): Card;
  /** Largest description piece, in `measure` units, the platform shows in one block. */
  readonly pieceMax: number;
  readonly measure: (text: string) => number;
}

/**
 * Cuts a card into cards that each fit one request: the headline and fields on the first, the
 * description continued on the next ones, in order. Never truncates: what the head cannot hold
 * (a footer longer than a message, more fields than fit together) moves into the description.
 */
export function splitCard(card: Card, rules: CardRules): Card[] {
  const normal = rules.normalize(card);
  if (rules.fits([normal])) return [normal];
  const { head, description } = fitHead(normal, rules);
  const pieces = description ? piecesOf(description, rules) : [];
  const out: Card[] = [];
  let current: Card = head;
  for (const { text, separator } of pieces) {
    // The separator is what lay between the pieces: a line break, or nothing inside a cut line.
    const joined: Card = { ...current, description: current.description === undefined ? text : `${current.description}${separator}${text}` };
    if (rules.fits([joined])) current = joined;
    else {
      out.push(current);
      current = { title: '', tone: normal.tone, fields: [], description: text };
    }
  }
  out.push(current);
  return out;
}

/** The card without its description, made to fit by moving the footer, then fields from the end, into the description. */
function fitHead(card: Card, rules: CardRules): { head: Card; description: string | undefined } {
  const { description, ...rest } = card;
  let head: Card = rest;
  const moved: string[] = [];
  if (!rules.fits([head]) && head.footer !== undefined) {
    const { footer, ...noFooter } = head;
    moved.push(footer);
    head = noFooter;
  }
  const fields = [...head.fields];
  const movedFields: string[] = [];
  while (!rules.fits([{ ...head, fields }]) && fields.length) {
    const f = fields.pop()!;
    movedFields.unshift(`${f.name}: ${f.value}`);
  }
  head = { ...head, fields };
  const text = [...movedFields, ...moved, description ?? ''].filter((t) => t !== '').join('\n');
  return { head, description: text === '' ? undefined : text };
}

/** Description pieces (the same splitter messages use), each with the text that separated it from the one before. */
function piecesOf(description: string, rules: CardRules): { text: string; separator: string }[] {
  const out: { text: string; separator: string }[] = [];
  let pos = 0;
  for (const text of splitText(description, rules.pieceMax, rules.measure)) {
    const at = description.indexOf(text, pos);
    out.push({ text, separator: at > pos ? description.slice(pos, at) : '' });
    pos = at + text.length;
  }
  return out;
}
