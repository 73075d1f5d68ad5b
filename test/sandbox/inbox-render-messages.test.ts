/**
 * Whole messages on the inbox page (src/sandbox/inbox/render.ts, run in Node: the code the page
 * runs): files (inline images, download links, text previews), edits that replace a message
 * and keep its history, reply quotes, and what the user sent the bots. Events are built by
 * hand, as the inbox server sends them. `toHtml` escapes every text, so `<` below is markup the
 * renderer made and `&lt;` is text.
 */
import { describe, expect, it } from 'vitest';
import { INLINE_IMAGE_MAX_BYTES, renderers as R, toHtml, type RFile, type RMessage, type RNode } from '../../src/sandbox/inbox/render.js';

/** A 1×1 PNG. */
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';
const PNG_SIZE = Buffer.from(PNG, 'base64').length;
const AT = new Date(2024, 4, 1, 12, 3, 4).getTime();

const msg = (fields: Partial<RMessage>): RMessage => ({ kind: 'message', platform: 'telegram', destination: '111', at: AT, ...fields });
const html = (nodes: readonly RNode[]): string => toHtml(nodes);
const png = (fields: Partial<RFile> = {}): RFile => ({
  name: 'chart.png',
  contentType: 'image/png',
  size: PNG_SIZE,
  base64: PNG,
  url: '/inbox/files/3/0',
  ...fields,
});

/** Every element of a tree, flattened. */
function elements(nodes: readonly RNode[]): Exclude<RNode, string>[] {
  return nodes.flatMap((n) => (typeof n === 'string' ? [] : [n, ...elements(n.c)]));
}

describe('files', () => {
  it('shows an image inline from its bytes, with the caption rendered as the platform would', () => {
    const ev = msg({ text: '<b>BTC</b> breakout &amp; retest', parseMode: 'HTML', files: [png()] });
    expect(html(R.content(ev))).toBe(
      `<div class="files"><div class="file file-image"><img src="data:image/png;base64,${PNG}" alt="chart.png"></div></div>` +
        '<div class="body"><b>BTC</b> breakout &amp; retest</div>',
    );
    // Discord: content as markdown under the image; Slack: mrkdwn.
    expect(
      html(R.content(msg({ platform: 'discord', text: '**up** 3%', files: [png({ contentType: 'image/jpeg', name: 'a.jpg', base64: '/9j/AA==' })] }))),
    ).toBe(
      '<div class="files"><div class="file file-image"><img src="data:image/jpeg;base64,/9j/AA==" alt="a.jpg"></div></div><div class="body"><b>up</b> 3%</div>',
    );
    expect(html(R.content(msg({ platform: 'slack', text: '*done*', files: [png()] })))).toContain('<div class="body"><b>done</b></div>');
    // A photo without a caption shows no empty text.
    expect(html(R.content(msg({ text: '', files: [png()] })))).not.toContain('class="body"');
    // A generic type is decided by the bytes' signature.
    expect(R.imageSrc(png({ contentType: 'application/octet-stream' }))).toBe(`data:image/png;base64,${PNG}`);
    expect(R.imageSrc(png({ contentType: '' }))).toBe(`data:image/png;base64,${PNG}`);
  });

  it('makes an image above the inline limit a download link with its size', () => {
    expect(INLINE_IMAGE_MAX_BYTES).toBe(2 * 1024 * 1024);
    const big = png({ name: 'full.png', size: 3 * 1024 * 1024, url: '/inbox/files/7/1' });
    const out = html(R.content(msg({ files: [big] })));
    expect(out).toBe(
      '<div class="files"><div class="file"><div class="file-row"><a href="/inbox/files/7/1" download="full.png" class="file-link">full.png</a>' +
        '<span class="file-size">3.0 MB</span></div></div></div>',
    );
    // Exactly at the limit it is still inline; bytes longer than the limit are refused whatever size is claimed.
    expect(R.imageSrc(png({ size: INLINE_IMAGE_MAX_BYTES }))).not.toBeNull();
    expect(R.imageSrc(png({ size: 10, base64: 'A'.repeat(Math.ceil(INLINE_IMAGE_MAX_BYTES / 3) * 4 + 4) }))).toBeNull();
    // The server sends no bytes for such an image: a link as well.
    expect(html(R.content(msg({ files: [{ ...big, base64: undefined }] })))).toContain('<a href="/inbox/files/7/1"');
  });

  it('shows other files as a link with name and size, and a text file with its first lines in a collapsible block', () => {
    const pdf: RFile = { name: 'report.pdf', contentType: 'application/pdf', size: 15_360, url: '/inbox/files/4/0' };
    expect(html(R.files([pdf]))).toBe(
      '<div class="file"><div class="file-row"><a href="/inbox/files/4/0" download="report.pdf" class="file-link">report.pdf</a><span class="file-size">15 KB</span></div></div>',
    );
    const txt: RFile = { name: 'message.txt', contentType: 'text/plain', size: 9000, url: '/inbox/files/4/1', preview: 'line 1\nline 2', previewCut: true };
    const out = html(R.files([txt]));
    expect(out).toContain('<a href="/inbox/files/4/1" download="message.txt" class="file-link">message.txt</a><span class="file-size">8.8 KB</span>');
    expect(out).toContain('<details class="file-preview" open><summary>first lines</summary><pre><code>line 1\nline 2\n…</code></pre></details>');
    const whole = html(R.files([{ ...txt, size: 13, previewCut: false }]));
    expect(whole).toContain('<summary>contents</summary><pre><code>line 1\nline 2</code></pre>');
    expect(html(R.files([{ ...pdf, size: 100 }]))).toContain('<span class="file-size">100 B</span>');
  });

  it('keeps hostile names, types, captions and paths inert', () => {
    const attack = '"><img src=x onerror=alert(1)><script>alert(2)</script>';
    const nodes = R.content(
      msg({
        platform: 'discord',
        text: attack,
        files: [
          { name: attack, contentType: 'text/html', size: 10, base64: 'PHNjcmlwdD4=', url: '/inbox/files/1/0' },
          { name: 'x.svg', contentType: 'image/svg+xml', size: 10, base64: 'PHN2Zz4=', url: 'javascript:alert(1)' },
          { name: 'y.png', contentType: 'image/png', size: 10, base64: 'AAAA" onerror="alert(1)', url: '/inbox/files/1/2?x=<b>' },
          { name: 'z.png', contentType: 'image/png;"><script>', size: 10, base64: PNG, url: '//evil.test/x' },
        ],
      }),
    );
    const out = html(nodes);
    expect(out.replace(/<\/?(div|a|span|img)( [a-z-]+="[^"<>]*")*>/g, '')).not.toContain('<');
    const els = elements(nodes);
    // SVG, a non-base64 payload, and a type with junk around it are not shown inline.
    expect(els.filter((e) => e.t === 'img').map((e) => e.src)).toEqual([`data:image/png;base64,${PNG}`]);
    // Only inbox download paths become links: a script URL, a query, another origin do not.
    expect(els.filter((e) => e.file !== undefined).map((e) => e.file)).toEqual(['/inbox/files/1/0']);
    expect(els.filter((e) => e.href !== undefined)).toEqual([]);
    expect(els.find((e) => e.cls === 'file-link')?.c).toEqual([attack]);
    expect(R.safeImageSrc('data:image/svg+xml;base64,PHN2Zz4=')).toBeNull();
    expect(R.safeImageSrc('data:text/html;base64,PHNjcmlwdD4=')).toBeNull();
    expect(R.safeImageSrc('javascript:alert(1)')).toBeNull();
    expect(R.safeFilePath('/inbox/files/1/0/../../x')).toBeNull();
  });
});

describe('edits', () => {
  const order = (text: string, at: number, fields: Partial<RMessage> = {}): RMessage => msg({ text, at, parseMode: 'HTML', ...fields });

  it('replace the message they edit, count as "edited ×N", and keep the earlier versions in a collapsed history', () => {
    const tl = R.timeline();
    const first = tl.apply(order('<b>SUBMITTED</b> BUY 0.5 BTC', AT, { messageId: '5' }));
    expect(first.op).toBe('new');
    expect(R.parts(first.entry, tl)).toMatchObject({ edited: null, quote: null, history: null });

    const partial = tl.apply(order('<b>PARTIAL</b> 0.2 of 0.5 BTC', AT + 1000, { messageId: '5', edits: '5' }));
    const filled = tl.apply(order('<b>FILLED</b> 0.5 BTC', AT + 2000, { messageId: '5', edits: '5' }));
    expect(partial.op).toBe('edit');
    expect(filled).toMatchObject({ op: 'edit' });
    expect(filled.entry).toBe(first.entry); // the same message: the page keeps its node's position
    expect(filled.entry.at).toBe(AT);

    const parts = R.parts(filled.entry, tl);
    expect(parts.edited).toBe('edited ×2');
    expect(html(parts.content)).toBe('<div class="body"><b>FILLED</b> 0.5 BTC</div>');
    expect(html([parts.history!])).toBe(
      '<details class="history"><summary>history: 2 earlier versions</summary>' +
        `<div class="version"><div class="version-head">original · ${R.clock(AT)}</div><div class="version-body"><div class="body"><b>SUBMITTED</b> BUY 0.5 BTC</div></div></div>` +
        `<div class="version"><div class="version-head">edit 1 · ${R.clock(AT + 1000)}</div><div class="version-body"><div class="body"><b>PARTIAL</b> 0.2 of 0.5 BTC</div></div></div>` +
        '</details>',
    );
    expect(R.clock(AT)).toBe('12:03:04');
  });

  it('match platform, destination and id: an edit of a message not on the page stands alone, marked "edited"', () => {
    const tl = R.timeline();
    tl.apply(order('in chat 111', AT, { messageId: '5' }));
    const elsewhere = tl.apply(order('same id, other chat', AT, { destination: '222', messageId: '5', edits: '5' }));
    const otherPlatform = tl.apply(order('same id, Discord', AT, { platform: 'discord', destination: '111', messageId: '5', edits: '5' }));
    for (const step of [elsewhere, otherPlatform]) {
      expect(step.op).toBe('new');
      expect(step.entry.orphan).toBe(true);
      expect(R.parts(step.entry, tl)).toMatchObject({ edited: 'edited', history: null });
    }
    // A later edit of the orphan updates it.
    const again = tl.apply(order('edited twice', AT, { destination: '222', messageId: '5', edits: '5' }));
    expect(again.op).toBe('edit');
    expect(again.entry).toBe(elsewhere.entry);
    const parts = R.parts(again.entry, tl);
    expect(parts.edited).toBe('edited ×2');
    expect(html([parts.history!])).toContain(`edit 1 · ${R.clock(AT)}`);
    // After the page is cleared, the original is gone too.
    tl.clear();
    expect(tl.apply(order('after clear', AT, { messageId: '5', edits: '5' })).entry.orphan).toBe(true);
  });

  it('keep the files of the message when they change only its caption, and keep a bounded history', () => {
    const tl = R.timeline();
    tl.apply(msg({ text: 'caption 1', messageId: '9', files: [png()] }));
    const caption = tl.apply(msg({ text: 'caption 2', messageId: '9', edits: '9' }));
    expect(html(R.parts(caption.entry, tl).content)).toContain(`<img src="data:image/png;base64,${PNG}"`);
    expect(html(R.parts(caption.entry, tl).content)).toContain('caption 2');

    let step = caption;
    for (let i = 3; i <= 30; i++) step = tl.apply(msg({ text: `caption ${i}`, messageId: '9', edits: '9', at: AT + i }));
    const kept = R.historyKept;
    expect(step.entry.versions).toHaveLength(kept + 1);
    expect(step.entry.dropped).toBe(29 - kept);
    const parts = R.parts(step.entry, tl);
    expect(parts.edited).toBe('edited ×29');
    expect(html([parts.history!])).toContain(`history: ${kept} earlier versions (${29 - kept} older not kept)`);
    expect(html([parts.history!])).toContain(`edit ${29 - kept} · `); // the oldest kept is numbered as it was
    expect(html([parts.history!])).not.toContain('original');
  });
});

describe('replies and commands', () => {
  it('quote the first line of the message they reply to, with a jump to it', () => {
    const tl = R.timeline();
    const cmd = tl.apply({
      kind: 'command',
      platform: 'telegram',
      destination: '111',
      at: AT,
      text: '/status@herald_sandbox_bot now\nsecond line',
      messageId: '1000001',
    });
    const answer = tl.apply(msg({ text: '<b>Status</b>: 2 open orders', parseMode: 'HTML', messageId: '7', replyTo: '1000001' }));
    const quote = R.parts(answer.entry, tl).quote!;
    expect(html([quote])).toBe(
      `<div class="reply-quote" data-jump="${tl.keyOf('telegram', '111', '1000001').replaceAll('"', '&quot;')}"><span class="quote-name">You</span><span class="quote-text">/status@herald_sandbox_bot now</span></div>`,
    );
    expect(quote.jump).toBe(cmd.entry.key);

    // A reply to a photo says so; a long line is cut; Discord content as text, markup gone.
    tl.apply(msg({ text: 'BTC 4h', messageId: '8', files: [png()] }));
    tl.apply(msg({ text: 'x'.repeat(200), messageId: '9' }));
    tl.apply(msg({ platform: 'discord', destination: 'c1', text: '**FILLED** order', messageId: '100', name: 'ema-cross' }));
    const quoteText = (ev: RMessage): string => html(R.parts(tl.apply(ev).entry, tl).quote!.c);
    expect(quoteText(msg({ text: 'r', replyTo: '8' }))).toBe('<span class="quote-name">Herald bot</span><span class="quote-text">🖼 Photo · BTC 4h</span>');
    expect(quoteText(msg({ text: 'r', replyTo: '9' }))).toBe(`<span class="quote-name">Herald bot</span><span class="quote-text">${'x'.repeat(89)}…</span>`);
    expect(quoteText(msg({ platform: 'discord', destination: 'c1', text: 'r', replyTo: '100' }))).toBe(
      '<span class="quote-name">ema-cross</span><span class="quote-text">FILLED order</span>',
    );
  });

  it('say so when the message replied to is not on the page', () => {
    const tl = R.timeline();
    const step = tl.apply(msg({ text: 'answer', replyTo: '41' }));
    expect(html([R.parts(step.entry, tl).quote!])).toBe(
      '<div class="reply-quote missing"><span class="quote-text">reply to a message not shown here</span></div>',
    );
  });

  it('escape hostile quoted text and sender names', () => {
    const tl = R.timeline();
    // Telegram without parse_mode: the text is shown exactly as sent.
    tl.apply(msg({ text: '<script>alert(1)</script> &lt;b&gt;', messageId: '12', name: '<img src=x onerror=alert(1)>' }));
    const out = html([R.parts(tl.apply(msg({ text: 'r', replyTo: '12' })).entry, tl).quote!]);
    expect(out).toContain('<span class="quote-name">&lt;img src=x onerror=alert(1)&gt;</span>');
    expect(out).toContain('<span class="quote-text">&lt;script&gt;alert(1)&lt;/script&gt; &amp;lt;b&amp;gt;</span>');
  });

  it('show what the user sent as text with its bot commands marked, and find them as Telegram does', () => {
    const ev: RMessage = { kind: 'command', platform: 'telegram', destination: '111', at: AT, text: '/start@herald_sandbox_bot <b>x</b> /help a/b' };
    expect(html(R.content(ev))).toBe(
      '<div class="body"><span class="bot-command">/start@herald_sandbox_bot</span> &lt;b&gt;x&lt;/b&gt; <span class="bot-command">/help</span> a/b</div>',
    );
    expect(R.botCommands('/start now')).toEqual([{ offset: 0, length: 6 }]);
    expect(R.botCommands('🚀 /go_1 /help@herald_bot')).toEqual([
      { offset: 3, length: 5 },
      { offset: 9, length: 16 },
    ]);
    expect(R.botCommands('no /commands/here or a/b')).toEqual([]);
    expect(R.sender(ev)).toBe('You');
  });
});
