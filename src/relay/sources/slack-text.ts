/**
 * A Slack incoming-webhook message as readable text: mrkdwn's entities, links and mentions made
 * plain, Block Kit blocks as lines (header, sections and their fields, context, rich text, lists,
 * buttons), and legacy attachments. Blocks win over `text`, as in Slack, where `text` is then
 * only the notification's fallback.
 */
import { type Fields, firstText, isFields, joinLines, text } from './fields.js';

/** Slack mrkdwn as plain text: `<url|label>` → `label (url)`, `<@U1>` → `@U1`, `&lt;` → `<`. */
export function slackMrkdwnToText(mrkdwn: string): string {
  return mrkdwn
    .replace(/<([^<>\n]+)>/g, (_m, inner: string) => {
      const bar = inner.indexOf('|');
      const target = bar < 0 ? inner : inner.slice(0, bar);
      const label = bar < 0 ? undefined : inner.slice(bar + 1);
      if (target.startsWith('!')) {
        // <!here>, <!channel>, <!date^…|fallback>, <!subteam^ID|@team>
        const word = target.slice(1).split('^')[0]!;
        return label ?? `@${word}`;
      }
      if (target.startsWith('@') || target.startsWith('#')) return label ? `${target[0]}${label.replace(/^[@#]/, '')}` : target;
      return label && label !== target ? `${label} (${target})` : target;
    })
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** A text object (`{ type: 'mrkdwn' | 'plain_text', text }`) as text. */
function textObject(v: unknown): string | undefined {
  if (!isFields(v)) return undefined;
  const t = text(v.text);
  return t === undefined ? undefined : v.type === 'mrkdwn' ? slackMrkdwnToText(t) : t;
}

/** The inline elements of a rich text section. */
function richElements(elements: unknown): string {
  if (!Array.isArray(elements)) return '';
  return elements
    .filter(isFields)
    .map((e) => {
      switch (e.type) {
        case 'text':
          return typeof e.text === 'string' ? e.text : '';
        case 'link': {
          const url = text(e.url) ?? '';
          const label = text(e.text);
          return label && label !== url ? `${label} (${url})` : url;
        }
        case 'user':
          return `@${text(e.user_id) ?? 'user'}`;
        case 'usergroup':
          return `@${text(e.usergroup_id) ?? 'group'}`;
        case 'channel':
          return `#${text(e.channel_id) ?? 'channel'}`;
        case 'broadcast':
          return `@${text(e.range) ?? 'here'}`;
        case 'emoji':
          return typeof e.unicode === 'string' ? String.fromCodePoint(...e.unicode.split('-').map((h) => parseInt(h, 16))) : `:${text(e.name) ?? 'emoji'}:`;
        case 'date':
          return text(e.fallback) ?? String(e.timestamp ?? '');
        default:
          return text(e.text) ?? '';
      }
    })
    .join('');
}

function richText(block: Fields): string {
  const parts = Array.isArray(block.elements) ? block.elements.filter(isFields) : [];
  return joinLines(
    parts.map((p) => {
      if (p.type === 'rich_text_list') {
        const items = Array.isArray(p.elements) ? p.elements.filter(isFields) : [];
        return items.map((item, i) => `${p.style === 'ordered' ? `${i + 1}.` : '•'} ${richElements(item.elements)}`).join('\n');
      }
      const line = richElements(p.elements);
      return p.type === 'rich_text_quote' ? line.replace(/^/gm, '> ') : line;
    }),
  );
}

function blockText(block: Fields): string | undefined {
  switch (block.type) {
    case 'header':
    case 'markdown':
      return textObject(block.text) ?? text(block.text);
    case 'section':
      return joinLines([textObject(block.text), ...(Array.isArray(block.fields) ? block.fields.map(textObject) : [])]);
    case 'context':
      return Array.isArray(block.elements)
        ? joinLines(
            block.elements.map((e) => textObject(e) ?? (isFields(e) ? text(e.alt_text) : undefined)),
            ' · ',
          )
        : undefined;
    case 'divider':
      return '———';
    case 'image':
      return joinLines([textObject(block.title) ?? text(block.alt_text), text(block.image_url)], ': ');
    case 'rich_text':
      return richText(block);
    case 'actions':
      return Array.isArray(block.elements)
        ? joinLines(
            block.elements.filter(isFields).map((e) => joinLines([textObject(e.text), text(e.url) && `(${text(e.url)})`], ' ')),
            ' · ',
          )
        : undefined;
    default:
      return undefined;
  }
}

function attachmentText(a: Fields): string {
  const title = text(a.title);
  const link = text(a.title_link);
  const fields = Array.isArray(a.fields) ? a.fields.filter(isFields).map((f) => joinLines([text(f.title), text(f.value)], ': ')) : [];
  const own = joinLines([
    text(a.pretext),
    text(a.author_name),
    title && link ? `${title} (${link})` : title,
    text(a.text),
    ...fields,
    ...(Array.isArray(a.blocks) ? a.blocks.filter(isFields).map(blockText) : []),
    text(a.footer),
  ]);
  return slackMrkdwnToText(own || (text(a.fallback) ?? ''));
}

/** The text of a Slack webhook body: its blocks (else its text), then its attachments. */
export function slackMessageText(message: Fields): string {
  const blocks = Array.isArray(message.blocks) ? joinLines(message.blocks.filter(isFields).map(blockText)) : '';
  const fallback = firstText(message, 'text');
  const main = blocks || (fallback && slackMrkdwnToText(fallback));
  const attachments = Array.isArray(message.attachments) ? message.attachments.filter(isFields).map(attachmentText) : [];
  return joinLines([main, ...attachments], '\n\n');
}
