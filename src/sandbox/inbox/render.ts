/**
 * How the inbox page shows a message the way its platform would: Telegram's HTML subset (and
 * MarkdownV2 / legacy Markdown), Discord markdown and embeds, Slack mrkdwn and Block Kit.
 *
 * The renderers are plain browser JavaScript in {@link RENDER_JS}, shipped verbatim in the
 * page, and evaluated here too ({@link renderers}) so unit tests exercise the very code the
 * browser runs. They never produce HTML: they return a small tree ({@link RNode}) of a fixed
 * set of tags whose text is always text; the page builds DOM nodes from it with
 * `createTextNode`, so nothing a message contains can become markup or script. Link targets
 * pass {@link RENDER_JS}'s `safeHref` (http, https, tg, mailto only) twice: when the tree is
 * built and again when the page sets `href`. Cards (embeds, blocks) are `div`s of fixed
 * classes; their one style, an embed's colour, is a `#rrggbb` string checked here and again
 * by the page before it sets `style.borderLeftColor` (CSSOM, which the page's CSP allows).
 * Files follow the same rule: an image's `src` is only ever a base64 `data:` URL of a PNG,
 * JPEG, GIF or WebP (`safeImageSrc`), a download link only an inbox path (`safeFilePath`),
 * both checked here and again by the page. Whole messages (files, caption, cards), the
 * timeline that lets an edit replace its message and a reply quote its target, and the
 * message history are built here too, so tests see what the page draws.
 *
 * Writing rules for the string (a `String.raw` template): no backtick characters (write
 * `'\x60'` or use `BT`) and no dollar-brace sequences.
 */

/** A rendered node: text, or one of the whitelisted elements. */
export type RNode = string | RElement;

/** An element of the rendered tree. */
export interface RElement {
  /** `b`, `i`, `u`, `s`, `code`, `pre`, `a`, `blockquote`, `span` or `div` (cards only). */
  t: string;
  c: RNode[];
  /** Only on `a`, already checked by `safeHref`. */
  href?: string;
  /** Space-separated classes from a fixed set (spoiler, mention, ping, h1…, embed, sl-header…). */
  cls?: string;
  /** Only on `pre`: the code block's language, when given. */
  lang?: string;
  /** Only on a Discord embed's `div`: its colour as `#rrggbb`. */
  color?: string;
  /** Only on `img`: a `data:image/…;base64,` URL, already checked by `safeImageSrc`. */
  src?: string;
  /** Only on `img`: the file name, as alternative text. */
  alt?: string;
  /** Only on an `a` that downloads a file of the inbox: its path (`/inbox/files/<event>/<n>`), checked by `safeFilePath`. */
  file?: string;
  /** With `file`: the name to save it as. */
  download?: string;
  /** Only on `details`: shown open. */
  open?: boolean;
  /** Only on a reply's quote: the timeline key of the quoted message (the page scrolls to it). */
  jump?: string;
}

/** A file of a message as the page gets it (see `InboxFile` in server.ts). */
export interface RFile {
  name: string;
  contentType: string;
  size: number;
  /** The download path, `/inbox/files/<event id>/<index>`. */
  url?: string;
  /** The bytes, for an image small enough to show inline. */
  base64?: string;
  /** A text file's first lines. */
  preview?: string;
  /** True when the file goes on past `preview`. */
  previewCut?: boolean;
}

/**
 * What the message renderers read of an inbox event (structurally `InboxEvent` of server.ts;
 * tests build them by hand).
 */
export interface RMessage {
  /** `'message'`, or `'command'`: what the user sent the bot from the page. */
  kind: string;
  platform: string;
  destination: string;
  at: number;
  text?: string;
  parseMode?: string;
  plainText?: boolean;
  embeds?: unknown[];
  blocks?: unknown[];
  notes?: string[];
  name?: string;
  /** The platform's id of the message. */
  messageId?: string;
  /** The id of the message this one edits. */
  edits?: string;
  /** The id of the message this one replies to. */
  replyTo?: string;
  files?: RFile[];
}

/** One message on the page: its current version and the earlier ones an edit replaced. */
export interface TimelineEntry {
  /** Platform, destination and message id; null for a message without an id. */
  key: string | null;
  /** When it first showed (the original, or the edit that stands for a message not on the page). */
  at: number;
  current: RMessage;
  /** Oldest first, `current` last; at most `historyKept + 1`. */
  versions: RMessage[];
  /** How many edits it had. */
  edits: number;
  /** Earlier versions no longer kept. */
  dropped: number;
  /** True when it is an edit of a message the page does not have. */
  orphan: boolean;
}

/** The page's record of the messages it shows, so an edit finds its message and a reply its quote. */
export interface Timeline {
  /** Adds a message: a new entry, or (`op: 'edit'`) a new version of the entry it edits. */
  apply(ev: RMessage): { op: 'new' | 'edit'; entry: TimelineEntry };
  find(platform: string, destination: string, id: string): TimelineEntry | null;
  clear(): void;
  keyOf(platform: string, destination: string, id: string): string;
}

/** What the page draws for one entry. */
export interface MessageParts {
  /** `edited ×N` (or `edited` for an edit whose original is not shown); null if never edited. */
  edited: string | null;
  /** The quote of the message it replies to (a `div.reply-quote`), or null. */
  quote: RElement | null;
  content: RNode[];
  /** The earlier versions, a collapsed `details.history`, or null. */
  history: RElement | null;
}

/** The functions {@link RENDER_JS} defines (as `HeraldRender` in the page). */
export interface Renderers {
  /** Renders a message's text for its platform; `parseMode` is Telegram's `parse_mode`. */
  render(platform: string, text: string, parseMode?: string): RNode[];
  /** The link target if its scheme is http, https, tg or mailto; null otherwise. */
  safeHref(href: unknown): string | null;
  /** Who a message would notify beyond the channel (`@everyone`, `@channel`…), from text and body. */
  pings(platform: string, text: string, body?: unknown): string[];
  /** Discord embeds as cards: colour bar, author, title (linked), description, fields, footer. */
  embeds(embeds: unknown): RNode[];
  /** Slack Block Kit blocks: header, section (text, fields), context, divider, rich_text. */
  blocks(blocks: unknown): RNode[];
  /** An embed `color` (integer) as `#rrggbb`, or null when it is not a colour. */
  hexColor(color: unknown): string | null;
  /** A message's files: images inline (up to `maxInlineImage`), others as download links, text files with their first lines. */
  files(files: unknown): RNode[];
  /** Everything a message shows below its header: files, text or blocks, embeds, notes. An edit replaces this. */
  content(ev: RMessage): RNode[];
  /** The data: URL an image file shows inline from, or null (not an image, too large, no bytes). */
  imageSrc(file: unknown): string | null;
  /** The value if it is a base64 `data:` URL of a PNG, JPEG, GIF or WebP image; null otherwise. */
  safeImageSrc(src: unknown): string | null;
  /** The value if it is an inbox download path (`/inbox/files/<n>/<n>`); null otherwise. */
  safeFilePath(path: unknown): string | null;
  /** Where the bot commands of a text are, as Telegram's `bot_command` entities count (UTF-16). */
  botCommands(text: string): { offset: number; length: number }[];
  /** One line standing for a message in a reply's quote. */
  firstLine(ev: RMessage): string;
  /** The name a message shows as sent by. */
  sender(ev: RMessage): string;
  /** `HH:MM:SS`, local time. */
  clock(ms: number): string;
  /** A new, empty {@link Timeline}. */
  timeline(): Timeline;
  /** What to draw for an entry, its reply quote looked up in `tl`. */
  parts(entry: TimelineEntry, tl?: Timeline): MessageParts;
  /** Largest image (bytes) shown inline. */
  maxInlineImage: number;
  /** Earlier versions an edited message keeps. */
  historyKept: number;
}

/** Browser JavaScript defining `var HeraldRender` ({@link Renderers}). */
export const RENDER_JS = String.raw`
var HeraldRender = (function () {
  'use strict';
  var BT = '\x60';

  function el(t, c, extra) {
    var n = { t: t, c: c || [] };
    if (extra) for (var k in extra) if (Object.prototype.hasOwnProperty.call(extra, k)) n[k] = extra[k];
    return n;
  }
  function pushText(out, text) {
    if (!text) return;
    if (out.length && typeof out[out.length - 1] === 'string') out[out.length - 1] += text;
    else out.push(text);
  }
  function startsWith(s, sub, i) {
    return s.substr(i, sub.length) === sub;
  }

  // ---------- links ----------
  var SAFE_SCHEME = /^(https?:\/\/|tg:|mailto:)/i;
  function safeHref(href) {
    if (typeof href !== 'string') return null;
    // Browsers ignore control characters and whitespace in a scheme ("java\nscript:"): check without them.
    var h = href.replace(/[\u0000-\u0020\u007f-\u009f\u00a0\u1680\u2000-\u200f\u2028\u2029\u202f\u205f\u3000\ufeff]+/g, '');
    return SAFE_SCHEME.test(h) ? h : null;
  }
  function linkNode(href, children) {
    var h = safeHref(href);
    return h ? el('a', children, { href: h }) : el('span', children, { cls: 'link-inert' });
  }

  // Bare URLs become links (all three platforms do it), except inside code, pre and links.
  var URL_RE = /\bhttps?:\/\/[^\s<>"]+/g;
  function linkifyText(text, out) {
    var last = 0, m;
    URL_RE.lastIndex = 0;
    while ((m = URL_RE.exec(text))) {
      // Trailing punctuation is not part of the link. A loop, not /[...]+$/: that regex retries
      // from every character of a long run of punctuation (quadratic).
      var cut = m[0].length;
      while (cut > 0 && /[.,:;!?'")\]}>*_~]/.test(m[0][cut - 1])) cut--;
      var url = m[0].slice(0, cut);
      if (!url || !safeHref(url)) continue;
      pushText(out, text.slice(last, m.index));
      out.push(el('a', [url], { href: safeHref(url) }));
      last = m.index + url.length;
      URL_RE.lastIndex = last;
    }
    pushText(out, text.slice(last));
  }
  function linkify(nodes) {
    var out = [];
    for (var i = 0; i < nodes.length; i++) {
      var n = nodes[i];
      if (typeof n === 'string') linkifyText(n, out);
      else {
        if (n.t !== 'a' && n.t !== 'code' && n.t !== 'pre') n.c = linkify(n.c);
        out.push(n);
      }
    }
    return out;
  }

  // ---------- Telegram HTML ----------
  var TG_TAGS = {
    b: 'b', strong: 'b', i: 'i', em: 'i', u: 'u', ins: 'u', s: 's', strike: 's', del: 's',
    code: 'code', pre: 'pre', a: 'a', blockquote: 'blockquote', 'tg-spoiler': 'spoiler',
    span: 'span', 'tg-emoji': 'emoji'
  };
  var TG_ENTITIES = { lt: '<', gt: '>', amp: '&', quot: '"' };
  function entityAt(s, i, named) {
    var m = /^&(?:#(\d{1,8})|#[xX]([0-9a-fA-F]{1,7})|([a-zA-Z]{1,8}));/.exec(s.slice(i, i + 12));
    if (!m) return null;
    var ch;
    if (m[3] !== undefined) {
      if (!Object.prototype.hasOwnProperty.call(named, m[3])) return null;
      ch = named[m[3]];
    } else {
      if (!named.numeric) return null;
      var code = m[1] !== undefined ? parseInt(m[1], 10) : parseInt(m[2], 16);
      if (!(code > 0 && code <= 0x10ffff) || (code >= 0xd800 && code <= 0xdfff)) return null;
      ch = String.fromCodePoint(code);
    }
    return { ch: ch, end: i + m[0].length };
  }
  var TG_NAMED = { lt: '<', gt: '>', amp: '&', quot: '"', numeric: true };
  function decodeWith(s, named) {
    var out = '';
    for (var i = 0; i < s.length;) {
      var e = s[i] === '&' ? entityAt(s, i, named) : null;
      if (e) { out += e.ch; i = e.end; } else { out += s[i]; i++; }
    }
    return out;
  }
  // An unquoted attribute value stops at "<": otherwise every "<" of "<b a=<b a=..." would scan to the end (quadratic).
  var TAG_RE = /^<(\/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z_:][-a-zA-Z0-9_:.]*(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'<>]+))?)*)\s*\/?>/;
  var ATTR_RE = /([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g;
  function parseAttrs(src) {
    var attrs = Object.create(null), m;
    ATTR_RE.lastIndex = 0;
    while ((m = ATTR_RE.exec(src))) {
      var v = m[2] !== undefined ? m[2] : m[3] !== undefined ? m[3] : m[4] !== undefined ? m[4] : '';
      attrs[m[1].toLowerCase()] = decodeWith(v, TG_NAMED);
    }
    return attrs;
  }
  // Tags nested deeper than this add no further level: the tree (and the page's DOM, and every
  // recursive walk over it) would otherwise be as deep as a message of "<b><b><b>..." is long.
  var MAX_HTML_DEPTH = 32;
  function telegramHtml(s) {
    var root = el('root', []);
    var stack = [{ node: root, name: '' }];
    var open = Object.create(null); // how many tags of each name the stack holds
    var text = '';
    function top() { return stack[stack.length - 1].node; }
    function flush() { pushText(top().c, text); text = ''; }
    for (var i = 0; i < s.length;) {
      var c = s[i];
      if (c === '&') {
        var e = entityAt(s, i, TG_NAMED);
        if (e) { text += e.ch; i = e.end; } else { text += c; i++; }
        continue;
      }
      if (c !== '<') { text += c; i++; continue; }
      var m = TAG_RE.exec(s.slice(i));
      var name = m ? m[2].toLowerCase() : '';
      var kind = m && Object.prototype.hasOwnProperty.call(TG_TAGS, name) ? TG_TAGS[name] : null;
      if (!kind) { text += c; i++; continue; } // not a supported tag: its characters are text
      if (m[1] === '/') {
        // A closing tag nothing opened is text; checked first so it costs nothing on a deep stack.
        if (!open[name]) { text += m[0]; i += m[0].length; continue; }
        var k = stack.length - 1;
        while (k > 0 && stack[k].name !== name) k--;
        flush();
        for (var d = k; d < stack.length; d++) open[stack[d].name]--;
        stack.length = k;
        i += m[0].length;
        continue;
      }
      flush();
      open[name] = (open[name] || 0) + 1;
      if (stack.length > MAX_HTML_DEPTH) {
        // Too deep: its content goes where it is, flat, and its closing tag still matches it.
        stack.push({ node: top(), name: name });
        i += m[0].length;
        continue;
      }
      var attrs = parseAttrs(m[3]);
      var node;
      if (kind === 'a') node = linkNode(attrs.href, []);
      else if (kind === 'spoiler') node = el('span', [], { cls: 'spoiler' });
      else if (kind === 'span') node = attrs['class'] === 'tg-spoiler' ? el('span', [], { cls: 'spoiler' }) : el('span', []);
      else if (kind === 'emoji') node = el('span', []);
      else if (kind === 'blockquote') node = el('blockquote', [], 'expandable' in attrs ? { cls: 'expandable' } : null);
      else node = el(kind, []);
      top().c.push(node);
      stack.push({ node: node, name: name });
      i += m[0].length;
    }
    flush();
    return root.c;
  }

  // ---------- markdown family (Telegram MarkdownV2 / Markdown, Discord, Slack) ----------
  // A flavor: inline rules tried in order at each position, an escape set, and hooks.
  //   rule: { open, close, tag, cls, raw (no markup inside), flank ('space' | 'word'), line (no newline inside) }
  function isSpace(ch) { return ch === undefined || /\s/.test(ch); }
  function isWord(ch) { return ch !== undefined && /[A-Za-z0-9\u00c0-\uffff]/.test(ch); }
  function openOk(s, i, rule) {
    var after = s[i + rule.open.length];
    if (rule.flank && isSpace(after)) return false;
    if (rule.flank === 'word' && isWord(s[i - 1])) return false;
    return true;
  }
  function closeOk(s, from, j, rule) {
    if (j === from) return false;
    if (rule.flank && isSpace(s[j - 1])) return false;
    if (rule.flank === 'word' && isWord(s[j + rule.close.length])) return false;
    return true;
  }
  // Finds where a rule closes in s: for content starting at "from", the first closer the scan
  // accepts (an escape and a doubled marker are stepped over as pairs), or -1. Past its first
  // position the scan does not depend on "from", so each position it visits remembers the
  // answer, and a later scan stops there: markers that never close cost one pass over the text
  // per rule instead of one pass per marker ("*a *a *a ..." on a long line was quadratic).
  function closeFinder(s, rule, flavor) {
    var memo = new Int32Array(s.length + 1); // 0: not known yet; else the answer + 2
    return function (from) {
      var path = [];
      var found = -1;
      for (var j = from; j < s.length;) {
        if (j !== from) {
          if (memo[j] !== 0) { found = memo[j] - 2; break; }
          path.push(j);
        }
        if (!rule.raw && flavor.escape && s[j] === '\\' && flavor.escape.test(s[j + 1] || '')) { j += 2; continue; }
        if (rule.line && s[j] === '\n') break;
        if (startsWith(s, rule.close, j)) {
          // "*a **b** c*": a single marker does not close on a doubled one.
          if (rule.close.length === 1 && s[j + 1] === rule.close && flavor.doubled.indexOf(rule.close) >= 0) { j += 2; continue; }
          if (closeOk(s, from, j, rule)) { found = j; break; }
        }
        j++;
      }
      for (var k = 0; k < path.length; k++) memo[path[k]] = found + 2;
      return found;
    };
  }
  // The first "]" or newline at or after p, or -1.
  function linkStopFrom(s, p) {
    for (var j = p; j < s.length; j++) if (s[j] === ']' || s[j] === '\n') return j;
    return -1;
  }
  var LINK_TAIL_RE = /^\(\s*<?([^()\s<>]+)>?\s*\)/;
  function preNode(inner, flavor) {
    var lang = '';
    var nl = inner.indexOf('\n');
    if (flavor.fenceLang && nl >= 0 && /^[A-Za-z0-9_+#.-]*$/.test(inner.slice(0, nl))) {
      lang = inner.slice(0, nl);
      inner = inner.slice(nl + 1);
    } else if (inner[0] === '\n') inner = inner.slice(1);
    if (inner[inner.length - 1] === '\n') inner = inner.slice(0, -1);
    return el('pre', [el('code', [flavor.decode ? flavor.decode(inner) : inner])], lang ? { lang: lang } : null);
  }
  function inline(s, flavor) {
    var out = [];
    var text = '';
    var finders = [];
    // "[text](url)": the text runs to the first "]" or newline (which must be a "]"), and
    // whether "(url)" follows depends on that "]" alone; both are worked out once, not once per
    // "[" (a long run of "[" was quadratic). i only grows, so the stop found stays valid until
    // i passes it.
    var linkStop = -2;
    var tails = {};
    function flush() { pushText(out, flavor.decode ? flavor.decode(text) : text); text = ''; }
    outer: for (var i = 0; i < s.length;) {
      var c = s[i];
      if (flavor.escape && c === '\\' && flavor.escape.test(s[i + 1] || '')) {
        // An escaped character is literal even where the flavor decodes entities.
        flush(); pushText(out, s[i + 1]); i += 2; continue;
      }
      if (c === '<' && flavor.angle) {
        var am = /^<([^<>\n]+)>/.exec(s.slice(i));
        var node = am ? flavor.angle(am[1]) : null;
        if (node) { flush(); out.push(node); i += am[0].length; continue; }
      }
      if (c === '[' && flavor.links) {
        if (linkStop !== -1 && linkStop <= i) linkStop = linkStopFrom(s, i + 1);
        if (linkStop > i + 1 && s[linkStop] === ']') {
          if (!Object.prototype.hasOwnProperty.call(tails, linkStop)) tails[linkStop] = LINK_TAIL_RE.exec(s.slice(linkStop + 1));
          var tail = tails[linkStop];
          if (tail) {
            flush();
            out.push(linkNode(tail[1], inline(s.slice(i + 1, linkStop), flavor)));
            i = linkStop + 1 + tail[0].length;
            continue;
          }
        }
      }
      for (var r = 0; r < flavor.rules.length; r++) {
        var rule = flavor.rules[r];
        if (!startsWith(s, rule.open, i) || !openOk(s, i, rule)) continue;
        var start = i + rule.open.length;
        var end = (finders[r] || (finders[r] = closeFinder(s, rule, flavor)))(start);
        if (end < 0) continue;
        var inner = s.slice(start, end);
        flush();
        if (rule.tag === 'pre') out.push(preNode(inner, flavor));
        else if (rule.raw) out.push(el(rule.tag, [flavor.decode ? flavor.decode(inner) : inner]));
        else out.push(el(rule.tag, inline(inner, flavor), rule.cls ? { cls: rule.cls } : null));
        i = end + rule.close.length;
        continue outer;
      }
      text += c;
      i++;
    }
    flush();
    return out;
  }
  // Line structure: code fences first (nothing inside them is markup), then quotes, headings
  // and list items line by line; the rest is inline markup.
  function markdown(s, flavor) {
    var out = [];
    var fence = BT + BT + BT;
    var pos = 0;
    while (pos < s.length) {
      var open = s.indexOf(fence, pos);
      var close = open >= 0 ? s.indexOf(fence, open + 3) : -1;
      if (open < 0 || close < 0) { lines(s.slice(pos), flavor, out); break; }
      if (open > pos) lines(s.slice(pos, open), flavor, out);
      var pre = preNode(s.slice(open + 3, close), flavor);
      out.push(pre);
      pos = close + 3;
      if (s[pos] === '\n') pos++; // a block swallows its line break
    }
    return out;
  }
  function lines(s, flavor, out) {
    var rows = s.split('\n');
    var plain = [];
    // Text before a block ends at the block: the block starts its own line.
    function flushPlain() {
      if (!plain.length) return;
      var chunk = plain.join('\n');
      var nodes = inline(chunk, flavor);
      for (var k = 0; k < nodes.length; k++) typeof nodes[k] === 'string' ? pushText(out, nodes[k]) : out.push(nodes[k]);
      plain = [];
    }
    for (var i = 0; i < rows.length; i++) {
      var row = rows[i];
      if (flavor.quoteAll && /^>>> ?/.test(row)) {
        flushPlain();
        var rest = [row.replace(/^>>> ?/, '')].concat(rows.slice(i + 1)).join('\n');
        out.push(el('blockquote', inline(rest, flavor)));
        return;
      }
      var q = flavor.quote ? flavor.quote.exec(row) : null;
      if (q) {
        flushPlain();
        var quoted = [row.slice(q[0].length)];
        while (i + 1 < rows.length && flavor.quote.exec(rows[i + 1])) {
          i++;
          quoted.push(rows[i].slice(flavor.quote.exec(rows[i])[0].length));
        }
        out.push(el('blockquote', inline(quoted.join('\n'), flavor)));
        continue;
      }
      var h = flavor.headings ? /^(#{1,3}) +(\S.*)$/.exec(row) : null;
      if (h) {
        flushPlain();
        out.push(el('span', inline(h[2], flavor), { cls: 'h' + h[1].length }));
        continue;
      }
      var li = flavor.lists ? /^( *)[-*] +(\S.*)$/.exec(row) : null;
      if (li) {
        flushPlain();
        out.push(el('span', inline(li[2], flavor), { cls: 'li' }));
        continue;
      }
      plain.push(row);
    }
    flushPlain();
  }

  var TG_MDV2 = {
    escape: /[_*\[\]()~\x60>#+\-=|{}.!\\]/,
    doubled: [],
    links: true,
    quote: /^\*{0,2}> ?/,
    rules: [
      { open: BT + BT + BT, close: BT + BT + BT, tag: 'pre', raw: true },
      { open: BT, close: BT, tag: 'code', raw: true },
      { open: '*', close: '*', tag: 'b' },
      { open: '__', close: '__', tag: 'u' },
      { open: '_', close: '_', tag: 'i' },
      { open: '~', close: '~', tag: 's' },
      { open: '||', close: '||', tag: 'span', cls: 'spoiler' }
    ],
    fenceLang: true
  };
  var TG_MD = {
    escape: /[_*\x60\[]/,
    doubled: [],
    links: true,
    rules: [
      { open: BT + BT + BT, close: BT + BT + BT, tag: 'pre', raw: true },
      { open: BT, close: BT, tag: 'code', raw: true },
      { open: '*', close: '*', tag: 'b' },
      { open: '_', close: '_', tag: 'i' }
    ],
    fenceLang: true
  };

  function discordAngle(inner) {
    var m = /^(@!?|@&|#)(\d+)$/.exec(inner);
    if (m) return el('span', [m[1] === '#' ? '#channel' : m[1] === '@&' ? '@role' : '@user'], { cls: 'mention' });
    m = /^a?:(\w+):\d+$/.exec(inner);
    if (m) return ':' + m[1] + ':';
    if (/^https?:\/\/\S+$/.test(inner)) return linkNode(inner, [inner]);
    return null;
  }
  var DISCORD = {
    escape: /[\\*_~\x60|>#\-\[\]()<:@!.]/,
    doubled: ['*', '_'],
    links: true,
    angle: discordAngle,
    quote: /^> /,
    quoteAll: true,
    headings: true,
    lists: true,
    rules: [
      { open: BT + BT, close: BT + BT, tag: 'code', raw: true },
      { open: BT, close: BT, tag: 'code', raw: true },
      { open: '***', close: '***', tag: 'b', cls: 'bi' },
      { open: '**', close: '**', tag: 'b', flank: 'space' },
      { open: '__', close: '__', tag: 'u', flank: 'space' },
      { open: '*', close: '*', tag: 'i', flank: 'space' },
      { open: '_', close: '_', tag: 'i', flank: 'word' },
      { open: '~~', close: '~~', tag: 's', flank: 'space' },
      { open: '||', close: '||', tag: 'span', cls: 'spoiler' }
    ],
    fenceLang: true
  };

  var SLACK_NAMED = { lt: '<', gt: '>', amp: '&' };
  function slackDecode(s) { return decodeWith(s, SLACK_NAMED); }
  function slackAngle(inner) {
    var bar = inner.indexOf('|');
    var target = bar >= 0 ? inner.slice(0, bar) : inner;
    var label = bar >= 0 ? slackDecode(inner.slice(bar + 1)) : '';
    if (target[0] === '!') {
      var special = /^!(channel|here|everyone)$/.exec(target);
      if (special) return el('span', ['@' + special[1]], { cls: 'mention ping' });
      if (/^!date\^/.test(target)) return label || slackDecode(target);
      if (/^!subteam\^/.test(target)) return el('span', [label || '@group'], { cls: 'mention' });
      return el('span', [label || '@' + target.slice(1)], { cls: 'mention' });
    }
    if (target[0] === '@') return el('span', ['@' + (label || target.slice(1))], { cls: 'mention' });
    if (target[0] === '#') return el('span', ['#' + (label || target.slice(1))], { cls: 'mention' });
    var url = slackDecode(target);
    return linkNode(url, [label || url]);
  }
  var SLACK = {
    doubled: [],
    decode: slackDecode,
    angle: slackAngle,
    quote: /^> ?/,
    rules: [
      { open: BT, close: BT, tag: 'code', raw: true, line: true },
      { open: '*', close: '*', tag: 'b', flank: 'word', line: true },
      { open: '_', close: '_', tag: 'i', flank: 'word', line: true },
      { open: '~', close: '~', tag: 's', flank: 'word', line: true }
    ]
  };

  function render(platform, text, parseMode) {
    var s = typeof text === 'string' ? text : '';
    var nodes;
    if (platform === 'telegram') {
      var mode = String(parseMode || '').toLowerCase();
      if (mode === 'html') nodes = telegramHtml(s);
      else if (mode === 'markdownv2') nodes = markdown(s, TG_MDV2);
      else if (mode === 'markdown') nodes = markdown(s, TG_MD);
      else nodes = [s];
    } else if (platform === 'discord') nodes = markdown(s, DISCORD);
    else if (platform === 'slack') nodes = markdown(s, SLACK);
    else nodes = [s];
    return linkify(nodes);
  }

  function pings(platform, text, body) {
    var s = typeof text === 'string' ? text : '';
    var found = [];
    if (platform === 'discord') {
      var am = body && typeof body === 'object' ? body.allowed_mentions : undefined;
      var parse = am && typeof am === 'object' && Array.isArray(am.parse) ? am.parse : null;
      // Without allowed_mentions Discord parses everything in the content.
      var everyone = am === undefined || am === null || (parse !== null && parse.indexOf('everyone') >= 0);
      var users = am === undefined || am === null || (parse !== null && parse.indexOf('users') >= 0) ||
        (am && Array.isArray(am.users) && am.users.length > 0);
      var roles = am === undefined || am === null || (parse !== null && parse.indexOf('roles') >= 0) ||
        (am && Array.isArray(am.roles) && am.roles.length > 0);
      if (everyone && /@everyone\b/.test(s)) found.push('@everyone');
      if (everyone && /@here\b/.test(s)) found.push('@here');
      if (users && /<@!?\d+>/.test(s)) found.push('a user');
      if (roles && /<@&\d+>/.test(s)) found.push('a role');
    } else if (platform === 'slack') {
      // Blocks ping too: mrkdwn text objects and rich_text broadcasts.
      var texts = [s];
      if (body && typeof body === 'object' && Array.isArray(body.blocks)) slackPingTexts(body.blocks, texts, 0);
      var all = texts.join('\n');
      var m, re = /<!(channel|here|everyone)(?:\|[^>]*)?>/g;
      while ((m = re.exec(all))) if (found.indexOf('@' + m[1]) < 0) found.push('@' + m[1]);
    }
    return found;
  }
  function slackPingTexts(v, out, depth) {
    if (depth > 8 || !v || typeof v !== 'object') return;
    if (Array.isArray(v)) { for (var i = 0; i < v.length; i++) slackPingTexts(v[i], out, depth + 1); return; }
    if (v.type === 'mrkdwn' && typeof v.text === 'string') out.push(v.text);
    if (v.type === 'broadcast' && typeof v.range === 'string') out.push('<!' + v.range + '>');
    for (var k in v) if (Object.prototype.hasOwnProperty.call(v, k) && v[k] && typeof v[k] === 'object') slackPingTexts(v[k], out, depth + 1);
  }

  // ---------- cards: Discord embeds, Slack Block Kit ----------
  // Built from the same whitelisted tree: "div"s with fixed classes, every string a text node.
  function isObj(v) { return v !== null && typeof v === 'object' && !Array.isArray(v); }
  function str(v) { return typeof v === 'string' ? v : ''; }
  function box(cls, c) { return el('div', c, { cls: cls }); }
  function httpHref(href) {
    var h = safeHref(href);
    return h && /^https?:/i.test(h) ? h : null;
  }
  function hexColor(v) {
    if (typeof v !== 'number' || v !== Math.floor(v) || v < 0 || v > 0xffffff) return null;
    var h = v.toString(16);
    while (h.length < 6) h = '0' + h;
    return '#' + h;
  }
  function two(n) { return (n < 10 ? '0' : '') + n; }
  // An ISO 8601 timestamp in local time, "2024-05-01 14:03"; anything else shows nothing.
  function stamp(v) {
    if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}T/.test(v)) return '';
    var d = new Date(v);
    if (isNaN(d.getTime())) return '';
    return d.getFullYear() + '-' + two(d.getMonth() + 1) + '-' + two(d.getDate()) + ' ' + two(d.getHours()) + ':' + two(d.getMinutes());
  }

  // Discord: title, field names and footer are plain text; description and field values are markdown.
  function embed(e) {
    var c = [];
    var author = isObj(e.author) ? str(e.author.name) : '';
    if (author) {
      var ah = httpHref(e.author.url);
      c.push(box('embed-author', [ah ? el('a', [author], { href: ah }) : author]));
    }
    var title = str(e.title);
    if (title) {
      var th = httpHref(e.url);
      c.push(box('embed-title', [th ? el('a', [title], { href: th }) : title]));
    }
    var desc = str(e.description);
    if (desc) c.push(box('embed-desc', render('discord', desc)));
    var fields = Array.isArray(e.fields) ? e.fields : [];
    var cells = [];
    for (var i = 0; i < fields.length && i < 25; i++) {
      var f = fields[i];
      if (!isObj(f)) continue;
      cells.push(el('div', [box('field-name', [str(f.name)]), box('field-value', render('discord', str(f.value)))], { cls: f.inline === true ? 'embed-field inline' : 'embed-field' }));
    }
    if (cells.length) c.push(box('embed-fields', cells));
    if (isObj(e.image) || isObj(e.thumbnail)) c.push(box('embed-note', ['(image not shown)']));
    var foot = [];
    if (isObj(e.footer) && str(e.footer.text)) foot.push(e.footer.text);
    var when = stamp(e.timestamp);
    if (when) foot.push(when);
    if (foot.length) c.push(box('embed-footer', [foot.join(' \u2022 ')]));
    var color = hexColor(e.color);
    return el('div', c, color ? { cls: 'embed', color: color } : { cls: 'embed' });
  }
  function embeds(list) {
    var out = [];
    if (!Array.isArray(list)) return out;
    for (var i = 0; i < list.length && i < 10; i++) if (isObj(list[i])) out.push(embed(list[i]));
    return out;
  }

  // Slack: mrkdwn text objects through the mrkdwn renderer, plain_text as text.
  function slackText(t) {
    if (!isObj(t) || typeof t.text !== 'string') return [];
    return t.type === 'mrkdwn' ? render('slack', t.text) : [t.text];
  }
  var RICH_STYLES = [['code', 'code'], ['bold', 'b'], ['italic', 'i'], ['strike', 's']];
  function richInline(list) {
    var out = [];
    if (!Array.isArray(list)) return out;
    for (var i = 0; i < list.length; i++) {
      var x = list[i];
      if (!isObj(x)) continue;
      var node;
      if (x.type === 'text') node = str(x.text);
      else if (x.type === 'link') node = linkNode(x.url, [str(x.text) || str(x.url)]);
      else if (x.type === 'emoji') node = ':' + str(x.name) + ':';
      else if (x.type === 'user') node = el('span', ['@' + str(x.user_id)], { cls: 'mention' });
      else if (x.type === 'channel') node = el('span', ['#' + str(x.channel_id)], { cls: 'mention' });
      else if (x.type === 'usergroup') node = el('span', ['@group'], { cls: 'mention' });
      else if (x.type === 'broadcast') node = el('span', ['@' + str(x.range)], { cls: 'mention ping' });
      else continue;
      if (isObj(x.style)) for (var k = 0; k < RICH_STYLES.length; k++) if (x.style[RICH_STYLES[k][0]] === true) node = el(RICH_STYLES[k][1], [node]);
      if (typeof node === 'string') pushText(out, node); else out.push(node);
    }
    return out;
  }
  function richText(b) {
    var out = [];
    var list = Array.isArray(b.elements) ? b.elements : [];
    for (var i = 0; i < list.length; i++) {
      var x = list[i];
      if (!isObj(x)) continue;
      if (x.type === 'rich_text_section') out.push(box('sl-text', richInline(x.elements)));
      else if (x.type === 'rich_text_preformatted') out.push(el('pre', [el('code', richInline(x.elements))]));
      else if (x.type === 'rich_text_quote') out.push(el('blockquote', richInline(x.elements)));
      else if (x.type === 'rich_text_list' && Array.isArray(x.elements)) {
        for (var j = 0; j < x.elements.length; j++) if (isObj(x.elements[j])) out.push(el('span', richInline(x.elements[j].elements), { cls: 'li' }));
      }
    }
    return out;
  }
  function blocks(list) {
    var out = [];
    if (!Array.isArray(list)) return out;
    for (var i = 0; i < list.length && i < 50; i++) {
      var b = list[i];
      if (!isObj(b)) continue;
      var type = str(b.type);
      if (type === 'header') out.push(box('sl-header', [isObj(b.text) ? str(b.text.text) : '']));
      else if (type === 'section') {
        var c = [];
        if (isObj(b.text)) c.push(box('sl-text', slackText(b.text)));
        if (Array.isArray(b.fields)) {
          var cells = [];
          for (var j = 0; j < b.fields.length && j < 10; j++) cells.push(box('sl-field', slackText(b.fields[j])));
          c.push(box('sl-fields', cells));
        }
        out.push(box('sl-section', c));
      } else if (type === 'context') {
        var parts = [];
        var els = Array.isArray(b.elements) ? b.elements : [];
        for (var k = 0; k < els.length && k < 10; k++) {
          var e = els[k];
          if (isObj(e) && e.type === 'image') { if (str(e.alt_text)) parts.push(el('span', ['[' + e.alt_text + ']'], { cls: 'sl-ctx' })); }
          else parts.push(el('span', slackText(e), { cls: 'sl-ctx' }));
        }
        out.push(box('sl-context', parts));
      } else if (type === 'divider') out.push(box('sl-divider', []));
      else if (type === 'rich_text') out.push(box('sl-section', richText(b)));
      else out.push(box('sl-note', ['(' + (type || 'unknown') + ' block not shown)']));
    }
    return out;
  }

  // ---------- whole messages: files, caption and cards; edits and replies ----------
  // An image up to this size shows inline, as a data: URL (which the page's CSP allows); a
  // larger one, and every other file, is a download link the inbox serves (/inbox/files/...).
  var MAX_INLINE_IMAGE = 2 * 1024 * 1024;
  var INLINE_TYPES = { 'image/png': 1, 'image/jpeg': 1, 'image/gif': 1, 'image/webp': 1 };
  var IMAGE_SRC_RE = /^data:image\/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+\/]*={0,2}$/;
  var FILE_PATH_RE = /^\/inbox\/files\/\d{1,12}\/\d{1,4}$/;
  // Earlier versions an edited message keeps (a live order edited every few seconds would
  // otherwise grow without bound).
  var HISTORY_KEPT = 20;
  var SENDERS = { telegram: 'Herald bot', discord: 'Herald', slack: 'Herald' };
  // Telegram's bot_command entities: "/name" or "/name@bot" standing as a word.
  var COMMAND_RE = /(^|\s)(\/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?)(?=\s|$)/g;

  function has(o, k) { return Object.prototype.hasOwnProperty.call(o, k); }
  function present(v) { return v !== undefined && v !== null && v !== ''; }
  function safeImageSrc(src) { return typeof src === 'string' && IMAGE_SRC_RE.test(src) ? src : null; }
  function safeFilePath(p) { return typeof p === 'string' && FILE_PATH_RE.test(p) ? p : null; }
  function clock(ms) {
    var d = new Date(ms);
    return two(d.getHours()) + ':' + two(d.getMinutes()) + ':' + two(d.getSeconds());
  }

  // The type an image shows as, or null when it is not one the page draws. A generic type
  // (octet-stream, none) is decided by the bytes' signature, PNG and JPEG only.
  function imageType(f) {
    if (!isObj(f)) return null;
    var t = str(f.contentType).split(';')[0].trim().toLowerCase();
    if (t === 'image/jpg') t = 'image/jpeg';
    if (has(INLINE_TYPES, t)) return t;
    if (t === '' || t === 'application/octet-stream') {
      var b = str(f.base64);
      if (b.slice(0, 11) === 'iVBORw0KGgo') return 'image/png';
      if (b.slice(0, 4) === '/9j/') return 'image/jpeg';
    }
    return null;
  }
  // The data: URL an image shows inline from, or null (not an image, too big, no bytes).
  function imageSrc(f) {
    if (!isObj(f) || typeof f.base64 !== 'string' || typeof f.size !== 'number' || !(f.size <= MAX_INLINE_IMAGE)) return null;
    var type = imageType(f);
    // The bytes carried are checked too, not only the size the event claims.
    if (!type || f.base64.length > Math.ceil(MAX_INLINE_IMAGE / 3) * 4) return null;
    return safeImageSrc('data:' + type + ';base64,' + f.base64);
  }
  function byteSize(n) {
    if (typeof n !== 'number' || !(n >= 0)) return '';
    if (n < 1024) return n + ' B';
    if (n < 1024 * 1024) return (n / 1024).toFixed(n < 10 * 1024 ? 1 : 0) + ' KB';
    return (n / 1048576).toFixed(1) + ' MB';
  }
  function fileNode(f) {
    var name = str(f.name) || 'file';
    var src = imageSrc(f);
    if (src) return el('div', [el('img', [], { src: src, alt: name })], { cls: 'file file-image' });
    var path = safeFilePath(f.url);
    var row = [path ? el('a', [name], { cls: 'file-link', file: path, download: name }) : el('span', [name], { cls: 'file-name' })];
    var size = byteSize(f.size);
    if (size) row.push(el('span', [size], { cls: 'file-size' }));
    var c = [box('file-row', row)];
    if (typeof f.preview === 'string') {
      var cut = f.previewCut === true;
      c.push(el('details', [el('summary', [cut ? 'first lines' : 'contents']), el('pre', [el('code', [f.preview + (cut ? '\n\u2026' : '')])])], { cls: 'file-preview', open: true }));
    }
    return box('file', c);
  }
  function files(list) {
    var out = [];
    if (!Array.isArray(list)) return out;
    for (var i = 0; i < list.length && i < 10; i++) if (isObj(list[i])) out.push(fileNode(list[i]));
    return out;
  }

  // Where the bot_command entities of a text are (UTF-16 offsets, as Telegram counts them).
  function botCommands(text) {
    var s = str(text);
    var out = [], m;
    COMMAND_RE.lastIndex = 0;
    while ((m = COMMAND_RE.exec(s))) out.push({ offset: m.index + m[1].length, length: m[2].length });
    return out;
  }
  function commandText(text) {
    var s = str(text);
    var cmds = botCommands(s);
    var out = [], last = 0;
    for (var i = 0; i < cmds.length; i++) {
      pushText(out, s.slice(last, cmds[i].offset));
      out.push(el('span', [s.substr(cmds[i].offset, cmds[i].length)], { cls: 'bot-command' }));
      last = cmds[i].offset + cmds[i].length;
    }
    pushText(out, s.slice(last));
    return linkify(out);
  }

  // What a message shows, an edit replaces, and a history entry repeats: its files, then the
  // text (a caption when there are files) or Slack's blocks, Discord's embeds, and the notes.
  function content(ev) {
    var out = [];
    if (!isObj(ev)) return out;
    var text = str(ev.text);
    if (ev.kind === 'command') { out.push(box('body', commandText(text))); return out; }
    var shownFiles = files(ev.files);
    if (shownFiles.length) out.push(box('files', shownFiles));
    var hasBlocks = ev.platform === 'slack' && Array.isArray(ev.blocks) && ev.blocks.length > 0;
    var hasEmbeds = ev.platform === 'discord' && Array.isArray(ev.embeds) && ev.embeds.length > 0;
    if (hasBlocks) {
      // Slack shows the blocks; the text is only what notifications and screen readers get.
      out.push(box('rich blocks', blocks(ev.blocks)));
      if (text) out.push(box('extra notification-text', ['notification text: ' + text]));
    } else if (text || (!hasEmbeds && !shownFiles.length)) {
      out.push(box('body', render(ev.plainText ? 'plain' : ev.platform, text, ev.parseMode)));
    }
    if (hasEmbeds) out.push(box('rich embeds', embeds(ev.embeds)));
    var notes = Array.isArray(ev.notes) ? ev.notes : [];
    for (var i = 0; i < notes.length; i++) if (typeof notes[i] === 'string') out.push(box('extra', [notes[i]]));
    return out;
  }

  // A tree's text, with its blocks on lines of their own.
  function textOf(nodes) {
    var out = '';
    for (var i = 0; i < nodes.length; i++) {
      var n = nodes[i];
      if (typeof n === 'string') { out += n; continue; }
      if (!n || !Array.isArray(n.c)) continue;
      var inner = textOf(n.c);
      var block = n.t === 'div' || n.t === 'pre' || n.t === 'blockquote' || /(^| )(h[123]|li)( |$)/.test(str(n.cls));
      out += block ? '\n' + inner + '\n' : inner;
    }
    return out;
  }
  function sender(ev) {
    if (!isObj(ev)) return 'Herald';
    if (typeof ev.name === 'string' && ev.name.trim() !== '') return ev.name;
    return ev.kind === 'command' ? 'You' : has(SENDERS, ev.platform) ? SENDERS[ev.platform] : 'Herald';
  }
  // One line standing for a message (in a reply's quote): its first line of text, after the
  // file it carries, cut to 90 characters.
  function firstLine(ev) {
    if (!isObj(ev)) return '';
    var t = '';
    if (ev.platform === 'slack' && Array.isArray(ev.blocks) && ev.blocks.length) t = textOf(blocks(ev.blocks));
    if (!t.trim()) t = ev.kind === 'command' ? str(ev.text) : textOf(render(ev.plainText ? 'plain' : ev.platform, str(ev.text), ev.parseMode));
    if (!t.trim() && ev.platform === 'discord' && Array.isArray(ev.embeds)) t = textOf(embeds(ev.embeds));
    var rows = t.split('\n');
    var line = '';
    for (var i = 0; i < rows.length; i++) if (rows[i].trim()) { line = rows[i].trim(); break; }
    var f = Array.isArray(ev.files) && isObj(ev.files[0]) ? ev.files[0] : null;
    if (f) {
      var label = imageType(f) ? '\ud83d\uddbc Photo' : '\ud83d\udcce ' + (str(f.name) || 'File');
      line = line ? label + ' \u00b7 ' + line : label;
    }
    var chars = Array.from(line);
    return chars.length > 90 ? chars.slice(0, 89).join('') + '\u2026' : line;
  }

  // The page's record of the messages it shows, by platform, destination and message id: an
  // edit finds the message it replaces, a reply the message it quotes.
  function timeline() {
    var byKey = Object.create(null);
    function keyOf(platform, destination, id) { return JSON.stringify([String(platform), String(destination), String(id)]); }
    function apply(ev) {
      if (present(ev.edits)) {
        var k = keyOf(ev.platform, ev.destination, ev.edits);
        var old = byKey[k];
        if (old) {
          // An edit without files (a new caption; Discord keeps attachments) still shows them.
          var shown = ev;
          if (!Array.isArray(ev.files) && Array.isArray(old.current.files)) {
            shown = {};
            for (var p in ev) if (has(ev, p)) shown[p] = ev[p];
            shown.files = old.current.files;
          }
          old.versions.push(shown);
          var extra = old.versions.length - (HISTORY_KEPT + 1);
          if (extra > 0) { old.versions.splice(0, extra); old.dropped += extra; }
          old.current = shown;
          old.edits++;
          return { op: 'edit', entry: old };
        }
        // The original is not on the page (history cut, or cleared): the edit stands alone.
        var orphan = { key: k, at: ev.at, current: ev, versions: [ev], edits: 1, dropped: 0, orphan: true };
        byKey[k] = orphan;
        return { op: 'new', entry: orphan };
      }
      var key = present(ev.messageId) ? keyOf(ev.platform, ev.destination, ev.messageId) : null;
      var entry = { key: key, at: ev.at, current: ev, versions: [ev], edits: 0, dropped: 0, orphan: false };
      if (key !== null) byKey[key] = entry;
      return { op: 'new', entry: entry };
    }
    function find(platform, destination, id) { return byKey[keyOf(platform, destination, id)] || null; }
    function clear() { byKey = Object.create(null); }
    return { apply: apply, find: find, clear: clear, keyOf: keyOf };
  }

  function versionLabel(entry, index) {
    var n = entry.dropped + index;
    if (n === 0 && !entry.orphan) return 'original';
    return 'edit ' + (entry.orphan ? n + 1 : n);
  }
  // What the page draws for a timeline entry: the edited marker, the quote of the message it
  // replies to (found in tl), the current content, and the earlier versions (collapsed).
  function parts(entry, tl) {
    var ev = entry.current;
    var quote = null;
    if (present(ev.replyTo)) {
      var target = tl ? tl.find(ev.platform, ev.destination, ev.replyTo) : null;
      quote = target
        ? el('div', [el('span', [sender(target.current)], { cls: 'quote-name' }), el('span', [firstLine(target.current)], { cls: 'quote-text' })], { cls: 'reply-quote', jump: target.key })
        : el('div', [el('span', ['reply to a message not shown here'], { cls: 'quote-text' })], { cls: 'reply-quote missing' });
    }
    var edited = entry.edits === 0 ? null : entry.orphan && entry.edits === 1 ? 'edited' : 'edited \u00d7' + entry.edits;
    var history = null;
    var earlier = entry.versions.length - 1;
    if (earlier > 0) {
      var rows = [el('summary', ['history: ' + earlier + ' earlier version' + (earlier === 1 ? '' : 's') + (entry.dropped ? ' (' + entry.dropped + ' older not kept)' : '')])];
      for (var i = 0; i < earlier; i++) {
        var v = entry.versions[i];
        rows.push(box('version', [box('version-head', [versionLabel(entry, i) + ' \u00b7 ' + clock(v.at)]), box('version-body', content(v))]));
      }
      history = el('details', rows, { cls: 'history' });
    }
    return { edited: edited, quote: quote, content: content(ev), history: history };
  }

  return {
    render: render, safeHref: safeHref, pings: pings, embeds: embeds, blocks: blocks, hexColor: hexColor,
    files: files, content: content, imageSrc: imageSrc, safeImageSrc: safeImageSrc, safeFilePath: safeFilePath,
    botCommands: botCommands, firstLine: firstLine, sender: sender, clock: clock, timeline: timeline, parts: parts,
    maxInlineImage: MAX_INLINE_IMAGE, historyKept: HISTORY_KEPT
  };
})();
`;

/** {@link RENDER_JS} evaluated in Node: the same code the page runs, for tests and tools. */
export const renderers: Renderers = new Function(`${RENDER_JS}\nreturn HeraldRender;`)() as Renderers;

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Serializes a rendered tree as HTML (every text and attribute escaped), as the page would build it; for tests and snapshots. */
export function toHtml(nodes: readonly RNode[]): string {
  return nodes
    .map((n) => {
      if (typeof n === 'string') return escapeHtml(n);
      const attr = (name: string, v: string | undefined): string => (v === undefined ? '' : ` ${name}="${escapeHtml(v)}"`);
      const attrs = [
        attr('href', n.href ?? n.file),
        attr('download', n.file !== undefined ? (n.download ?? '') : undefined),
        attr('src', n.src),
        attr('alt', n.alt),
        attr('class', n.cls || undefined),
        attr('data-color', n.color),
        attr('data-jump', n.jump),
        n.open === true ? ' open' : '',
      ].join('');
      return n.t === 'img' ? `<img${attrs}>` : `<${n.t}${attrs}>${toHtml(n.c)}</${n.t}>`;
    })
    .join('');
}

/** Largest image (bytes) the page shows inline; a larger one is a download link. */
export const INLINE_IMAGE_MAX_BYTES: number = renderers.maxInlineImage;
