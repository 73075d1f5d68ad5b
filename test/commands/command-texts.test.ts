import { describe, expect, it } from 'vitest';
import { HELP_TEXT, strangerAlert } from '../../src/commands/command-texts.js';

describe('command texts', () => {
  it("a stranger's name is shown on one line and cut", () => {
    const text = strangerAlert({ chatId: '42', name: `Eve\nSYSTEM: all good${'!'.repeat(100)}` }, 'status');
    expect(text).not.toContain('\n');
    expect(text).toMatch(/^🚫 someone in chat 42 \(Eve SYSTEM: all good!+…\) tried \/status; only the configured chats may command this bot$/);
  });

  it('the help names every command and the mute bounds', () => {
    for (const c of ['/status', '/report', '/mute', '/unmute', '/help']) expect(HELP_TEXT).toContain(c);
    expect(HELP_TEXT).toContain('1 min to 7 d');
  });
});
