/** Plain-text tables for the benchmark report. */

/** Left-aligned columns, except columns listed in `right`. */
export function table(header: readonly string[], rows: readonly (readonly string[])[], right: readonly number[] = []): string {
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => width(r[c] ?? ''))));
  const line = (r: readonly string[]) =>
    r
      .map((cell, c) => (right.includes(c) ? pad(cell, widths[c]!, true) : pad(cell, widths[c]!, false)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '─'.repeat(w)).join('  ');
  return [line(header), rule, ...rows.map(line)].join('\n');
}

function width(s: string): number {
  return [...s].length;
}

function pad(s: string, w: number, right: boolean): string {
  const fill = ' '.repeat(Math.max(0, w - width(s)));
  return right ? fill + s : s + fill;
}

/** `1.234 s` / `12 ms`. */
export function secs(s: number | null): string {
  if (s === null) return '—';
  return s < 1 ? `${(s * 1000).toFixed(0)} ms` : `${s.toFixed(2)} s`;
}

export function ms(v: number): string {
  return v < 10 ? `${v.toFixed(2)} ms` : v < 1000 ? `${v.toFixed(0)} ms` : `${(v / 1000).toFixed(1)} s`;
}

export function ns(v: number): string {
  return v < 10_000 ? `${Math.round(v)} ns` : v < 10_000_000 ? `${(v / 1000).toFixed(1)} µs` : `${(v / 1e6).toFixed(1)} ms`;
}

export function int(n: number): string {
  return n.toLocaleString('en-US');
}

export function mib(v: number): string {
  return `${v.toFixed(1)} MiB`;
}
