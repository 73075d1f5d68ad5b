/**
 * The parts of a Telegram update the command bot reads: a new message (or channel post) with
 * text, where it came from and who wrote it. Edits are not commands: editing an old `/mute`
 * must not mute again.
 */
import type { TelegramUpdate } from '../channels/telegram-api.js';
import type { CommandAuthor } from './command-texts.js';

/** A text message that may hold a command. */
export interface IncomingMessage extends CommandAuthor {
  /** The chat's own @username (a public group or channel), without the `@`. */
  readonly chatUsername?: string;
  readonly messageId: number;
  /** The forum topic it was written in, if any (the answer goes there too). */
  readonly threadId?: number;
  /** When it was sent (epoch ms). */
  readonly sentAt: number;
  readonly text: string;
}

interface RawMessage {
  message_id?: unknown;
  message_thread_id?: unknown;
  is_topic_message?: unknown;
  date?: unknown;
  text?: unknown;
  chat?: { id?: unknown; title?: unknown; username?: unknown };
  from?: { username?: unknown; first_name?: unknown; last_name?: unknown };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The text message an update carries (`message` or `channel_post`), or undefined. */
export function incomingMessage(update: TelegramUpdate): IncomingMessage | undefined {
  const m = (update.message ?? update.channel_post) as RawMessage | undefined;
  if (!m || typeof m !== 'object' || typeof m.text !== 'string') return undefined;
  const chatId = m.chat?.id;
  const messageId = Number(m.message_id);
  if ((typeof chatId !== 'string' && typeof chatId !== 'number') || !Number.isSafeInteger(messageId)) return undefined;
  const thread = Number(m.message_thread_id);
  const title = str(m.chat?.title);
  const chatUsername = str(m.chat?.username);
  // In a group, the writer's username says who; in a channel (no `from`), the channel's does.
  const username = str(m.from?.username) ?? (m.from ? undefined : chatUsername);
  const name = [str(m.from?.first_name), str(m.from?.last_name)].filter(Boolean).join(' ');
  return {
    chatId: String(chatId),
    ...(chatUsername ? { chatUsername } : {}),
    messageId,
    ...(m.is_topic_message === true && Number.isSafeInteger(thread) ? { threadId: thread } : {}),
    sentAt: Number(m.date) * 1000,
    text: m.text,
    ...(title ? { title } : {}),
    ...(username ? { username } : {}),
    ...(name ? { name } : {}),
  };
}

/**
 * True when the message comes from one of `allowed` ({@link allowedChatSet}): chat ids as
 * strings, exactly as Telegram writes them, or `@channelusername`, the two ways a chat can be
 * configured.
 */
export function fromAllowedChat(message: IncomingMessage, allowed: ReadonlySet<string>): boolean {
  if (allowed.has(message.chatId)) return true;
  return message.chatUsername !== undefined && allowed.has(`@${message.chatUsername.toLowerCase()}`);
}

/** The set {@link fromAllowedChat} reads: ids as given, `@usernames` in lower case (Telegram ignores their case). */
export function allowedChatSet(chats: readonly string[]): ReadonlySet<string> {
  return new Set(chats.map((c) => c.trim()).map((c) => (c.startsWith('@') ? c.toLowerCase() : c)));
}
