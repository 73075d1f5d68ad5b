/**
 * How several targets share one value: separated by whitespace, or by a comma that starts the
 * next target. A comma inside a URL (Apprise's `?to=a,b`, `tgram://…/chat1,chat2`) belongs to
 * that URL unless what follows is another URL or a `prefix:` form.
 */

const URL_START = /^[a-z][a-z0-9+.-]*:\/\//i;

/** Splits a value into single targets; `prefixes` are the `prefix:` forms (`telegram`, `slack`…). */
export function splitTargets(value: string, prefixes: readonly string[]): string[] {
  const startsTarget = (s: string): boolean => URL_START.test(s) || prefixes.some((p) => s.toLowerCase().startsWith(`${p}:`));
  const out: string[] = [];
  for (const word of value.trim().split(/\s+/)) {
    let current = '';
    let inUrl = false;
    for (const part of word.split(',')) {
      if (current !== '' && inUrl && !startsTarget(part)) {
        current += `,${part}`;
        continue;
      }
      if (current !== '') out.push(current);
      current = part;
      inUrl = URL_START.test(part);
    }
    if (current !== '') out.push(current);
  }
  return out;
}

/** True for the name of an environment variable (`OPS_ALERTS`). */
export function isVariableName(text: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(text);
}
