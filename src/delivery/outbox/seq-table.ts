/**
 * Where each pending entry's record is and at how many destinations it is still pending, in
 * typed arrays indexed by sequence number (sequence numbers are dense and increasing): about 14
 * bytes per entry since the oldest pending one, instead of a map entry each.
 */

/** A pending entry's record and how many destinations still wait for it. */
export interface SeqSlot {
  readonly offset: number;
  readonly length: number;
  readonly remaining: number;
}

/** Pending entries by sequence number. */
export class SeqTable {
  private base = 0;
  private head = 0;
  private used = 0;
  private offset = new Float64Array(1024);
  private length = new Uint32Array(1024);
  private remaining = new Uint16Array(1024);
  /** Entries pending at one destination at least. */
  size = 0;

  set(seq: number, offset: number, length: number, remaining: number): void {
    if (this.used === this.head) {
      // Empty: start at this sequence number.
      this.base = seq;
      this.head = this.used = 0;
    }
    if (seq - this.base < this.head) return; // older than everything kept: cannot happen with increasing seqs
    if (seq - this.base >= this.offset.length) this.grow(seq - this.base + 1);
    const i = seq - this.base;
    if (this.remaining[i] === 0 && remaining > 0) this.size++;
    this.offset[i] = offset;
    this.length[i] = length;
    this.remaining[i] = Math.min(remaining, 0xffff);
    if (i >= this.used) this.used = i + 1;
  }

  get(seq: number): SeqSlot | undefined {
    const i = seq - this.base;
    if (i < this.head || i >= this.used || this.remaining[i] === 0) return undefined;
    return { offset: this.offset[i]!, length: this.length[i]!, remaining: this.remaining[i]! };
  }

  has(seq: number): boolean {
    return this.get(seq) !== undefined;
  }

  /** One destination is done; returns the slot as it was, or undefined when not pending. */
  decrement(seq: number): SeqSlot | undefined {
    const slot = this.get(seq);
    if (!slot) return undefined;
    const i = seq - this.base;
    this.remaining[i] = slot.remaining - 1;
    if (slot.remaining === 1) {
      this.size--;
      while (this.head < this.used && this.remaining[this.head] === 0) this.head++;
    }
    return slot;
  }

  /** The record moved (compaction). */
  relocate(seq: number, offset: number, length: number, remaining: number): void {
    const i = seq - this.base;
    if (i < this.head || i >= this.used) return;
    this.offset[i] = offset;
    this.length[i] = length;
    this.remaining[i] = remaining;
  }

  private grow(min: number): void {
    // Drop the finished prefix first; grow only what is still needed.
    const keep = this.used - this.head;
    const cap = Math.max(1024, keep * 2, min - this.head + 1);
    const offset = new Float64Array(cap);
    const length = new Uint32Array(cap);
    const remaining = new Uint16Array(cap);
    offset.set(this.offset.subarray(this.head, this.used));
    length.set(this.length.subarray(this.head, this.used));
    remaining.set(this.remaining.subarray(this.head, this.used));
    this.offset = offset;
    this.length = length;
    this.remaining = remaining;
    this.base += this.head;
    this.used -= this.head;
    this.head = 0;
  }
}
