/** Durations and clock times as users write them: `30s`, `15m`, `1h`, `1d`; `08:00`. */

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parses `30s`, `15m`, `1h`, `1d`, `1h30m` (whole or decimal numbers, units s/m/h/d) into
 * milliseconds; undefined for anything else. The caller checks the range it needs.
 */
export function parseDuration(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const s = text.trim().toLowerCase().replace(/\s+/g, '');
  if (!/^(\d+(\.\d+)?[smhd])+$/.test(s)) return undefined;
  let ms = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)([smhd])/g)) ms += Number(m[1]) * UNIT_MS[m[2]!]!;
  return Number.isFinite(ms) ? Math.round(ms) : undefined;
}

/** `15 min`, `1 h`, `1 h 30 min`, `2 d`: a duration for people, at most two units. */
export function describeDuration(ms: number): string {
  const units: [number, string][] = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'min'],
    [1000, 's'],
  ];
  const out: string[] = [];
  let rest = Math.max(0, Math.round(ms / 1000) * 1000);
  for (const [size, name] of units) {
    if (out.length === 2) break;
    const n = Math.floor(rest / size);
    if (n > 0 || (out.length > 0 && rest > 0)) {
      if (n > 0) out.push(`${n} ${name}`);
      rest -= n * size;
    }
  }
  return out.length ? out.join(' ') : '0 s';
}

/** A wall-clock time `HH:MM` (24 h) as minutes after midnight; undefined when malformed. */
export function parseClockTime(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const m = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
  if (!m) return undefined;
  const h = Number(m[1]);
  const min = Number(m[2]);
  return h < 24 && min < 60 ? h * 60 + min : undefined;
}

/** True when `zone` is an IANA time zone this runtime knows (`Europe/Berlin`, `UTC`). */
export function isTimeZone(zone: unknown): zone is string {
  if (typeof zone !== 'string' || zone === '') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
