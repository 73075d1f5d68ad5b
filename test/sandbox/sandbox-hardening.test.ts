/**
 * Review findings in the sandbox: renderers that were quadratic on unclosed markers (a long
 * Slack line stalled the whole sandbox) or recursed as deep as a message was long, and
 * message/event histories that grew without bound in a long-running sandbox.
 */
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderers, toHtml, type RNode } from '../../src/sandbox/inbox/render.js';
import { FakePlatformServer } from '../../src/sandbox/fake-platforms.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox.js';
import { sandboxEnv, sandboxLabels, SANDBOX_IDS } from '../../src/sandbox/sandbox-env.js';
import { eventLine, SANDBOX_MAX_HISTORY, sandboxCommand } from '../../src/cli/commands/sandbox.js';

// Wraps startSandbox so the test can see the options `herald sandbox` passes; behaviour unchanged.
vi.mock('../../src/sandbox/sandbox.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/sandbox/sandbox.js')>();
  return { ...real, startSandbox: vi.fn(real.startSandbox) };
});

const N = 100_000;

/** The deepest element nesting in a rendered tree. */
function depth(nodes: readonly RNode[]): number {
  let max = 0;
  for (const n of nodes) if (typeof n !== 'string') max = Math.max(max, 1 + depth(n.c));
  return max;
}

/** `unit` repeated to about `N` characters. */
const line = (unit: string): string => unit.repeat(Math.ceil(N / unit.length));

// The assertions are on the rendered shape; the timeout is only a hang guard, generous for the
// linear renderers (tens of ms) and far below what the quadratic ones took (15-30 s each).
describe('8. the renderers are linear on adversarial lines', { timeout: 5000 }, () => {
  // Before: each unclosed marker scanned to the end of the line (a 39k-character Slack line of
  // "*a " took 3.4 s). In these 100k-character lines no marker can close (a closer may not
  // follow a space), so they must render as the plain text, at once.
  const unclosed: Array<[string, string, string?]> = [
    ['slack', line('*a ')],
    ['slack', line('_a ')],
    ['slack', line('~a ')],
    ['discord', line('*a ')],
    ['discord', line('**a ')],
    ['discord', line('__a ')],
    ['discord', line('~~a ')],
    ['discord', line('[a](')],
    // A regex did the link check; it is cheaper per character, so twice the length shows it.
    ['discord', '['.repeat(2 * N)],
    ['telegram', '['.repeat(2 * N), 'MarkdownV2'],
    ['telegram', '['.repeat(2 * N), 'Markdown'],
  ];
  for (const [platform, text, parseMode] of unclosed) {
    it(`${platform}${parseMode ? ` ${parseMode}` : ''}: ${JSON.stringify(text.slice(0, 6))}… (${text.length} chars) renders as the text itself`, () => {
      expect(renderers.render(platform, text, parseMode)).toEqual([text]);
    });
  }

  it('the markup that does close still renders, with the same meaning as on a short line', () => {
    // Short: the first "*" closes on the last one (the "*" after a space cannot close).
    expect(toHtml(renderers.render('slack', '*a *a *b*'))).toBe('<b>a *a *b</b>');
    const long = `${line('*a ')}*b*`;
    const nodes = renderers.render('slack', long);
    expect(nodes).toHaveLength(1);
    expect(nodes[0]).toEqual({ t: 'b', c: [long.slice(1, -1)] });

    // A link's text runs from the first "[" to the first "]", "[" included (as the regex did).
    const links = `${line('[a')}[x](https://example.com/x) tail`;
    expect(renderers.render('discord', links)).toEqual([{ t: 'a', c: [`${line('[a').slice(1)}[x`], href: 'https://example.com/x' }, ' tail']);
    expect(renderers.render('discord', '[a[b](https://e.com) [c]')).toEqual([{ t: 'a', c: ['a[b'], href: 'https://e.com' }, ' [c]']);
  });

  it('a bare URL with long runs of punctuation: trailing punctuation is trimmed, inner punctuation kept', () => {
    const text = `see https://example.com/a${'.'.repeat(N)} ok`;
    expect(renderers.render('slack', text)).toEqual(['see ', { t: 'a', c: ['https://example.com/a'], href: 'https://example.com/a' }, `${'.'.repeat(N)} ok`]);
    // Punctuation that does not end the URL: the trimming regex retried from each of these characters.
    const inner = `https://example.com/a${'.)'.repeat(N)}b`;
    expect(renderers.render('slack', `see ${inner} ok`)).toEqual(['see ', { t: 'a', c: [inner], href: inner }, ' ok']);
  });

  it('Telegram HTML: a 100k-character run of unclosed start tags is text; deep nesting is capped', () => {
    const tags = line('<b a=');
    expect(renderers.render('telegram', tags, 'HTML')).toEqual([tags]);

    // The fake accepts this (its text is "x"): it used to overflow the stack while rendering.
    const deep = `${'<b>'.repeat(30_000)}x${'</b>'.repeat(30_000)} after`;
    const nodes = renderers.render('telegram', deep, 'HTML');
    expect(depth(nodes)).toBeLessThanOrEqual(33);
    expect(toHtml(nodes)).toMatch(/^(<b>)+x(<\/b>)+ after$/);

    // Closing tags nothing opened stay text, even under a deep stack.
    const stray = `${'<b>'.repeat(10_000)}x${'</i>'.repeat(10_000)}`;
    expect(toHtml(renderers.render('telegram', stray, 'HTML'))).toMatch(/x(&lt;\/i&gt;){10000}(<\/b>)+$/);
  });
});

describe('8b. herald sandbox survives any message', () => {
  it('eventLine renders a deeply nested Telegram HTML message instead of throwing', () => {
    const text = `${'<b>'.repeat(30_000)}deep${'</b>'.repeat(30_000)}`;
    const at = Date.now();
    const lineText = eventLine(
      {
        kind: 'message',
        platform: 'telegram',
        destination: SANDBOX_IDS.generalChatId,
        status: 200,
        at,
        message: { seq: 1, platform: 'telegram', destination: SANDBOX_IDS.generalChatId, text, parseMode: 'HTML', silent: false, body: {}, at },
      },
      sandboxLabels(),
      (s) => s,
      (s) => s,
    );
    expect(lineText).toMatch(/deep$/);
  });

  it('eventLine shows an embeds-only Discord message by its embeds’ titles', () => {
    const at = Date.now();
    const body = { embeds: [{ title: '✅ FILLED BUY 0.5 BTC-USDT' }, { description: 'a log line' }] };
    const lineText = eventLine(
      {
        kind: 'message',
        platform: 'discord',
        destination: SANDBOX_IDS.generalDiscord.id,
        status: 204,
        at,
        message: { seq: 1, platform: 'discord', destination: SANDBOX_IDS.generalDiscord.id, text: '', silent: false, body, at },
      },
      sandboxLabels(),
      (s) => s,
      (s) => s,
    );
    expect(lineText).toMatch(/→ GENERAL_DISCORD_WEBHOOK {2}\[2 embeds\] ✅ FILLED BUY 0\.5 BTC-USDT \| a log line$/);
  });

  it('a running `herald sandbox` prints the nested message and the next one (it did not crash)', async () => {
    const out = new PassThrough();
    let text = '';
    out.setEncoding('utf8').on('data', (d: string) => {
      text += d;
    });
    const controller = new AbortController();
    const running = sandboxCommand.run({
      argv: ['--port', '0', '--open=false'],
      stdout: out,
      stderr: new PassThrough(),
      stdin: new PassThrough(),
      env: { NO_COLOR: '1' },
      cwd: process.cwd(),
      signal: controller.signal,
    });
    try {
      await until(() => /Messages as they arrive/.test(text));
      const url = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(text)![1]!;
      const token = sandboxEnv(url).GENERAL_TELEGRAM_BOT_TOKEN;
      const send = (body: object): Promise<Response> =>
        fetch(`${url}/bot${token}/sendMessage`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(
        (await send({ chat_id: SANDBOX_IDS.generalChatId, parse_mode: 'HTML', text: `${'<b>'.repeat(30_000)}nested${'</b>'.repeat(30_000)}` })).status,
      ).toBe(200);
      // A long adversarial Slack line does not stall it either.
      const slack = sandboxEnv(url).GENERAL_SLACK_WEBHOOK;
      expect(
        (await fetch(slack, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: line('*a ') }) })).status,
      ).toBe(200);
      expect((await send({ chat_id: SANDBOX_IDS.generalChatId, text: 'still here' })).status).toBe(200);
      await until(() => /still here/.test(text));
      expect(text).toMatch(/nested/);
      expect(text).toMatch(/\*a \*a \*a/);
    } finally {
      controller.abort();
    }
    expect(await running).toBe(0);
    expect(startSandbox).toHaveBeenCalledWith(expect.objectContaining({ maxHistory: SANDBOX_MAX_HISTORY }));
    expect(SANDBOX_MAX_HISTORY).toBe(5000);
  });
});

describe('9. maxHistory bounds messages and events', () => {
  let fake: FakePlatformServer | undefined;
  let sandbox: Sandbox | undefined;
  afterEach(async () => {
    await fake?.close();
    await sandbox?.close();
    fake = undefined;
    sandbox = undefined;
  });

  const post = (base: string, chatId: string, text: string): Promise<Response> =>
    fetch(`${base}/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0/sendMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ chat_id: chatId, text }),
    });

  it('keeps the latest maxHistory of each, dropping the oldest', async () => {
    fake = await FakePlatformServer.start({ maxHistory: 3 });
    for (let i = 1; i <= 5; i++) expect((await post(fake.url, String(1000 + i), `m${i}`)).status).toBe(200);
    expect(fake.messages.map((m) => m.text)).toEqual(['m3', 'm4', 'm5']);
    expect(fake.messages.map((m) => m.seq)).toEqual([3, 4, 5]);
    expect(fake.events).toHaveLength(3);
    // Errors count as events too, and push messages out of the event history.
    expect((await post(fake.url, 'not-a-chat', 'x')).status).toBe(400);
    expect(fake.events.map((e) => e.kind)).toEqual(['message', 'message', 'error']);
    expect(fake.messages).toHaveLength(3);
  });

  it('is unlimited by default (tests and the benchmark read everything)', async () => {
    fake = await FakePlatformServer.start();
    for (let i = 1; i <= 12; i++) expect((await post(fake.url, String(2000 + i), `m${i}`)).status).toBe(200);
    expect(fake.messages).toHaveLength(12);
    expect(fake.events).toHaveLength(12);
  });

  it('rejects a maxHistory that is not a positive integer', async () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) await expect(FakePlatformServer.start({ maxHistory: bad })).rejects.toThrow(RangeError);
  });

  it('startSandbox passes it on', async () => {
    sandbox = await startSandbox({ maxHistory: 2 });
    for (let i = 1; i <= 4; i++) expect((await post(sandbox.url, String(3000 + i), `s${i}`)).status).toBe(200);
    expect(sandbox.fake.messages.map((m) => m.text)).toEqual(['s3', 's4']);
    expect(sandbox.fake.events).toHaveLength(2);
  });
});

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
