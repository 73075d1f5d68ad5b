/**
 * Splitting long text into ordered parts that each fit a platform's limit — never truncating.
 * Splits on line boundaries; a single line longer than the limit is cut (at a space when one
 * is near the end, never inside a surrogate pair).
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
    // cut - 1: a space exactly at `cut` would make the piece one character too long.
    const space = window.lastIndexOf(' ', cut - 1);
    if (space > cut * 0.8) cut = space + 1;
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
