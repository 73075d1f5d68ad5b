/** The first line of a notification delivered after a restart: `⏱ 14:02:07, delayed 3 min by a restart`. */

function two(n: number): string {
  return String(n).padStart(2, '0');
}

/** How long, readably: `45 s`, `3 min`, `2 h 5 min`, `3 d`. */
function delay(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
  return `${Math.round(h / 24)} d`;
}

/** The note for a notification logged at `createdAt` and sent again after a restart at `now` (local time). */
export function restartNote(createdAt: number, now: number): string {
  const d = new Date(createdAt);
  const day = now - createdAt >= 24 * 3600_000 ? `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ` : '';
  return `⏱ ${day}${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}, delayed ${delay(now - createdAt)} by a restart`;
}
