/**
 * Storm suppression: the same text to the same destination again within a window is counted,
 * not re-sent; when the window closes one summary says how often it happened.
 */
import type { OutboxEntry } from './entry.js';

interface Storm {
  readonly entry: OutboxEntry;
  readonly until: number;
  repeats: number;
  timer?: ReturnType<typeof setTimeout>;
}

/** Per-destination repeat counter with a bounded memory of recent texts. */
export class StormFilter {
  private readonly recent = new Map<string, Storm>();

  constructor(
    private readonly windowMs: number,
    private readonly maxKeys: number,
    private readonly onSummary: (first: OutboxEntry, total: number, windowMs: number) => void,
  ) {}

  /** True when the entry should be queued; false when it was counted as a repeat. */
  admit(entry: OutboxEntry, now: number): boolean {
    if (this.windowMs <= 0) return true;
    // Keyed by the text alone: a string's hash is cached, so N destinations hash it once.
    const key = entry.text;
    const storm = this.recent.get(key);
    const same = storm !== undefined && storm.entry.level === entry.level && storm.entry.silent === entry.silent;
    if (storm && same && now < storm.until) {
      storm.repeats++;
      if (!storm.timer) {
        storm.timer = setTimeout(() => this.close(key), Math.max(0, storm.until - now));
        storm.timer.unref?.();
      }
      return false;
    }
    if (storm) this.close(key);
    this.recent.set(key, { entry, until: now + this.windowMs, repeats: 0 });
    if (this.recent.size > this.maxKeys) this.close(this.recent.keys().next().value as string);
    return true;
  }

  /** Repeats counted but not yet summarised. */
  get pending(): number {
    let n = 0;
    for (const storm of this.recent.values()) if (storm.repeats > 0) n++;
    return n;
  }

  /** Emits every pending summary now (flush/close must not lose the counts). */
  flush(): void {
    for (const [key, storm] of [...this.recent]) if (storm.repeats > 0) this.close(key);
  }

  private close(key: string): void {
    const storm = this.recent.get(key);
    if (!storm) return;
    this.recent.delete(key);
    if (storm.timer) clearTimeout(storm.timer);
    if (storm.repeats > 0) this.onSummary(storm.entry, storm.repeats + 1, this.windowMs);
  }
}
