/**
 * Splitting long text into ordered parts that each fit a platform's limit — never truncating.
 * Splits on line boundaries; a single line longer than the limit is cut (at a space when one
 * is near the end) on a grapheme-cluster boundary, so an emoji ZWJ sequence, a flag or a letter
 * with its combining marks is never cut in half. Only a single cluster longer than the whole
 * limit is cut inside, and then never inside a surrogate pair.
 */

/** Length as the platform counts it. Must be additive: measure(a + b) = measure(a) + measure(b). */
export type Measure = (text: string) => number;

/** Code points, the unit Telegram counts in. */
export const codePoints: Measure = (text) => {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff) n++;
  }
  return n;
};

/** UTF-16 code units, what Discord and JS count. */
export const utf16Length: Measure = (text) => text.length;

/**
 * Splits `text` into parts with `measure(part) <= max`. Joining the parts with `'\n'` gives back
 * the text where a split fell on a line break; hard cuts inside a line lose nothing either
 * (the line's pieces are consecutive parts).
 */
export function splitText(text: string, max: number, measure: Measure): string[] {
  if (measure(text) <= max) return [text];
  const parts: string[] = [];
  // Platforms refuse blank messages; a blank part can only be a line break at a split point.
  const emit = (part: string): void => {
    if (part.trim() !== '') parts.push(part);
  };
  const newline = measure('\n');
  let current: string | null = null; // null: nothing placed in the current part yet
  let currentLen = 0;
  for (const line of text.split('\n')) {
    const len = measure(line);
    if (current !== null && currentLen + newline + len <= max) {
      current += '\n' + line;
      currentLen += newline + len;
      continue;
    }
    if (current !== null) emit(current);
    if (len <= max) {
      current = line;
      currentLen = len;
      continue;
    }
    const pieces = hardSplit(line, max, measure);
    pieces.slice(0, -1).forEach(emit);
    current = pieces[pieces.length - 1]!;
    currentLen = measure(current);
  }
  if (current !== null) emit(current);
  return parts.length ? parts : [text];
}

/** Cuts one line into pieces that fit, preferring a space in the last fifth of a piece. Linear in the line's length. */
function hardSplit(line: string, max: number, measure: Measure): string[] {
  const pieces: string[] = [];
  let pos = 0;
  while (pos < line.length) {
    // No prefix that fits is longer than 2 × max units (a code point is at most 2 units, and no measure counts less than one per unit).
    const window = line.slice(pos, pos + 2 * max);
    let cut = fitPrefix(window, max, measure);
    if (pos + cut >= line.length) {
      pieces.push(line.slice(pos));
      break;
    }
    // Back to the start of the grapheme cluster the cut falls in; a cluster longer than the
    // whole limit (thousands of combining marks) cannot be kept whole and is cut where it must.
    const cluster = graphemeStart(line, pos + cut, pos);
    if (cluster > pos) cut = cluster - pos;
    // cut - 1: a space exactly at `cut` would make the piece one character too long.
    const space = window.lastIndexOf(' ', cut - 1);
    // After a space is a boundary unless a combining mark follows it (a space can carry one).
    if (space > cut * 0.8 && graphemeStart(line, pos + space + 1, pos) === pos + space + 1) cut = space + 1;
    pieces.push(line.slice(pos, pos + cut));
    pos += cut;
  }
  return pieces;
}

/** Largest UTF-16 index such that `measure(text.slice(0, i)) <= max`, not inside a surrogate pair. */
function fitPrefix(text: string, max: number, measure: Measure): number {
  let lo = 1;
  if (measure(text) <= max) lo = text.length;
  else {
    let hi = text.length;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (measure(text.slice(0, mid)) <= max) lo = mid;
      else hi = mid - 1;
    }
  }
  // Also when the whole window fits: the window itself may end inside a pair.
  const c = text.charCodeAt(lo - 1);
  if (c >= 0xd800 && c <= 0xdbff && lo > 1) lo--;
  return lo;
}

let graphemes: Intl.Segmenter | undefined;

/** Printable ASCII: no grapheme rule joins one to what comes before it, or looks back past it. */
const plain = (c: number): boolean => c >= 0x20 && c <= 0x7e;

/**
 * Code points that may join the cluster before them (Extend, ZWJ, SpacingMark): a superset, so a
 * code point outside it after printable ASCII always starts a new cluster.
 */
const JOINS = /[\p{M}\p{Grapheme_Extend}\p{Emoji_Modifier}\u200c\u200d\u0e33\u0eb3]/uy;

/** True when `i` is surely a boundary from its two neighbours alone: after printable ASCII, and not before a mark. */
function plainBoundary(text: string, i: number): boolean {
  if (!plain(text.charCodeAt(i - 1))) return false;
  if (plain(text.charCodeAt(i))) return true;
  JOINS.lastIndex = i;
  return !JOINS.test(text);
}

/** Whether the code point at `i` is a regional indicator (half a flag), U+1F1E6–U+1F1FF: D83C DDE6–DDFF. */
const regional = (text: string, i: number): boolean => text.charCodeAt(i) === 0xd83c && text.charCodeAt(i + 1) >= 0xdde6 && text.charCodeAt(i + 1) <= 0xddff;

/**
 * The start of the grapheme cluster that index `i` of `line` falls in (`i` itself when it is a
 * boundary), or `lo` when that cluster starts at or before `lo`. `lo` must be a boundary (the
 * start of the line or of the piece being cut).
 *
 * Intl.Segmenter is slow per cluster (about 1 µs), so it only ever sees a small window before
 * `i`, never the whole line: the cost per cut is constant and a 1 MB line splits in linear time.
 * A window starting inside a cluster may report one boundary too many, at its first boundary
 * (the rules for emoji ZWJ sequences and Indic conjuncts look back past the window's start;
 * every other rule looks at two neighbours only), so that one is ignored unless the window
 * starts at `lo`. Flags are pairs of regional indicators counted from the start of their run,
 * so a window never starts between the two halves of a flag.
 */
function graphemeStart(line: string, i: number, lo: number): number {
  if (i <= lo || i >= line.length) return i;
  if (plainBoundary(line, i)) return i;
  graphemes ??= new Intl.Segmenter('en', { granularity: 'grapheme' });
  // Whether `i` is a boundary depends on the code point at `i` (one or two units), nothing further.
  const end = Math.min(line.length, i + 2);
  for (let width = 32; ; width *= 4) {
    const start = windowStart(line, Math.max(lo, i - width), lo);
    let best = lo;
    let seen = 0;
    for (const { index } of graphemes.segment(line.slice(start, end))) {
      const at = start + index;
      if (at > i) break;
      // Boundaries at index 0 and the first after it are only sure when the window starts at `lo`.
      if (start === lo || seen++ >= 2) best = at;
    }
    if (best > lo || start === lo) return best;
  }
}

/** `at`, or one code point earlier when `at` would split a surrogate pair or a flag's two regional indicators. */
function windowStart(line: string, at: number, lo: number): number {
  if (at <= lo) return lo;
  const c = line.charCodeAt(at);
  if (c >= 0xdc00 && c <= 0xdfff) at--; // inside a pair: start at its high surrogate
  if (at <= lo || !regional(line, at) || !regional(line, at - 2)) return Math.max(at, lo);
  // Inside a run of regional indicators: flags pair up from the run's start (or from `lo`, a boundary).
  let count = 0;
  for (let j = at - 2; j >= lo && regional(line, j); j -= 2) count++;
  return count % 2 === 0 ? at : at - 2;
}
