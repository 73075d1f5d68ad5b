/**
 * The last lines a child wrote to stderr, for the crash notice: bounded in lines and in line
 * length (a child that writes megabytes without a newline cannot grow it), decoded as UTF-8
 * across chunk boundaries, and cleaned for a chat message (colours and other terminal control
 * sequences removed, a progress line rewritten with `\r` reduced to what the terminal showed).
 */
import { StringDecoder } from 'node:string_decoder';

/** Lines kept by default. */
export const DEFAULT_TAIL_LINES = 50;

/** Characters kept of one line by default; the rest is counted, not kept. */
export const DEFAULT_TAIL_LINE_CHARS = 2000;

// CSI (colours, cursor moves), OSC (titles, links; ended by BEL or ST), and two-character escapes.
const ESCAPE_RE = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[@-Z\\-_]/g;
// Control characters but tab, DEL and C1 controls.
const CONTROL_RE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g;

/** Removes terminal escape sequences and control characters from one line (tabs stay). */
export function cleanLine(line: string): string {
  let text = line.replace(/\r+$/, '');
  // What a terminal shows of `10%\r20%\r30%`: the text after the last carriage return.
  const cr = text.lastIndexOf('\r');
  if (cr >= 0) text = text.slice(cr + 1);
  return text.replace(ESCAPE_RE, '').replace(CONTROL_RE, '');
}

/** A bounded tail of a byte stream, split into lines. */
export class LineTail {
  private readonly kept: string[] = [];
  private partial = '';
  /** Characters of the current line beyond {@link LineTail.maxLineChars}, not kept. */
  private dropped = 0;
  private decoder = new StringDecoder('utf8');

  /**
   * @param maxLines lines kept (older ones are forgotten)
   * @param maxLineChars characters kept of each line
   */
  constructor(
    readonly maxLines = DEFAULT_TAIL_LINES,
    readonly maxLineChars = DEFAULT_TAIL_LINE_CHARS,
  ) {}

  /** Adds output. */
  push(chunk: Buffer | string): void {
    const text = typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      this.append(text.slice(start, nl));
      this.endLine();
      start = nl + 1;
    }
    this.append(text.slice(start));
  }

  /** The stream ended: decodes what is left of a split character. */
  end(): void {
    this.append(this.decoder.end());
    this.decoder = new StringDecoder('utf8');
  }

  /** The kept lines, oldest first, cleaned; an unfinished last line included. Empty lines at the end are left out. */
  lines(): string[] {
    const all = [...this.kept];
    if (this.partial !== '' || this.dropped > 0) all.push(this.finish());
    const cleaned = all.slice(-this.maxLines).map(cleanLine);
    while (cleaned.length && cleaned[cleaned.length - 1]!.trim() === '') cleaned.pop();
    return cleaned;
  }

  /** Forgets everything (a new child starts). */
  clear(): void {
    this.kept.length = 0;
    this.partial = '';
    this.dropped = 0;
    this.decoder = new StringDecoder('utf8');
  }

  private append(text: string): void {
    if (!text) return;
    const room = this.maxLineChars - this.partial.length;
    if (room >= text.length) {
      this.partial += text;
      return;
    }
    if (room > 0) this.partial += text.slice(0, room);
    this.dropped += text.length - Math.max(0, room);
  }

  private finish(): string {
    return this.dropped > 0 ? `${this.partial} … (${this.dropped} more characters)` : this.partial;
  }

  private endLine(): void {
    this.kept.push(this.finish());
    if (this.kept.length > this.maxLines) this.kept.shift();
    this.partial = '';
    this.dropped = 0;
  }
}
