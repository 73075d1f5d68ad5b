/** A FIFO with O(1) push/shift (an array plus a moving head, compacted now and then). */
export class Deque<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  /** Number of items. */
  get length(): number {
    return this.items.length - this.head;
  }

  /** Appends at the tail. */
  push(item: T): void {
    this.items.push(item);
  }

  /** Puts items back at the head, in order (used when a batch is returned to the queue). */
  unshiftAll(items: readonly T[]): void {
    this.items.splice(this.head, 0, ...items);
  }

  /** The head item without removing it. */
  peek(): T | undefined {
    return this.items[this.head];
  }

  /** The i-th item from the head. */
  at(i: number): T | undefined {
    return this.items[this.head + i];
  }

  /** Removes and returns the head item. */
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    // Compact once the dead prefix dominates, keeping shift amortised O(1) and memory bounded.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Removes and returns the tail item (the newest). */
  pop(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    return this.items.pop();
  }

  /** Removes the i-th item from the head (O(n); used only when dropping under budget pressure). */
  removeAt(i: number): T | undefined {
    if (i === 0) return this.shift();
    const [item] = this.items.splice(this.head + i, 1);
    return item;
  }

  /** Removes and returns everything. */
  drain(): T[] {
    const all = this.items.slice(this.head) as T[];
    this.items = [];
    this.head = 0;
    return all;
  }
}
