import { describe, expect, it } from 'vitest';
import { allowedChatSet, fromAllowedChat, incomingMessage } from '../../src/commands/command-message.js';

describe('incomingMessage and the allowed chats', () => {
  const update = (message: object, kind = 'message') => ({ update_id: 1, [kind]: message });

  it('reads a message or a channel post with text; edits and other updates are no commands', () => {
    expect(
      incomingMessage(
        update({
          message_id: 7,
          date: 1_700_000_000,
          text: '/status',
          chat: { id: '-1001234567890', type: 'supergroup', title: 'Ops' },
          from: { first_name: 'Alice', last_name: 'Smith' },
        }),
      ),
    ).toEqual({ chatId: '-1001234567890', messageId: 7, sentAt: 1_700_000_000_000, text: '/status', title: 'Ops', name: 'Alice Smith' });
    expect(
      incomingMessage(update({ message_id: 3, date: 1, text: '/status', chat: { id: '-1005', type: 'channel', username: 'desk' } }, 'channel_post')),
    ).toMatchObject({
      chatId: '-1005',
      chatUsername: 'desk',
      username: 'desk',
    });
    expect(incomingMessage(update({ message_id: 3, date: 1, text: '/status', chat: { id: '5' } }, 'edited_message'))).toBeUndefined();
    expect(incomingMessage(update({ message_id: 3, date: 1, photo: [], chat: { id: '5' } }))).toBeUndefined();
    expect(
      incomingMessage(update({ message_id: 3, date: 1, text: '/status', chat: { id: '-1005' }, message_thread_id: 12, is_topic_message: true })),
    ).toMatchObject({ threadId: 12 });
  });

  it('a chat is allowed by its id, or by its @username without case', () => {
    const allowed = allowedChatSet([' -1001234567890 ', '@Desk']);
    const message = (chatId: string, chatUsername?: string) =>
      incomingMessage(update({ message_id: 1, date: 1, text: '/status', chat: { id: chatId, ...(chatUsername ? { username: chatUsername } : {}) } }))!;
    expect(fromAllowedChat(message('-1001234567890'), allowed)).toBe(true);
    expect(fromAllowedChat(message('-1005', 'desk'), allowed)).toBe(true);
    expect(fromAllowedChat(message('1234567890'), allowed)).toBe(false);
    expect(fromAllowedChat(message('-1006', 'other'), allowed)).toBe(false);
  });
});
