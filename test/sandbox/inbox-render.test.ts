/**
 * The inbox renderers (src/sandbox/inbox/render.ts), run in Node: the same JavaScript the page
 * runs. `toHtml` serializes the rendered tree with every text escaped, so a `<` in the expected
 * strings below is markup the renderer produced, and `&lt;` is text the user sees.
 */
import { describe, expect, it } from 'vitest';
import { RENDER_JS, renderers, toHtml, type RNode } from '../../src/sandbox/inbox/render.js';
import { INBOX_HTML, INBOX_JS } from '../../src/sandbox/inbox/page.js';
import { escapeTelegramHtml } from '../../src/channels/telegram.js';
import { escapeSlack } from '../../src/channels/slack.js';

const html = (platform: string, text: string, parseMode?: string): string => toHtml(renderers.render(platform, text, parseMode));

/** Every element tag and href in a tree, to prove nothing else can come out. */
function walk(nodes: readonly RNode[], seen: { tags: Set<string>; hrefs: string[] } = { tags: new Set(), hrefs: [] }) {
  for (const n of nodes) {
    if (typeof n === 'string') continue;
    seen.tags.add(n.t);
    if (n.href !== undefined) seen.hrefs.push(n.href);
    walk(n.c, seen);
  }
  return seen;
}

const ALLOWED = new Set(['b', 'i', 'u', 's', 'code', 'pre', 'a', 'blockquote', 'span']);

describe('Telegram HTML (parse_mode HTML)', () => {
  it('renders the supported tags and decodes entities', () => {
    expect(html('telegram', '<b>b</b> <strong>s</strong> <i>i</i> <em>e</em> <u>u</u> <ins>n</ins> <s>x</s> <del>d</del> <strike>k</strike>', 'HTML')).toBe(
      '<b>b</b> <b>s</b> <i>i</i> <i>e</i> <u>u</u> <u>n</u> <s>x</s> <s>d</s> <s>k</s>',
    );
    expect(html('telegram', '<code>1 &lt; 2 &amp;&amp; 3 &gt; 2</code> &quot;q&quot; &#65;&#x42;', 'HTML')).toBe(
      '<code>1 &lt; 2 &amp;&amp; 3 &gt; 2</code> &quot;q&quot; AB',
    );
    expect(html('telegram', '<pre><code class="language-ts">const a = 1;</code></pre>', 'HTML')).toBe('<pre><code>const a = 1;</code></pre>');
    expect(html('telegram', '<blockquote>q</blockquote><blockquote expandable>e</blockquote>', 'HTML')).toBe(
      '<blockquote>q</blockquote><blockquote class="expandable">e</blockquote>',
    );
    expect(html('telegram', '<tg-spoiler>a</tg-spoiler> <span class="tg-spoiler">b</span>', 'HTML')).toBe(
      '<span class="spoiler">a</span> <span class="spoiler">b</span>',
    );
    expect(html('telegram', '<a href="https://example.com/?a=1&amp;b=2">link</a> <a href="tg://user?id=1">u</a>', 'HTML')).toBe(
      '<a href="https://example.com/?a=1&amp;b=2">link</a> <a href="tg://user?id=1">u</a>',
    );
    expect(html('telegram', '<b>bold <i>both</i></b>', 'HTML')).toBe('<b>bold <i>both</i></b>');
  });

  it('shows what Herald escaped exactly as the user wrote it: no markup from user text', () => {
    const user = '<b>bold?</b> & 5 < 6 *x* "q"';
    const sent = escapeTelegramHtml(user);
    expect(renderers.render('telegram', sent, 'HTML')).toEqual([user]);
  });

  it('keeps unsupported tags and stray characters as text', () => {
    expect(html('telegram', '<img src=x onerror=alert(1)>', 'HTML')).toBe('&lt;img src=x onerror=alert(1)&gt;');
    expect(html('telegram', '<script>alert(1)</script>', 'HTML')).toBe('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html('telegram', 'a < b & c </b> &bogus;', 'HTML')).toBe('a &lt; b &amp; c &lt;/b&gt; &amp;bogus;');
    expect(html('telegram', '<b>never closed', 'HTML')).toBe('<b>never closed</b>');
  });

  it('renders no markup without parse_mode, and links bare URLs like Telegram does', () => {
    expect(html('telegram', '<b>x</b> see https://example.com/a.')).toBe('&lt;b&gt;x&lt;/b&gt; see <a href="https://example.com/a">https://example.com/a</a>.');
  });

  it('renders MarkdownV2 and legacy Markdown', () => {
    expect(html('telegram', '*b* _i_ __u__ ~s~ ||sp|| `c` [l](https://x.test) 1\\.5 \\*not\\*', 'MarkdownV2')).toBe(
      '<b>b</b> <i>i</i> <u>u</u> <s>s</s> <span class="spoiler">sp</span> <code>c</code> <a href="https://x.test">l</a> 1.5 *not*',
    );
    expect(html('telegram', '>quoted\nplain', 'MarkdownV2')).toBe('<blockquote>quoted</blockquote>plain');
    expect(html('telegram', '```py\nprint(1)\n```', 'MarkdownV2')).toBe('<pre><code>print(1)</code></pre>');
    expect(html('telegram', '*b* _i_ `c`', 'Markdown')).toBe('<b>b</b> <i>i</i> <code>c</code>');
  });
});

describe('Discord markdown', () => {
  it('renders bold, italic, underline, strike, spoiler and code', () => {
    expect(html('discord', '**bold** *it* _it2_ __u__ ~~s~~ ||sp|| `c` ``a`b``')).toBe(
      '<b>bold</b> <i>it</i> <i>it2</i> <u>u</u> <s>s</s> <span class="spoiler">sp</span> <code>c</code> <code>a`b</code>',
    );
    expect(html('discord', '***both***')).toBe('<b class="bi">both</b>');
    expect(html('discord', '*a **b** c*')).toBe('<i>a <b>b</b> c</i>');
  });

  it('leaves intraword underscores, lone stars and escaped markers alone', () => {
    expect(html('discord', 'snake_case_name 2 * 3 * 4 \\*\\*not bold\\*\\*')).toBe('snake_case_name 2 * 3 * 4 **not bold**');
  });

  it('renders code blocks with their text untouched, quotes, headings and lists', () => {
    expect(html('discord', 'before\n```js\nconst a = **1** < 2;\n```\nafter')).toBe('before\n<pre><code>const a = **1** &lt; 2;</code></pre>after');
    expect(html('discord', '> one\n> two\nthree')).toBe('<blockquote>one\ntwo</blockquote>three');
    expect(html('discord', 'x\n>>> all\nthe rest')).toBe('x<blockquote>all\nthe rest</blockquote>');
    expect(html('discord', '# Title\n- item **b**')).toBe('<span class="h1">Title</span><span class="li">item <b>b</b></span>');
  });

  it('renders mentions and masked links; @everyone stays text', () => {
    expect(html('discord', '@everyone <@123> <#456> <:pepe:789> [docs](https://x.test/d)')).toBe(
      '@everyone <span class="mention">@user</span> <span class="mention">#channel</span> :pepe: <a href="https://x.test/d">docs</a>',
    );
  });

  it('tells which messages would ping, honouring allowed_mentions', () => {
    expect(renderers.pings('discord', '@everyone look', { content: '@everyone look', allowed_mentions: { parse: [] } })).toEqual([]);
    expect(renderers.pings('discord', '@everyone look @here', { content: 'x' })).toEqual(['@everyone', '@here']);
    expect(renderers.pings('discord', '@everyone <@1>', { allowed_mentions: { parse: ['users'] } })).toEqual(['a user']);
  });
});

describe('Slack mrkdwn', () => {
  it('renders bold, italic, strike, code, quotes and blocks', () => {
    expect(html('slack', '*bold* _it_ ~s~ `c`')).toBe('<b>bold</b> <i>it</i> <s>s</s> <code>c</code>');
    expect(html('slack', '> quoted\nplain\n```a *b* c```')).toBe('<blockquote>quoted</blockquote>plain\n<pre><code>a *b* c</code></pre>');
    expect(html('slack', 'a*b*c 2*3')).toBe('a*b*c 2*3');
  });

  it('shows &lt; &gt; &amp; as the characters, once', () => {
    expect(html('slack', '5 &lt; 6 &amp;&amp; 7 &gt; 6 &amp;lt;')).toBe('5 &lt; 6 &amp;&amp; 7 &gt; 6 &amp;lt;');
    expect(renderers.render('slack', '5 &lt; 6 &amp;&amp; 7 &gt; 6 &amp;lt;')).toEqual(['5 < 6 && 7 > 6 &lt;']);
  });

  it('renders links and mentions, and what Herald escaped stays literal', () => {
    expect(html('slack', '<https://x.test|the docs> <https://y.test> <@U123> <#C1|general> <!here>')).toBe(
      '<a href="https://x.test">the docs</a> <a href="https://y.test">https://y.test</a> <span class="mention">@U123</span> <span class="mention">#general</span> <span class="mention ping">@here</span>',
    );
    const user = '<!channel> *alert* <b>&';
    expect(renderers.render('slack', escapeSlack(user))).toEqual(['<!channel> ', { t: 'b', c: ['alert'] }, ' <b>&']);
    expect(renderers.pings('slack', escapeSlack(user))).toEqual([]);
    expect(renderers.pings('slack', '<!channel> and <!here|here>')).toEqual(['@channel', '@here']);
  });
});

const embedHtml = (embeds: unknown): string => toHtml(renderers.embeds(embeds));
const blocksHtml = (blocks: unknown): string => toHtml(renderers.blocks(blocks));

describe('Discord embeds', () => {
  it('renders a card: colour, author, linked title, markdown description, fields, footer and timestamp', () => {
    const at = '2024-05-01T12:03:00.000Z';
    const d = new Date(at);
    const two = (n: number) => String(n).padStart(2, '0');
    const local = `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
    expect(
      embedHtml([
        {
          color: 0x2ecc71,
          author: { name: 'binance', url: 'https://binance.test/' },
          title: '✅ FILLED BUY 0.5 BTC-USDT',
          url: 'https://exchange.test/orders/1',
          description: '**limit** order, `demo-1`',
          fields: [
            { name: 'Qty', value: '0.5', inline: true },
            { name: 'Price', value: '64,210.50', inline: true },
            { name: 'Note', value: '_not inline_' },
          ],
          footer: { text: 'binance · ema-cross' },
          timestamp: at,
        },
      ]),
    ).toBe(
      '<div class="embed" data-color="#2ecc71">' +
        '<div class="embed-author"><a href="https://binance.test/">binance</a></div>' +
        '<div class="embed-title"><a href="https://exchange.test/orders/1">✅ FILLED BUY 0.5 BTC-USDT</a></div>' +
        '<div class="embed-desc"><b>limit</b> order, <code>demo-1</code></div>' +
        '<div class="embed-fields">' +
        '<div class="embed-field inline"><div class="field-name">Qty</div><div class="field-value">0.5</div></div>' +
        '<div class="embed-field inline"><div class="field-name">Price</div><div class="field-value">64,210.50</div></div>' +
        '<div class="embed-field"><div class="field-name">Note</div><div class="field-value"><i>not inline</i></div></div>' +
        '</div>' +
        `<div class="embed-footer">binance · ema-cross • ${local}</div>` +
        '</div>',
    );
  });

  it('keeps the title, field names and footer as plain text, and links titles only to http(s)', () => {
    expect(
      embedHtml([{ title: '**not bold** <b>x</b>', url: 'javascript:alert(1)', footer: { text: '*plain*' }, fields: [{ name: '__n__', value: 'v' }] }]),
    ).toBe(
      '<div class="embed"><div class="embed-title">**not bold** &lt;b&gt;x&lt;/b&gt;</div>' +
        '<div class="embed-fields"><div class="embed-field"><div class="field-name">__n__</div><div class="field-value">v</div></div></div>' +
        '<div class="embed-footer">*plain*</div></div>',
    );
    for (const url of ['tg://resolve?domain=x', 'mailto:a@b.test', 'data:text/html,x', ' javascript:x']) {
      expect(embedHtml([{ title: 't', url }]), url).toBe('<div class="embed"><div class="embed-title">t</div></div>');
    }
  });

  it('accepts only integer colours 0–0xFFFFFF, and only ISO timestamps', () => {
    expect(renderers.hexColor(0)).toBe('#000000');
    expect(renderers.hexColor(0xff)).toBe('#0000ff');
    expect(renderers.hexColor(0xffffff)).toBe('#ffffff');
    for (const bad of [-1, 0x1000000, 1.5, NaN, Infinity, '#ff0000', 'red; background:url(x)', null, undefined, {}]) {
      expect(renderers.hexColor(bad), String(bad)).toBeNull();
    }
    expect(embedHtml([{ title: 't', color: 'red' }])).toBe('<div class="embed"><div class="embed-title">t</div></div>');
    expect(embedHtml([{ title: 't', timestamp: 'yesterday' }])).toBe('<div class="embed"><div class="embed-title">t</div></div>');
    expect(embedHtml([{ title: 't', timestamp: 1714564980000 }])).toBe('<div class="embed"><div class="embed-title">t</div></div>');
  });

  it('shows at most 10 embeds and 25 fields, skips what is not an object, notes images', () => {
    expect(renderers.embeds(Array.from({ length: 12 }, () => ({ title: 't' })))).toHaveLength(10);
    const fields = (renderers.embeds([{ fields: Array.from({ length: 30 }, () => ({ name: 'n', value: 'v' })) }])[0] as { c: { c: unknown[] }[] }).c[0]!.c;
    expect(fields).toHaveLength(25);
    expect(renderers.embeds([null, 'x', 42, { title: 'ok' }])).toHaveLength(1);
    expect(renderers.embeds('not a list')).toEqual([]);
    expect(embedHtml([{ image: { url: 'https://img.test/x.png' } }])).toBe('<div class="embed"><div class="embed-note">(image not shown)</div></div>');
  });
});

describe('Slack Block Kit', () => {
  it('renders header, section text and fields, context, divider and rich_text', () => {
    expect(
      blocksHtml([
        { type: 'header', text: { type: 'plain_text', text: '✅ FILLED *BUY*' } },
        { type: 'section', text: { type: 'mrkdwn', text: '*Qty* 0.5 <https://x.test|order>' } },
        {
          type: 'section',
          fields: [
            { type: 'mrkdwn', text: '*Price*\n64,210.50' },
            { type: 'plain_text', text: '*not bold*' },
          ],
        },
        {
          type: 'context',
          elements: [
            { type: 'mrkdwn', text: '_binance_' },
            { type: 'image', image_url: 'https://x.test/i.png', alt_text: 'logo' },
            { type: 'plain_text', text: 'paper' },
          ],
        },
        { type: 'divider' },
        {
          type: 'rich_text',
          elements: [
            {
              type: 'rich_text_section',
              elements: [
                { type: 'text', text: 'rich ', style: { bold: true } },
                { type: 'link', url: 'https://r.test', text: 'link' },
                { type: 'broadcast', range: 'here' },
              ],
            },
            { type: 'rich_text_preformatted', elements: [{ type: 'text', text: 'a < b' }] },
          ],
        },
      ]),
    ).toBe(
      '<div class="sl-header">✅ FILLED *BUY*</div>' +
        '<div class="sl-section"><div class="sl-text"><b>Qty</b> 0.5 <a href="https://x.test">order</a></div></div>' +
        '<div class="sl-section"><div class="sl-fields"><div class="sl-field"><b>Price</b>\n64,210.50</div><div class="sl-field">*not bold*</div></div></div>' +
        '<div class="sl-context"><span class="sl-ctx"><i>binance</i></span><span class="sl-ctx">[logo]</span><span class="sl-ctx">paper</span></div>' +
        '<div class="sl-divider"></div>' +
        '<div class="sl-section"><div class="sl-text"><b>rich </b><a href="https://r.test">link</a><span class="mention ping">@here</span></div><pre><code>a &lt; b</code></pre></div>',
    );
  });

  it('notes block types it does not draw, and ignores what is not a block', () => {
    expect(blocksHtml([{ type: 'actions', elements: [] }, null, 'divider', { type: 'image', image_url: 'https://x.test/a.png', alt_text: 'a' }])).toBe(
      '<div class="sl-note">(actions block not shown)</div><div class="sl-note">(image block not shown)</div>',
    );
    expect(renderers.blocks({ type: 'divider' })).toEqual([]);
    expect(renderers.blocks(Array.from({ length: 60 }, () => ({ type: 'divider' })))).toHaveLength(50);
  });

  it('counts pings in mrkdwn blocks and rich_text broadcasts, not in plain_text', () => {
    const body = (blocks: unknown) => ({ blocks });
    expect(renderers.pings('slack', 'fallback', body([{ type: 'section', text: { type: 'mrkdwn', text: '<!channel> look' } }]))).toEqual(['@channel']);
    expect(
      renderers.pings(
        'slack',
        '',
        body([{ type: 'rich_text', elements: [{ type: 'rich_text_section', elements: [{ type: 'broadcast', range: 'everyone' }] }] }]),
      ),
    ).toEqual(['@everyone']);
    expect(renderers.pings('slack', '', body([{ type: 'header', text: { type: 'plain_text', text: '<!channel>' } }]))).toEqual([]);
    expect(renderers.pings('slack', escapeSlack('<!here>'), body([{ type: 'section', text: { type: 'mrkdwn', text: escapeSlack('<!here>') } }]))).toEqual([]);
  });
});

describe('XSS: nothing a message contains becomes markup or a script link', () => {
  const attacks = [
    '<img src=x onerror=alert(1)>',
    '<svg onload=alert(1)>',
    '<script>alert(1)</script>',
    '"><img src=x onerror=alert(1)>',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="  JaVaScRiPt:alert(1)">x</a>',
    '<a href="java&#10;script:alert(1)">x</a>',
    '<a href="java\tscript:alert(1)">x</a>',
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href=javascript:alert(1)>x</a>',
    '<b onclick="alert(1)">x</b>',
    '[x](javascript:alert(1))',
    '[x](javascript:alert%281%29)',
    '<javascript:alert(1)|x>',
    '<javascript:alert(1)>',
    '&lt;img src=x onerror=alert(1)&gt;',
    'javascript:alert(1) http://ok.test/"onmouseover="alert(1)',
  ];
  for (const platform of ['telegram', 'discord', 'slack']) {
    for (const mode of platform === 'telegram' ? ['HTML', 'MarkdownV2', 'Markdown', undefined] : [undefined]) {
      it(`${platform}${mode ? ` ${mode}` : ''}`, () => {
        for (const attack of attacks) {
          const { tags, hrefs } = walk(renderers.render(platform, attack, mode));
          for (const t of tags) expect(ALLOWED.has(t), `${attack} → <${t}>`).toBe(true);
          for (const h of hrefs) expect(h, attack).toMatch(/^(https?:\/\/|tg:|mailto:)/i);
          // Serialized, every '<' left must open one of the allowed tags with href/class only.
          const out = toHtml(renderers.render(platform, attack, mode));
          expect(out.replace(/<\/?(b|i|u|s|code|pre|a|blockquote|span)( (href|class)="[^"<>]*")*>/g, ''), attack).not.toContain('<');
        }
      });
    }
  }

  it('cards: embeds and blocks built from hostile input hold only whitelisted tags, safe links and checked colours', () => {
    const ALLOWED_CARDS = new Set([...ALLOWED, 'div']);
    const hostile = attacks.flatMap((a) => [
      {
        title: a,
        url: a,
        description: a,
        color: a,
        author: { name: a, url: a },
        footer: { text: a },
        timestamp: a,
        fields: [{ name: a, value: a, inline: a }],
      },
    ]);
    const blocks = attacks.flatMap((a) => [
      { type: 'header', text: { type: 'plain_text', text: a } },
      {
        type: 'section',
        text: { type: 'mrkdwn', text: a },
        fields: [
          { type: 'mrkdwn', text: a },
          { type: 'plain_text', text: a },
        ],
      },
      {
        type: 'context',
        elements: [
          { type: 'mrkdwn', text: a },
          { type: 'image', image_url: a, alt_text: a },
        ],
      },
      {
        type: 'rich_text',
        elements: [
          {
            type: 'rich_text_section',
            elements: [
              { type: 'link', url: a, text: a },
              { type: 'text', text: a, style: { code: true } },
            ],
          },
        ],
      },
      { type: a },
    ]);
    for (const nodes of [renderers.embeds(hostile), renderers.blocks(blocks)]) {
      const { tags, hrefs } = walk(nodes);
      for (const t of tags) expect(ALLOWED_CARDS.has(t), t).toBe(true);
      for (const h of hrefs) expect(h).toMatch(/^(https?:\/\/|tg:|mailto:)/i);
      const colors: unknown[] = [];
      const collect = (ns: readonly RNode[]): void => ns.forEach((n) => typeof n !== 'string' && (n.color !== undefined && colors.push(n.color), collect(n.c)));
      collect(nodes);
      expect(colors).toEqual([]); // no attack string is an integer colour
    }
  });

  it('safeHref admits http(s), tg and mailto only', () => {
    expect(renderers.safeHref('https://x.test/a')).toBe('https://x.test/a');
    expect(renderers.safeHref('tg://user?id=1')).toBe('tg://user?id=1');
    expect(renderers.safeHref('mailto:a@b.test')).toBe('mailto:a@b.test');
    for (const bad of [
      'javascript:alert(1)',
      ' javascript:x',
      'java\nscript:x',
      'JAVASCRIPT:x',
      'data:text/html,x',
      '//evil.test',
      '/relative',
      'vbscript:x',
      '\u0000javascript:x',
      42,
      undefined,
    ]) {
      expect(renderers.safeHref(bad), String(bad)).toBeNull();
    }
  });
});

describe('the page files', () => {
  it('are valid JavaScript and load the renderers before the client', () => {
    expect(() => new Function(RENDER_JS)).not.toThrow();
    expect(() => new Function(INBOX_JS)).not.toThrow();
    const renderers = INBOX_JS.indexOf('var HeraldRender');
    const client = INBOX_JS.indexOf('var R = HeraldRender');
    // Both must be there (indexOf -1 would pass a bare "less than").
    expect(renderers).toBeGreaterThanOrEqual(0);
    expect(client).toBeGreaterThanOrEqual(0);
    expect(renderers).toBeLessThan(client);
  });

  it('load no external assets and no inline script', () => {
    expect(INBOX_HTML).not.toMatch(/https?:\/\//);
    // Any <script> without a src (attributes such as type= included) would be inline script.
    expect(INBOX_HTML).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
    expect(INBOX_HTML).toContain('<script src="/inbox/app.js" defer></script>');
    expect(INBOX_JS).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(/);
  });
});
