/**
 * Telegram `parse_mode` checks for the fake. Error texts follow the Bot API server (tdlib)
 * where it has one, so a client's "can't parse entities → resend as plain text" path sees the
 * same shape it sees in production.
 */

/** Outcome of parsing formatted text: the plain text Telegram would store, or the error. */
export type MarkupResult = { ok: true; text: string } | { ok: false; error: string };

const HTML_TAGS = new Set(['b', 'strong', 'i', 'em', 'u', 'ins', 's', 'strike', 'del', 'span', 'tg-spoiler', 'a', 'code', 'pre', 'blockquote']);

const NAMED_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v';

/** UTF-8 byte offset of UTF-16 index `i`: tdlib reports byte offsets. */
const byteOffset = (s: string, i: number): number => Buffer.byteLength(s.slice(0, i), 'utf8');

/** Decode the entity at `s[i] === '&'`; undefined when it is not a supported entity. */
function decodeEntity(s: string, i: number): { char: string; end: number } | undefined {
  const m = /^&(?:#(\d{1,8})|#[xX]([0-9a-fA-F]{1,7})|([a-zA-Z]{1,8}));/.exec(s.slice(i, i + 12));
  if (!m) return undefined;
  const end = i + m[0].length;
  if (m[3] !== undefined) {
    const char = NAMED_ENTITIES[m[3]];
    return char === undefined ? undefined : { char, end };
  }
  const code = m[1] !== undefined ? Number.parseInt(m[1], 10) : Number.parseInt(m[2]!, 16);
  if (code <= 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return undefined;
  return { char: String.fromCodePoint(code), end };
}

/** Decode entities inside an attribute value (lenient: unknown `&` stays literal there). */
function decodeAttribute(v: string): string {
  let out = '';
  for (let i = 0; i < v.length;) {
    const e = v[i] === '&' ? decodeEntity(v, i) : undefined;
    if (e) {
      out += e.char;
      i = e.end;
    } else {
      out += v[i];
      i++;
    }
  }
  return out;
}

/**
 * Parse Telegram HTML. Stricter than tdlib in one place, on purpose: a bare `&` that starts no
 * entity is an error here (tdlib keeps it literally) because the Bot API documentation
 * requires escaping it, and a client that relies on the leniency is one typo from a 400.
 */
export function parseTelegramHtml(s: string): MarkupResult {
  const fail = (error: string): MarkupResult => ({ ok: false, error });
  const stack: string[] = [];
  let out = '';
  let i = 0;
  const n = s.length;
  while (i < n) {
    const c = s[i]!;
    if (c === '&') {
      const e = decodeEntity(s, i);
      if (!e) return fail(`Unsupported HTML entity at byte offset ${byteOffset(s, i)}; escape "&" as "&amp;"`);
      out += e.char;
      i = e.end;
      continue;
    }
    if (c !== '<') {
      out += c;
      i++;
      continue;
    }
    const begin = i;
    if (s[i + 1] === '/') {
      if (stack.length === 0) return fail(`Unexpected end tag at byte offset ${byteOffset(s, begin)}`);
      let j = i + 2;
      while (j < n && s[j] !== '>' && !isSpace(s[j])) j++;
      const name = s.slice(i + 2, j).toLowerCase();
      while (j < n && isSpace(s[j])) j++;
      if (j >= n || s[j] !== '>') return fail(`Unclosed end tag at byte offset ${byteOffset(s, begin)}`);
      const expected = stack[stack.length - 1]!;
      if (name !== '' && name !== expected) {
        return fail(`Unmatched end tag at byte offset ${byteOffset(s, begin)}, expected "</${expected}>", found "</${name}>"`);
      }
      stack.pop();
      i = j + 1;
      continue;
    }
    let j = i + 1;
    while (j < n && !isSpace(s[j]) && s[j] !== '>') j++;
    if (j >= n) return fail(`Unclosed start tag at byte offset ${byteOffset(s, begin)}`);
    const name = s.slice(i + 1, j).toLowerCase();
    if (!HTML_TAGS.has(name)) return fail(`Unsupported start tag "${name}" at byte offset ${byteOffset(s, begin)}`);
    const attrs = new Map<string, string>();
    for (;;) {
      while (j < n && isSpace(s[j])) j++;
      if (j >= n) return fail(`Unclosed start tag at byte offset ${byteOffset(s, begin)}`);
      if (s[j] === '>') break;
      const nameStart = j;
      while (j < n && /[A-Za-z0-9_-]/.test(s[j]!)) j++;
      if (j === nameStart) return fail(`Empty attribute name in the tag "${name}" at byte offset ${byteOffset(s, j)}`);
      const attr = s.slice(nameStart, j).toLowerCase();
      while (j < n && isSpace(s[j])) j++;
      if (s[j] !== '=') {
        attrs.set(attr, ''); // valueless, e.g. <blockquote expandable>
        continue;
      }
      j++;
      while (j < n && isSpace(s[j])) j++;
      let value: string;
      const quote = s[j];
      if (quote === '"' || quote === "'") {
        const close = s.indexOf(quote, j + 1);
        if (close < 0) return fail(`Unclosed end of attribute value at byte offset ${byteOffset(s, j)}`);
        value = s.slice(j + 1, close);
        j = close + 1;
      } else {
        const start = j;
        while (j < n && !isSpace(s[j]) && s[j] !== '>') j++;
        value = s.slice(start, j);
      }
      attrs.set(attr, decodeAttribute(value));
    }
    if (name === 'span' && attrs.get('class') !== 'tg-spoiler') {
      return fail(`Tag "span" must have class "tg-spoiler" at byte offset ${byteOffset(s, begin)}`);
    }
    stack.push(name);
    i = j + 1;
  }
  if (stack.length > 0) return fail(`Can't find end tag corresponding to start tag "${stack[stack.length - 1]}"`);
  return { ok: true, text: out };
}

const MDV2_RESERVED = new Set('_*[]()~`>#+-=|{}.!'.split(''));
const MDV2_MARKERS: Record<string, string> = {
  '*': 'Bold',
  _: 'Italic',
  __: 'Underline',
  '~': 'Strikethrough',
  '||': 'Spoiler',
};

/**
 * Shallow MarkdownV2 check: catches what clients get wrong in practice (an unescaped reserved
 * character such as `.` or `-`, an unclosed marker or code span) with tdlib's wording, and
 * returns an approximate plain text for the length limit. Nesting rules are not checked.
 */
export function parseTelegramMarkdownV2(s: string): MarkupResult {
  const fail = (error: string): MarkupResult => ({ ok: false, error });
  const open = new Map<string, number>(); // marker → byte offset where it was opened
  let out = '';
  let inCode = false;
  let inPre = false;
  let inUrl = false;
  let codeStart = 0;
  let linkDepth = 0;
  for (let i = 0; i < s.length;) {
    const c = s[i]!;
    if (c === '\\') {
      const next = s[i + 1];
      if (next === undefined) return fail(`Character '\\' is reserved and must be escaped with the preceding '\\'`);
      if (!inUrl) out += next;
      i += 2;
      continue;
    }
    if (inPre) {
      if (s.startsWith('```', i)) {
        inPre = false;
        i += 3;
      } else {
        out += c;
        i++;
      }
      continue;
    }
    if (inCode) {
      if (c === '`') inCode = false;
      else out += c;
      i++;
      continue;
    }
    if (inUrl) {
      if (c === ')') inUrl = false;
      i++;
      continue;
    }
    if (s.startsWith('```', i)) {
      inPre = true;
      codeStart = byteOffset(s, i);
      i += 3;
      continue;
    }
    if (c === '`') {
      inCode = true;
      codeStart = byteOffset(s, i);
      i++;
      continue;
    }
    const marker = s.startsWith('__', i) ? '__' : s.startsWith('||', i) ? '||' : c;
    if (MDV2_MARKERS[marker] !== undefined) {
      if (open.has(marker)) open.delete(marker);
      else open.set(marker, byteOffset(s, i));
      i += marker.length;
      continue;
    }
    if (c === '[') {
      linkDepth++;
      i++;
      continue;
    }
    if (c === ']' && linkDepth > 0) {
      linkDepth--;
      if (s[i + 1] === '(') {
        inUrl = true;
        i += 2;
      } else i++;
      continue;
    }
    if (c === '>' && (i === 0 || s[i - 1] === '\n')) {
      i++; // blockquote marker at line start
      continue;
    }
    if (MDV2_RESERVED.has(c)) return fail(`Character '${c}' is reserved and must be escaped with the preceding '\\'`);
    out += c;
    i++;
  }
  if (inPre) return fail(`Can't find end of PreCode entity at byte offset ${codeStart}`);
  if (inCode) return fail(`Can't find end of Code entity at byte offset ${codeStart}`);
  if (inUrl || linkDepth > 0) return fail(`Can't find end of TextUrl entity`);
  for (const [marker, at] of open) return fail(`Can't find end of ${MDV2_MARKERS[marker]} entity at byte offset ${at}`);
  return { ok: true, text: out };
}

/** Length as Telegram counts it for the 4096 limit: Unicode code points. */
export const codePointLength = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};
