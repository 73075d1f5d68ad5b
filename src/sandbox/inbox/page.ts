/**
 * The inbox page: static HTML, CSS and the client script, as strings so `tsc` ships them in
 * `dist/` with no bundler. The script builds every message with DOM calls from the
 * renderers' tree (see render.ts): no message text is ever parsed as HTML. The server also
 * sends a Content-Security-Policy that allows only these same-origin files.
 *
 * Writing rules for the strings (`String.raw` templates): no backtick characters and no
 * dollar-brace sequences.
 */
import { RENDER_JS } from './render.js';

/** GET `/`. */
export const INBOX_HTML = String.raw`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Herald sandbox inbox</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/inbox/app.css">
<script src="/inbox/app.js" defer></script>
</head>
<body>
<header class="top">
  <div class="brand"><span class="logo">H</span><div><h1>Herald sandbox</h1><p class="sub">Local Telegram, Discord and Slack with their real limits. Nothing leaves this machine.</p></div></div>
  <div class="top-actions">
    <span id="status" class="status connecting" role="status" aria-live="polite">connecting…</span>
    <button type="button" id="clear" title="Hide the messages shown so far (reload to see them again)">Clear</button>
  </div>
</header>
<details class="setup" id="setup">
  <summary>Point Herald here: paste into <code>.env</code></summary>
  <div class="setup-body">
    <pre id="env-lines">(waiting for the sandbox…)</pre>
    <button type="button" id="copy-env">Copy</button>
    <p class="hint">The Slack and Discord bots post to <code>#general</code>, errors to <code>#alerts</code> and the <code>ema-cross</code> strategy to <code>#ema</code>; the webhooks and Telegram bots take the rest.</p>
    <p class="hint">Or run <code>herald sandbox --demo</code> to see one sample of every notification, or <code>HERALD_SANDBOX=1 npm start</code> to run the example strategy against this sandbox.</p>
  </div>
</details>
<main class="layout">
  <section class="column telegram" id="col-telegram" aria-label="Telegram">
    <header class="col-head"><span class="dot"></span><h2>Telegram</h2><span class="count" data-count="telegram">0</span><span class="col-note">Bot API · HTML parse mode</span></header>
    <div class="list" data-list="telegram"><p class="empty">No Telegram messages yet.</p></div>
    <form class="compose" id="compose" hidden autocomplete="off">
      <label class="compose-as">Send to the bots as the user of <select id="compose-chat"></select></label>
      <div class="compose-row">
        <input id="compose-text" type="text" maxlength="4096" placeholder="/status" aria-label="Message to the bot" required>
        <button type="submit" id="compose-send">Send</button>
      </div>
      <p class="compose-error" id="compose-error" role="alert" hidden></p>
    </form>
  </section>
  <section class="column discord" id="col-discord" aria-label="Discord">
    <header class="col-head"><span class="dot"></span><h2>Discord</h2><span class="count" data-count="discord">0</span><span class="col-note">webhooks &amp; bot · markdown, embeds</span></header>
    <div class="list" data-list="discord"><p class="empty">No Discord messages yet.</p></div>
  </section>
  <section class="column slack" id="col-slack" aria-label="Slack">
    <header class="col-head"><span class="dot"></span><h2>Slack</h2><span class="count" data-count="slack">0</span><span class="col-note">webhooks &amp; Web API · mrkdwn, blocks</span></header>
    <div class="list" data-list="slack"><p class="empty">No Slack messages yet.</p></div>
  </section>
  <aside class="side" id="problems" aria-label="Rate limits and errors">
    <header class="col-head"><h2>429s &amp; errors</h2><span class="count" data-count="problems">0</span></header>
    <div class="list" data-list="problems"><p class="empty">None yet. Herald paces itself under each platform's limits; a 429 or a refused message shows up here.</p></div>
  </aside>
</main>
</body>
</html>
`;

/** GET `/inbox/app.css`. */
export const INBOX_CSS = String.raw`
:root {
  --bg: #f3f4f6; --panel: #ffffff; --ink: #1f2328; --muted: #6b7280; --line: #e5e7eb;
  --tg-bg: #d6e7c8; --tg-bubble: #ffffff; --tg-accent: #2a9ef1;
  --dc-bg: #313338; --dc-ink: #dbdee1; --dc-muted: #949ba4; --dc-accent: #5865f2;
  --sl-bg: #ffffff; --sl-ink: #1d1c1d; --sl-accent: #4a154b;
  --warn: #b45309; --bad: #b91c1c;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--ink); background: var(--bg);
}
* { box-sizing: border-box; }
html, body { height: 100%; margin: 0; }
body { display: flex; flex-direction: column; min-height: 0; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 0.88em; }
button { font: inherit; font-size: 13px; border: 1px solid var(--line); background: var(--panel); border-radius: 6px; padding: 4px 10px; cursor: pointer; }
button:hover { background: #f9fafb; }

.top { display: flex; align-items: center; justify-content: space-between; gap: 16px; padding: 10px 16px; background: var(--panel); border-bottom: 1px solid var(--line); }
.brand { display: flex; align-items: center; gap: 10px; }
.logo { width: 32px; height: 32px; border-radius: 8px; background: #111827; color: #fff; display: grid; place-items: center; font-weight: 700; }
.top h1 { font-size: 16px; margin: 0; }
.sub { margin: 0; font-size: 12px; color: var(--muted); }
.top-actions { display: flex; align-items: center; gap: 10px; }
.status { font-size: 12px; padding: 3px 8px; border-radius: 999px; background: #fef3c7; color: var(--warn); }
.status.live { background: #dcfce7; color: #166534; }
.status.down { background: #fee2e2; color: var(--bad); }

.setup { margin: 0; background: var(--panel); border-bottom: 1px solid var(--line); font-size: 13px; }
.setup summary { padding: 6px 16px; cursor: pointer; color: var(--muted); }
.setup-body { padding: 0 16px 10px; position: relative; }
.setup pre { margin: 0; padding: 8px 10px; background: #f6f8fa; border: 1px solid var(--line); border-radius: 6px; overflow-x: auto; font-size: 12px; }
.setup #copy-env { position: absolute; top: 6px; right: 24px; }
.hint { color: var(--muted); margin: 8px 0 0; }

.layout { flex: 1; min-height: 0; display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)) minmax(220px, 0.8fr); gap: 10px; padding: 10px; }
.column, .side { display: flex; flex-direction: column; min-height: 0; border-radius: 10px; overflow: hidden; border: 1px solid var(--line); background: var(--panel); }
.col-head { display: flex; align-items: baseline; gap: 8px; padding: 8px 12px; border-bottom: 1px solid var(--line); background: var(--panel); color: var(--ink); }
.col-head h2 { font-size: 14px; margin: 0; }
.col-head .dot { width: 9px; height: 9px; border-radius: 50%; align-self: center; }
.col-note { margin-left: auto; font-size: 11px; color: var(--muted); }
.count { font-size: 11px; min-width: 20px; text-align: center; padding: 1px 6px; border-radius: 999px; background: #eef0f3; color: var(--muted); }
.list { flex: 1; min-height: 0; overflow-y: auto; padding: 10px; display: flex; flex-direction: column; gap: 8px; }
.empty { margin: auto; max-width: 260px; text-align: center; font-size: 13px; color: var(--muted); }

.msg { display: flex; gap: 10px; max-width: 100%; }
.avatar { flex: none; width: 34px; height: 34px; border-radius: 50%; display: grid; place-items: center; color: #fff; font-weight: 700; font-size: 14px; }
.main { min-width: 0; flex: 1; }
.meta { display: flex; flex-wrap: wrap; align-items: baseline; gap: 6px; font-size: 12px; }
.name { font-weight: 650; font-size: 14px; }
.app { font-size: 10px; font-weight: 600; padding: 0 4px; border-radius: 3px; background: var(--dc-accent); color: #fff; line-height: 15px; }
.time { color: var(--muted); font-size: 11px; }
.dest { font-size: 11px; color: var(--muted); margin-top: 2px; overflow-wrap: anywhere; }
.badge { font-size: 10.5px; padding: 0 6px; border-radius: 999px; line-height: 17px; border: 1px solid transparent; white-space: nowrap; }
.badge.silent { background: #eef2ff; color: #4338ca; border-color: #c7d2fe; }
.badge.ping { background: #fff7ed; color: var(--warn); border-color: #fed7aa; }
.badge.mode { background: #f3f4f6; color: var(--muted); border-color: var(--line); }
.body { margin-top: 2px; white-space: pre-wrap; overflow-wrap: anywhere; line-height: 1.4; font-size: 14px; }
:is(.body, .rich) pre { white-space: pre-wrap; margin: 4px 0; padding: 6px 8px; border-radius: 6px; }
:is(.body, .rich) code { padding: 1px 4px; border-radius: 4px; }
:is(.body, .rich) pre code { padding: 0; background: none; border: 0; }
:is(.body, .rich) blockquote { margin: 4px 0; padding: 2px 0 2px 10px; border-left: 3px solid #c9ccd1; }
:is(.body, .rich) a { color: #2563eb; }
:is(.body, .rich) .link-inert { text-decoration: underline dotted; }
:is(.body, .rich) .spoiler { background: #9ca3af; color: transparent; border-radius: 3px; cursor: pointer; }
:is(.body, .rich) .spoiler.revealed { background: rgba(156, 163, 175, 0.3); color: inherit; }
.body .spoiler a, .body .spoiler code { color: transparent; }
.body .spoiler.revealed a { color: #2563eb; }
.body .spoiler.revealed code { color: inherit; }
:is(.body, .rich) .mention { background: rgba(88, 101, 242, 0.15); color: #3b47c9; border-radius: 3px; padding: 0 2px; }
:is(.body, .rich) .mention.ping { background: rgba(245, 158, 11, 0.2); color: #92400e; }
:is(.body, .rich) :is(.h1, .h2, .h3) { display: block; font-weight: 700; }
:is(.body, .rich) .h1 { font-size: 1.35em; } :is(.body, .rich) .h2 { font-size: 1.2em; } :is(.body, .rich) .h3 { font-size: 1.05em; }
:is(.body, .rich) .li { display: block; padding-left: 1.1em; text-indent: -0.8em; }
:is(.body, .rich) .li::before { content: "•  "; }
.extra { font-size: 11px; color: var(--muted); margin-top: 2px; font-style: italic; }
.extra.notification-text { white-space: pre-wrap; overflow-wrap: anywhere; }

/* Cards: Discord embeds and Slack blocks (the renderers' div classes). */
.rich { margin-top: 4px; display: flex; flex-direction: column; gap: 6px; line-height: 1.4; font-size: 14px; overflow-wrap: anywhere; }
.embed { max-width: 520px; display: grid; gap: 6px; padding: 8px 14px 10px 12px; border-radius: 4px; background: #2b2d31; border-left: 4px solid #1e1f22; }
.embed-author { font-size: 13px; font-weight: 600; color: #f2f3f5; }
.embed-title { font-size: 15px; font-weight: 700; color: #f2f3f5; }
.embed-title a { color: #00a8fc; text-decoration: none; }
.embed-desc, .field-value, .sl-text, .sl-field, .sl-ctx { white-space: pre-wrap; }
.embed-desc { color: #dbdee1; }
.embed-fields { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 8px 12px; }
.embed-field { grid-column: 1 / -1; min-width: 0; }
.embed-field.inline { grid-column: auto; }
.field-name { font-size: 13px; font-weight: 700; color: #f2f3f5; margin-bottom: 1px; }
.field-value { font-size: 13.5px; color: #dbdee1; }
.embed-footer { font-size: 12px; color: #949ba4; }
.embed-note, .sl-note { font-size: 11px; font-style: italic; color: #949ba4; }
.sl-header { font-size: 17px; font-weight: 800; color: var(--sl-ink); }
.sl-section { display: grid; gap: 4px; color: var(--sl-ink); }
.sl-fields { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 6px 16px; }
.sl-field { min-width: 0; }
.sl-context { display: flex; flex-wrap: wrap; gap: 2px 10px; font-size: 12px; color: #616061; }
.sl-divider { border-top: 1px solid #dddddd; margin: 2px 0; }
.msg.fresh { animation: fresh 1.2s ease-out; }
@keyframes fresh { from { filter: drop-shadow(0 0 6px rgba(37, 99, 235, 0.6)); } to { filter: none; } }

/* Telegram: bubbles on the chat wallpaper. */
.column.telegram .col-head .dot { background: var(--tg-accent); }
.column.telegram .list { background: var(--tg-bg); }
.telegram .msg .avatar { background: var(--tg-accent); align-self: flex-end; width: 30px; height: 30px; font-size: 13px; }
.telegram .msg .main { flex: 0 1 auto; background: var(--tg-bubble); border-radius: 12px 12px 12px 4px; padding: 6px 10px 5px; box-shadow: 0 1px 1px rgba(0, 0, 0, 0.12); }
.telegram .msg .name { color: var(--tg-accent); font-size: 13px; }
.telegram .msg .body code, .telegram .msg .body pre { background: #f1f3f5; color: #c7254e; }
.telegram .msg .body pre { color: #24292f; }
.telegram .msg .body blockquote { border-left-color: var(--tg-accent); background: rgba(42, 158, 241, 0.08); border-radius: 0 4px 4px 0; }
.telegram .msg .body a { color: var(--tg-accent); }

/* Discord: dark channel, one row per message. */
.column.discord { background: var(--dc-bg); border-color: #1e1f22; }
.column.discord .col-head { background: #2b2d31; color: #f2f3f5; border-color: #1e1f22; }
.column.discord .col-head .dot { background: var(--dc-accent); }
.column.discord .count { background: #1e1f22; color: var(--dc-muted); }
.column.discord .col-note, .column.discord .empty { color: var(--dc-muted); }
.column.discord .list { gap: 14px; }
.discord .msg .avatar { background: var(--dc-accent); }
.discord .msg .name { color: #f2f3f5; }
.discord .msg .time, .discord .msg .dest, .discord .msg .extra { color: var(--dc-muted); }
.discord .msg .body { color: var(--dc-ink); }
.discord .msg .body code, .discord .msg .body pre { background: #2b2d31; border: 1px solid #1e1f22; color: #dbdee1; }
.discord .msg .rich code, .discord .msg .rich pre { background: #1e1f22; border: 1px solid #1e1f22; color: #dbdee1; }
.discord .msg :is(.body, .rich) blockquote { border-left-color: #4e5058; }
.discord .msg :is(.body, .rich) a { color: #00a8fc; }
.discord .msg :is(.body, .rich) .mention { background: rgba(88, 101, 242, 0.3); color: #c9cdfb; }
.discord .msg .badge.mode { background: #2b2d31; border-color: #1e1f22; color: var(--dc-muted); }

/* Slack: white channel, square avatars, APP tag. */
.column.slack .col-head .dot { background: var(--sl-accent); }
.slack .msg .avatar { background: #2eb67d; border-radius: 6px; }
.slack .msg .app { background: #e8e8e8; color: #616061; }
.slack .msg .name { color: var(--sl-ink); font-weight: 800; }
.slack .msg .body { color: var(--sl-ink); font-size: 14.5px; }
.slack .msg :is(.body, .rich) code { background: #f8f8f8; border: 1px solid #e1e1e1; color: #e01e5a; }
.slack .msg :is(.body, .rich) pre { background: #f8f8f8; border: 1px solid #e1e1e1; }
.slack .msg :is(.body, .rich) pre code { color: var(--sl-ink); border: 0; }
.slack .msg :is(.body, .rich) a { color: #1264a3; }
.slack .msg :is(.body, .rich) .mention { background: rgba(29, 155, 209, 0.1); color: #1264a3; }
.slack .msg :is(.body, .rich) .mention.ping { background: rgba(245, 158, 11, 0.2); color: #92400e; }

/* Files, edits, replies, and what the user sent. */
.files { display: flex; flex-direction: column; gap: 6px; margin-top: 4px; }
.file-image img { display: block; max-width: min(100%, 360px); max-height: 320px; border-radius: 8px; object-fit: contain; background: rgba(0, 0, 0, 0.04); }
.file-row { display: flex; align-items: baseline; gap: 8px; flex-wrap: wrap; padding: 6px 10px; border-radius: 8px; background: rgba(0, 0, 0, 0.05); font-size: 13px; }
.file-row::before { content: "\1F4CE"; }
.file-link { font-weight: 600; overflow-wrap: anywhere; }
.file-size { color: var(--muted); font-size: 11px; }
.file-preview summary, .history summary { cursor: pointer; font-size: 11px; color: var(--muted); }
.file-preview pre { margin: 4px 0 0; padding: 6px 8px; border-radius: 6px; background: rgba(0, 0, 0, 0.05); white-space: pre-wrap; overflow-wrap: anywhere; font-size: 12px; max-height: 220px; overflow-y: auto; }
.badge.edited { background: #fefce8; color: #854d0e; border-color: #fde68a; }
.history { margin-top: 4px; }
.version { border-left: 2px solid var(--line); padding: 2px 0 2px 8px; margin-top: 4px; opacity: 0.8; }
.version-head { font-size: 11px; color: var(--muted); }
.reply-quote { display: flex; flex-direction: column; margin: 3px 0 4px; padding: 2px 8px; border-left: 3px solid var(--tg-accent); border-radius: 0 4px 4px 0; background: rgba(42, 158, 241, 0.08); font-size: 12px; cursor: pointer; max-width: 420px; }
.reply-quote.missing { cursor: default; border-left-color: #9ca3af; background: rgba(156, 163, 175, 0.12); font-style: italic; }
.quote-name { font-weight: 650; color: var(--tg-accent); }
.quote-text { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.bot-command { color: var(--tg-accent); }
.msg.flash .main { animation: flash 1.6s ease-out; }
@keyframes flash { from { box-shadow: 0 0 0 3px rgba(250, 204, 21, 0.9); } to { box-shadow: 0 0 0 3px rgba(250, 204, 21, 0); } }
.telegram .msg.out { justify-content: flex-end; }
.telegram .msg.out .main { background: #effdde; border-radius: 12px 12px 4px 12px; }
.telegram .msg.out .name { color: #4fae4e; }
.compose { border-top: 1px solid var(--line); padding: 8px 10px; display: grid; gap: 6px; background: var(--panel); font-size: 12px; }
.compose-as { color: var(--muted); display: flex; align-items: center; gap: 6px; flex-wrap: wrap; }
.compose select { font: inherit; max-width: 100%; }
.compose-row { display: flex; gap: 6px; }
.compose-row input { flex: 1; min-width: 0; font: inherit; font-size: 14px; padding: 5px 8px; border: 1px solid var(--line); border-radius: 6px; }
.compose-error { margin: 0; color: var(--bad); }
.discord .file-row { background: #2b2d31; color: var(--dc-ink); }
.discord .quote-name, .discord .reply-quote { color: #f2f3f5; }
.discord .reply-quote { border-left-color: #4e5058; background: #2b2d31; }
.discord .msg .badge.edited { background: #2b2d31; border-color: #1e1f22; color: var(--dc-muted); }

/* Side panel: 429s and errors. */
.side .list { gap: 6px; }
.problem { border: 1px solid var(--line); border-left: 4px solid var(--bad); border-radius: 6px; padding: 6px 8px; font-size: 12px; background: #fffafa; }
.problem.rate-limited { border-left-color: #f59e0b; background: #fffdf5; }
.problem .p-head { display: flex; gap: 6px; align-items: baseline; flex-wrap: wrap; }
.problem .status-code { font-weight: 700; font-family: ui-monospace, Menlo, Consolas, monospace; }
.problem .platform { text-transform: capitalize; font-weight: 600; }
.problem .time { margin-left: auto; }
.problem .detail { margin-top: 3px; color: #374151; overflow-wrap: anywhere; }
.problem .pdest { color: var(--muted); overflow-wrap: anywhere; }

@media (max-width: 1100px) {
  .layout { grid-template-columns: repeat(2, minmax(0, 1fr)); grid-auto-rows: minmax(320px, 1fr); overflow-y: auto; }
}
`;

/** The client script: connects to `/inbox/events` and renders what arrives. */
const CLIENT_JS = String.raw`
(function () {
  'use strict';
  var R = HeraldRender;
  var PLATFORMS = ['telegram', 'discord', 'slack'];
  var TAGS = { b: 1, i: 1, u: 1, s: 1, code: 1, pre: 1, a: 1, blockquote: 1, span: 1, div: 1, img: 1, details: 1, summary: 1 };
  var CLASSES = {
    spoiler: 1, mention: 1, ping: 1, h1: 1, h2: 1, h3: 1, li: 1, bi: 1, 'link-inert': 1, expandable: 1,
    embed: 1, 'embed-author': 1, 'embed-title': 1, 'embed-desc': 1, 'embed-fields': 1, 'embed-field': 1, inline: 1,
    'field-name': 1, 'field-value': 1, 'embed-footer': 1, 'embed-note': 1,
    'sl-header': 1, 'sl-section': 1, 'sl-text': 1, 'sl-fields': 1, 'sl-field': 1, 'sl-context': 1, 'sl-ctx': 1,
    'sl-divider': 1, 'sl-note': 1,
    body: 1, rich: 1, blocks: 1, embeds: 1, extra: 1, 'notification-text': 1,
    files: 1, file: 1, 'file-image': 1, 'file-row': 1, 'file-link': 1, 'file-name': 1, 'file-size': 1, 'file-preview': 1,
    'bot-command': 1, 'reply-quote': 1, missing: 1, 'quote-name': 1, 'quote-text': 1,
    history: 1, version: 1, 'version-head': 1, 'version-body': 1
  };
  var COLOR = /^#[0-9a-fA-F]{6}$/;
  var session = null;
  var seen = Object.create(null);
  var counts = { telegram: 0, discord: 0, slack: 0, problems: 0 };
  var timeline = R.timeline();
  // The article that shows each timeline entry, by its key (edits replace it, quotes scroll to it).
  var shown = Object.create(null);

  function $(sel) { return document.querySelector(sel); }
  function make(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  // The rendered tree becomes DOM nodes: text is only ever a text node, and every attribute
  // comes from a checked field (links, image data: URLs, download paths, colours).
  function toDom(nodes, parent) {
    for (var i = 0; i < nodes.length; i++) {
      var n = nodes[i];
      if (typeof n === 'string') { parent.appendChild(document.createTextNode(n)); continue; }
      if (!n || typeof n !== 'object') continue;
      var tag = Object.prototype.hasOwnProperty.call(TAGS, n.t) ? n.t : 'span';
      var e = document.createElement(tag);
      if (typeof n.cls === 'string') {
        n.cls.split(' ').forEach(function (c) { if (Object.prototype.hasOwnProperty.call(CLASSES, c)) e.classList.add(c); });
      }
      if (tag === 'img') {
        var src = R.safeImageSrc(n.src);
        if (!src) continue;
        e.setAttribute('src', src);
        e.setAttribute('alt', typeof n.alt === 'string' ? n.alt : '');
        e.setAttribute('decoding', 'async');
      }
      if (tag === 'a' && n.file !== undefined) {
        var path = R.safeFilePath(n.file);
        if (path) { e.setAttribute('href', path); e.setAttribute('download', typeof n.download === 'string' ? n.download : ''); }
      } else if (tag === 'a') {
        var href = R.safeHref(n.href);
        if (href) { e.setAttribute('href', href); e.setAttribute('target', '_blank'); e.setAttribute('rel', 'noopener noreferrer'); }
      }
      if (tag === 'details' && n.open === true) e.open = true;
      if (typeof n.jump === 'string') e.setAttribute('data-jump', n.jump);
      if (tag === 'pre' && typeof n.lang === 'string') e.setAttribute('data-lang', n.lang);
      // CSSOM, not a style attribute: the CSP (style-src 'self') allows it, and only a checked colour gets here.
      if (tag === 'div' && typeof n.color === 'string' && COLOR.test(n.color)) e.style.borderLeftColor = n.color;
      toDom(Array.isArray(n.c) ? n.c : [], e);
      parent.appendChild(e);
    }
  }

  function destination(ev) {
    var where = ev.platform === 'telegram' ? 'chat ' + ev.destination : (ev.via === 'bot' ? 'channel ' : 'webhook ') + ev.destination;
    if (ev.thread) where += (ev.platform === 'telegram' ? ' · topic ' : ' · thread ') + ev.thread;
    return ev.label ? ev.label + ' · ' + where : where;
  }
  function setCount(key) {
    var e = document.querySelector('[data-count="' + key + '"]');
    if (e) e.textContent = String(counts[key]);
  }
  function listFor(key) { return document.querySelector('[data-list="' + key + '"]'); }
  function append(key, node, live, counted) {
    var list = listFor(key);
    var empty = list.querySelector('.empty');
    if (empty) empty.hidden = true;
    var atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    if (live) node.classList.add('fresh');
    list.appendChild(node);
    if (atBottom || !live) list.scrollTop = list.scrollHeight;
    if (counted === false) return;
    counts[key]++;
    setCount(key);
  }
  function flash(node) {
    node.classList.remove('flash');
    void node.offsetWidth; // restart the animation
    node.classList.add('flash');
  }

  // One message as the platform shows it: header, reply quote, content, earlier versions.
  function messageNode(entry) {
    var ev = entry.current;
    var p = R.parts(entry, timeline);
    var out = ev.kind === 'command';
    var art = make('article', out ? 'msg out' : 'msg');
    art.setAttribute('data-id', ev.id);
    if (entry.key !== null) art.setAttribute('data-key', entry.key);
    if (ev.silent) art.classList.add('is-silent');
    if (!out) art.appendChild(make('div', 'avatar', 'H'));
    var main = make('div', 'main');
    var meta = make('div', 'meta');
    meta.appendChild(make('span', 'name', R.sender(ev)));
    if (ev.platform !== 'telegram') meta.appendChild(make('span', 'app', 'APP'));
    var t = make('time', 'time', R.clock(entry.at));
    t.setAttribute('datetime', new Date(entry.at).toISOString());
    t.title = new Date(entry.at).toString();
    meta.appendChild(t);
    if (p.edited) {
      var ed = make('span', 'badge edited', p.edited);
      ed.title = entry.orphan && entry.edits === 1 ? 'An edit of a message no longer shown here' : 'Last edited at ' + R.clock(ev.at);
      meta.appendChild(ed);
    }
    if (ev.silent) {
      var s = make('span', 'badge silent', 'silent');
      s.title = ev.platform === 'telegram' ? 'disable_notification: delivered without sound' : 'SUPPRESS_NOTIFICATIONS: delivered without a push notification';
      meta.appendChild(s);
    }
    (ev.pings || []).forEach(function (ping) {
      var b = make('span', 'badge ping', 'pings ' + ping);
      b.title = 'This message would notify ' + ping + ' on the real platform.';
      meta.appendChild(b);
    });
    if (ev.parseMode) meta.appendChild(make('span', 'badge mode', ev.parseMode));
    main.appendChild(meta);
    if (p.quote) toDom([p.quote], main);
    var content = make('div', 'content');
    toDom(p.content, content);
    main.appendChild(content);
    if (p.history) toDom([p.history], main);
    main.appendChild(make('div', 'dest', (out ? 'sent by you in ' : 'to ') + destination(ev)));
    art.appendChild(main);
    return art;
  }

  function problemNode(ev) {
    var d = make('div', 'problem ' + ev.kind);
    d.setAttribute('data-id', ev.id);
    var head = make('div', 'p-head');
    head.appendChild(make('span', 'status-code', ev.status === 0 ? 'no answer' : String(ev.status)));
    head.appendChild(make('span', 'platform', ev.platform));
    head.appendChild(make('span', 'kind', ev.kind === 'rate-limited' ? 'rate limited' : 'error'));
    head.appendChild(make('span', 'time', R.clock(ev.at)));
    d.appendChild(head);
    d.appendChild(make('div', 'pdest', destination(ev)));
    if (ev.detail) d.appendChild(make('div', 'detail', ev.detail));
    return d;
  }

  function onMessage(ev, live) {
    var step = timeline.apply(ev);
    var entry = step.entry;
    var node = messageNode(entry);
    var old = entry.key !== null ? shown[entry.key] : undefined;
    if (entry.key !== null) shown[entry.key] = node;
    if (step.op === 'edit' && old && old.parentNode) {
      // In place: the message keeps its position; an open history stays open.
      var wasOpen = old.querySelector('details.history[open]');
      var history = node.querySelector('details.history');
      if (wasOpen && history) history.open = true;
      old.parentNode.replaceChild(node, old);
      if (live) flash(node);
      return;
    }
    append(ev.platform, node, live, ev.kind !== 'command');
  }

  function onEvent(ev, live) {
    if (!ev || seen[ev.id]) return;
    seen[ev.id] = true;
    if ((ev.kind === 'message' || ev.kind === 'command') && PLATFORMS.indexOf(ev.platform) >= 0) onMessage(ev, live);
    else if (ev.kind === 'rate-limited' || ev.kind === 'error') append('problems', problemNode(ev), live);
  }

  function clearView() {
    ['telegram', 'discord', 'slack', 'problems'].forEach(function (key) {
      var list = listFor(key);
      Array.prototype.slice.call(list.children).forEach(function (c) {
        if (c.classList.contains('empty')) c.hidden = false; else list.removeChild(c);
      });
      counts[key] = 0;
      setCount(key);
    });
    timeline.clear();
    shown = Object.create(null);
  }

  // The chats the user can write to the bots from, and the box to write in.
  function setChats(chats) {
    var select = $('#compose-chat');
    var keep = select.value;
    while (select.firstChild) select.removeChild(select.firstChild);
    (Array.isArray(chats) ? chats : []).forEach(function (c) {
      var o = make('option', '', c.label + ' (' + c.type + ', ' + c.id + ')');
      o.value = c.id;
      select.appendChild(o);
    });
    if (keep) select.value = keep;
    if (!select.value && select.options.length) select.selectedIndex = 0;
    $('#compose').hidden = select.options.length === 0;
  }
  function composeError(text) {
    var e = $('#compose-error');
    e.textContent = text || '';
    e.hidden = !text;
  }
  function sendCommand(e) {
    e.preventDefault();
    var input = $('#compose-text');
    var text = input.value;
    if (!text.trim()) return;
    var button = $('#compose-send');
    button.disabled = true;
    fetch('/inbox/command', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ chat: $('#compose-chat').value, text: text })
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (body) {
        if (res.ok) { input.value = ''; composeError(''); }
        else composeError(typeof body.error === 'string' ? body.error : 'not sent (HTTP ' + res.status + ')');
      });
    }, function () {
      composeError('not sent: the sandbox is not reachable');
    }).then(function () { button.disabled = false; input.focus(); });
  }

  function status(text, cls) {
    var s = $('#status');
    s.textContent = text;
    s.className = 'status ' + cls;
  }

  function connect() {
    var es = new EventSource('/inbox/events');
    var replaying = true;
    es.addEventListener('hello', function (e) {
      var hello = JSON.parse(e.data);
      // A new sandbox process: what is on screen belongs to the old one.
      if (session !== null && hello.session !== session) { clearView(); seen = Object.create(null); }
      session = hello.session;
      replaying = true;
      if (hello.envLines) $('#env-lines').textContent = hello.envLines;
      setChats(hello.chats);
      if (hello.showSetup) $('#setup').open = true;
    });
    es.addEventListener('ready', function () {
      replaying = false;
      status('live', 'live');
      document.body.setAttribute('data-ready', '1');
    });
    es.onmessage = function (e) {
      try { onEvent(JSON.parse(e.data), !replaying); } catch (err) { console.error('inbox: bad event', err); }
    };
    es.onerror = function () {
      status(es.readyState === EventSource.CLOSED ? 'disconnected (reload)' : 'reconnecting…', 'down');
    };
  }

  document.addEventListener('click', function (e) {
    var t = e.target;
    var spoiler = t && t.closest ? t.closest('.spoiler') : null;
    if (spoiler && !spoiler.classList.contains('revealed')) { spoiler.classList.add('revealed'); e.preventDefault(); }
    var quote = t && t.closest ? t.closest('.reply-quote[data-jump]') : null;
    var target = quote ? shown[quote.getAttribute('data-jump')] : undefined;
    if (target && target.isConnected) { target.scrollIntoView({ block: 'center', behavior: 'smooth' }); flash(target); }
  });
  $('#compose').addEventListener('submit', sendCommand);
  $('#clear').addEventListener('click', clearView);
  $('#copy-env').addEventListener('click', function () {
    var text = $('#env-lines').textContent;
    var btn = $('#copy-env');
    if (navigator.clipboard) navigator.clipboard.writeText(text).then(function () { btn.textContent = 'Copied'; setTimeout(function () { btn.textContent = 'Copy'; }, 1500); });
  });
  connect();
})();
`;

/** GET `/inbox/app.js`: the renderers followed by the client. */
export const INBOX_JS = `${RENDER_JS}\n${CLIENT_JS}`;
