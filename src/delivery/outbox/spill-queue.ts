/**
 * The entries of one destination that wait on disk, as small fixed-size stubs (where the record
 * is, how big the entry is, its level) in typed arrays: a quarter-gigabyte outbox costs tens of
 * megabytes of memory, not the entries themselves.
 */

/** Where an entry's record is, and what it costs. */
export interface SpillStub {
  readonly seq: number;
  readonly offset: number;
  readonly length: number;
  readonly bytes: number;
  readonly error: boolean;
}

/** A FIFO of stubs. */
export class SpillQueue {
  private seq = new Float64Array(64);
  private offset = new Float64Array(64);
  private length = new Uint32Array(64);
  private bytes = new Uint32Array(64);
  private error = new Uint8Array(64);
  private head = 0;
  private tail = 0;
  /** Memory the waiting entries would take, for the disk budget. */
  totalBytes = 0;

  get size(): number {
    return this.tail - this.head;
  }

  push(s: SpillStub): void {
    if (this.tail === this.seq.length) this.grow();
    const i = this.tail++;
    this.seq[i] = s.seq;
    this.offset[i] = s.offset;
    this.length[i] = s.length;
    this.bytes[i] = s.bytes;
    this.error[i] = s.error ? 1 : 0;
    this.totalBytes += s.bytes;
  }

  /** The i-th stub from the head. */
  at(i: number): SpillStub {
    const j = this.head + i;
    return { seq: this.seq[j]!, offset: this.offset[j]!, length: this.length[j]!, bytes: this.bytes[j]!, error: this.error[j] === 1 };
  }

  shift(): SpillStub | undefined {
    if (this.size === 0) return undefined;
    const s = this.at(0);
    this.head++;
    this.totalBytes -= s.bytes;
    if (this.head === this.tail) this.head = this.tail = 0;
    return s;
  }

  /** Removes the oldest stub that is not an error (or the oldest, when all are). */
  removeOldestInfo(): SpillStub | undefined {
    let i = 0;
    while (i < this.size && this.error[this.head + i] === 1) i++;
    if (i === this.size) i = 0;
    if (this.size === 0) return undefined;
    const s = this.at(i);
    for (let j = this.head + i; j > this.head; j--) {
      this.seq[j] = this.seq[j - 1]!;
      this.offset[j] = this.offset[j - 1]!;
      this.length[j] = this.length[j - 1]!;
      this.bytes[j] = this.bytes[j - 1]!;
      this.error[j] = this.error[j - 1]!;
    }
    this.head++;
    this.totalBytes -= s.bytes;
    return s;
  }

  /** Moves every stub's record to where `moved` says it now is (after compaction). */
  relocate(moved: ReadonlyMap<number, { offset: number; length: number }>): void {
    for (let j = this.head; j < this.tail; j++) {
      const m = moved.get(this.seq[j]!);
      if (m) {
        this.offset[j] = m.offset;
        this.length[j] = m.length;
      }
    }
  }

  private grow(): void {
    const n = this.size;
    const cap = Math.max(64, n * 2);
    const copy = <T extends Float64Array | Uint32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(cap);
      b.set(a.subarray(this.head, this.tail));
      return b;
    };
    this.seq = copy(this.seq, (c) => new Float64Array(c));
    this.offset = copy(this.offset, (c) => new Float64Array(c));
    this.length = copy(this.length, (c) => new Uint32Array(c));
    this.bytes = copy(this.bytes, (c) => new Uint32Array(c));
    this.error = copy(this.error, (c) => new Uint8Array(c));
    this.head = 0;
    this.tail = n;
  }
}
