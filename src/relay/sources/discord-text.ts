/**
 * A Discord webhook message as readable text: the content with Discord's markup made plain
 * (escapes, mentions, timestamps, custom emoji, masked links, bold/underline/strike/spoiler
 * markers, code fences), then each embed as lines (author, title, description, one line per
 * field, footer and time).
 */
import { type Fields, firstText, isFields, joinLines, text } from './fields.js';

/** Discord's `<t:1700000000:R>` as a date people read anywhere: `2023-11-14 22:13 UTC`. */
function timestamp(seconds: string): string {
  const d = new Date(Number(seconds) * 1000);
  return Number.isNaN(d.getTime()) ? seconds : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Discord markdown as plain text (what a reader of the Discord message would see). */
export function discordMarkdownToText(markdown: string): string {
  return (
    markdown
      .replace(/```[A-Za-z0-9_+-]*\n?/g, '')
      .replace(/`([^`\n]+)`/g, '$1')
      .replace(/<t:(-?\d+)(?::[tTdDfFR])?>/g, (_m, s: string) => timestamp(s))
      .replace(/<a?:(\w+):\d+>/g, ':$1:')
      .replace(/<@!?(\d+)>/g, '@$1')
      .replace(/<@&(\d+)>/g, '@role:$1')
      .replace(/<#(\d+)>/g, '#$1')
      .replace(/\[([^\]\n]+)\]\(<?(https?:\/\/[^\s)>]+)>?\)/g, '$1 ($2)')
      .replace(/(\*\*|__|~~|\|\|)(?=\S)([^\n]*?\S)\1/g, '$2')
      // Jesse escapes every underscore (`entry\_price`) for Markdown; Discord shows the character alone.
      .replace(/\\([\\`*_{}[\]()#+\-.!|~>:<])/g, '$1')
  );
}

function embedText(embed: Fields): string {
  const author = isFields(embed.author) ? text(embed.author.name) : undefined;
  const title = text(embed.title);
  const url = text(embed.url);
  const head = title && url ? `${title} (${url})` : (title ?? url);
  const fields = Array.isArray(embed.fields)
    ? embed.fields.filter(isFields).map((f) =>
        joinLines(
          [text(f.name), text(f.value)].map((p) => p && discordMarkdownToText(p)),
          ': ',
        ),
      )
    : [];
  const footer = isFields(embed.footer) ? text(embed.footer.text) : undefined;
  const when = text(embed.timestamp);
  return joinLines([
    author,
    head && discordMarkdownToText(head),
    text(embed.description) && discordMarkdownToText(text(embed.description)!),
    ...fields,
    joinLines([footer, when], ' · '),
  ]);
}

/** The text of a Discord webhook body: content, then each embed. */
export function discordMessageText(message: Fields): string {
  const content = firstText(message, 'content');
  const embeds = Array.isArray(message.embeds) ? message.embeds.filter(isFields).map(embedText) : [];
  return joinLines([content && discordMarkdownToText(content), ...embeds], '\n\n');
}
