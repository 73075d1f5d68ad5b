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
    expect(html('telegram', '<code>1 &lt; 2 &amp;&amp; 3 &gt; 2</code> &quot;q&quot; &#65;&#x42;', 'HTML')).toBe('<code>1 &lt; 2 &amp;&amp; 3 &gt; 2</code> &quot;q&quot; AB');
    expect(html('telegram', '<pre><code class="language-ts">const a = 1;</code></pre>', 'HTML')).toBe('<pre><code>const a = 1;</code></pre>');
    expect(html('telegram', '<blockquote>q</blockquote><blockquote expandable>e</blockquote>', 'HTML')).toBe(
      '<blockquote>q</blockquote><blockquote class="expandable">e</blockquote>',
    );
    expect(html('telegram', '<tg-spoiler>a</tg-spoiler> <span class="tg-spoiler">b</span>', 'HTML')).toBe('<span class="spoiler">a</span> <span class="spoiler">b</span>');
    expect(html('telegram', '<a href="https://example.com/?a=1&amp;b=2">link</a> <a href="tg://user?id=1">u</a>', 'HTML')).toBe(
      '<a href="https://example.com/?a=1&amp;b=2">link</a> <a href="tg://user?id=1">u</a>',
    );
    expect(html('telegram', '<b>bold <i>both</i></b>', 'HTML')).toBe('<b>bold <i>both</i></b>');
  });

  it("shows what Herald escaped exactly as the user wrote it: no markup from user text", () => {
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

  it('safeHref admits http(s), tg and mailto only', () => {
    expect(renderers.safeHref('https://x.test/a')).toBe('https://x.test/a');
    expect(renderers.safeHref('tg://user?id=1')).toBe('tg://user?id=1');
    expect(renderers.safeHref('mailto:a@b.test')).toBe('mailto:a@b.test');
    for (const bad of ['javascript:alert(1)', ' javascript:x', 'java\nscript:x', 'JAVASCRIPT:x', 'data:text/html,x', '//evil.test', '/relative', 'vbscript:x', '\u0000javascript:x', 42, undefined]) {
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
