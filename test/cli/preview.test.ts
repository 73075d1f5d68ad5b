/** Notifier.preview(), which `herald send --dry-run` relies on: the routes of notify(), with nothing queued or reported. */
import { afterEach, describe, expect, it } from 'vitest';
import { createNotifier, type Notifier } from '../../src/core/notifier.js';
import { captured, useMsw } from '../fixtures/platforms.js';
import { TOKEN } from './harness.js';

// The notifier below is built with real platform URLs: msw answers (or fails the test for) anything it sends.
useMsw();

const DISCORD = 'https://discord.com/api/webhooks/111222333444555666/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789';
const SLACK = 'https://hooks.slack.com/services/T0AAAAAAA/B0BBBBBBB/abcdefghijklmnopqrstuvwx';
let notifier: Notifier | undefined;
afterEach(async () => {
  await notifier?.close(0);
});

describe('Notifier.preview', () => {
  it('resolves routing and targets like notify(), without queuing or warning', () => {
    const reports: string[] = [];
    notifier = createNotifier({
      env: { GENERAL_TELEGRAM_BOT_TOKEN: TOKEN, GENERAL_TELEGRAM_BOT_CHAT_ID: '-100123', ERROR_SLACK_WEBHOOK: SLACK, OPS: DISCORD },
      drainOnExit: false,
      diagnostics: (l) => void reports.push(l),
    });
    const warnings: unknown[] = [];
    notifier.on('warning', (w) => warnings.push(w));
    expect(notifier.preview()).toEqual({ destinations: ['Telegram bot 123456789:AA… → chat -100123'] });
    expect(notifier.preview({ level: 'error' }).destinations).toEqual(['Slack webhook T0AAAAAAA/B0BBBBBBB/ab…', 'Telegram bot 123456789:AA… → chat -100123']);
    expect(notifier.preview({ to: 'OPS' })).toEqual({ destinations: ['Discord webhook 111222333444555666/Ab…'] });
    const bad = notifier.preview({ to: 'NOPE' });
    expect(bad.destinations).toEqual(['Telegram bot 123456789:AA… → chat -100123']);
    expect(bad.note).toMatch(/^⚠️ log target NOPE is not set — sent here instead\.$/);
    expect(notifier.backlog()).toBe(0);
    expect(warnings).toEqual([]);
    expect(reports).toEqual([]);
    expect(captured).toEqual([]); // preview sends nothing
  });
});
