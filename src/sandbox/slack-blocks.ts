/**
 * Block Kit checks shared by the fake Slack webhook and Web API, with Slack's limits
 * (.scratch/bot-apis.md §4, node-slack-sdk `blocks.ts`): at most 50 blocks; `header` plain_text
 * ≤ 150; `section` text ≤ 3000 and/or ≤ 10 `fields` of ≤ 2000; `context` ≤ 10 elements;
 * `divider`; `rich_text`. The total text of all blocks is capped at 12,000 characters
 * (`msg_blocks_too_long`; the real cap is undocumented and was seen near 13k).
 */
import { codePointLength } from './telegram-markup.js';

/** Most blocks in one message. */
export const MAX_BLOCKS = 50;
/** Most characters of text across all blocks of one message. */
export const MAX_BLOCKS_TEXT = 12_000;

/** Block types Slack has that the fake accepts without checking their inner shape. */
const LOOSE_TYPES = new Set(['image', 'actions', 'input', 'file', 'video', 'markdown', 'table', 'context_actions', 'rich_text']);

/** What {@link checkBlocks} found: the blocks (parsed if sent as a JSON string) or Slack's error code. */
export type BlocksCheck =
  { ok: true; blocks: unknown[] | undefined } | { ok: false; error: 'invalid_blocks' | 'invalid_blocks_format' | 'msg_blocks_too_long' };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Characters of a text object (`{ type, text }`) if it is valid and within `max`, else -1. */
function textObject(v: unknown, max: number, types: readonly string[] = ['plain_text', 'mrkdwn']): number {
  if (!isObj(v) || typeof v['type'] !== 'string' || !types.includes(v['type']) || typeof v['text'] !== 'string') return -1;
  const n = codePointLength(v['text']);
  return n >= 1 && n <= max ? n : -1;
}

/** Text in a block Slack does not ask the fake to check (rich_text runs, markdown), for the total. */
function looseText(v: unknown, depth = 0): number {
  if (depth > 8) return 0;
  if (typeof v === 'string') return 0;
  if (Array.isArray(v)) return v.reduce<number>((n, x) => n + looseText(x, depth + 1), 0);
  if (!isObj(v)) return 0;
  let n = typeof v['text'] === 'string' ? codePointLength(v['text']) : 0;
  for (const [k, x] of Object.entries(v)) if (k !== 'text' && typeof x === 'object') n += looseText(x, depth + 1);
  return n;
}

/** Characters of text in one valid block, or -1 when Slack would refuse it. */
function blockText(block: unknown): number {
  if (!isObj(block) || typeof block['type'] !== 'string') return -1;
  if (block['block_id'] !== undefined && (typeof block['block_id'] !== 'string' || block['block_id'].length > 255)) return -1;
  switch (block['type']) {
    case 'header':
      return textObject(block['text'], 150, ['plain_text']);
    case 'section': {
      const { text, fields } = block;
      if (text === undefined && fields === undefined) return -1;
      let n = 0;
      if (text !== undefined) {
        const t = textObject(text, 3000);
        if (t < 0) return -1;
        n += t;
      }
      if (fields !== undefined) {
        if (!Array.isArray(fields) || fields.length < 1 || fields.length > 10) return -1;
        for (const f of fields) {
          const t = textObject(f, 2000);
          if (t < 0) return -1;
          n += t;
        }
      }
      return n;
    }
    case 'context': {
      const elements = block['elements'];
      if (!Array.isArray(elements) || elements.length < 1 || elements.length > 10) return -1;
      let n = 0;
      for (const e of elements) {
        if (isObj(e) && e['type'] === 'image') {
          if (typeof e['alt_text'] !== 'string' || (typeof e['image_url'] !== 'string' && !isObj(e['slack_file']))) return -1;
          continue;
        }
        const t = textObject(e, 3000);
        if (t < 0) return -1;
        n += t;
      }
      return n;
    }
    case 'divider':
      return 0;
    default:
      return LOOSE_TYPES.has(block['type']) ? looseText(block) : -1;
  }
}

/**
 * Checks a message's `blocks` like Slack: absent is fine; a JSON string (form bodies) is
 * parsed; otherwise an array of at most {@link MAX_BLOCKS} valid blocks whose text totals at
 * most {@link MAX_BLOCKS_TEXT} characters.
 */
export function checkBlocks(raw: unknown): BlocksCheck {
  if (raw === undefined || raw === null) return { ok: true, blocks: undefined };
  let blocks: unknown = raw;
  if (typeof raw === 'string') {
    if (raw.trim() === '') return { ok: true, blocks: undefined };
    try {
      blocks = JSON.parse(raw) as unknown;
    } catch {
      return { ok: false, error: 'invalid_blocks_format' };
    }
  }
  if (!Array.isArray(blocks)) return { ok: false, error: 'invalid_blocks_format' };
  if (blocks.length > MAX_BLOCKS) return { ok: false, error: 'invalid_blocks' };
  let total = 0;
  for (const block of blocks) {
    const n = blockText(block);
    if (n < 0) return { ok: false, error: 'invalid_blocks' };
    total += n;
  }
  if (total > MAX_BLOCKS_TEXT) return { ok: false, error: 'msg_blocks_too_long' };
  return { ok: true, blocks };
}
