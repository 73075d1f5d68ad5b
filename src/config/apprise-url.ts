/**
 * Apprise-style URLs (`tgram://`, `discord://`, `slack://`) taken apart the way Apprise does,
 * so configurations written for it work unchanged. Apprise has its own splitter, and so must
 * we: WHATWG `URL` reads a Telegram token's `:` as a port and a Slack `/#channel` as a fragment.
 * See https://appriseit.com/services/telegram/ (and /discord/, /slack/).
 */

/** A URL in Apprise's grammar. */
export interface AppriseUrl {
  /** Lower case, without `://`. */
  readonly scheme: string;
  /** What came before `@` in the first part (a bot name), decoded. */
  readonly user?: string;
  /** The first part after `://` (a token, a webhook id), decoded. */
  readonly host: string;
  /** The other path parts, split on `/`, `,` and whitespace, decoded, empty ones dropped. */
  readonly path: readonly string[];
  /** Query options: keys lower case, pairs split on `&` and `;`, values decoded and trimmed (`+` stays `+`). */
  readonly query: ReadonlyMap<string, string>;
}

/** True when `raw` starts with `scheme://`. */
export function schemeOf(raw: string): string | undefined {
  return /^([a-z][a-z0-9+.-]*):\/\//i.exec(raw.trim())?.[1]?.toLowerCase();
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Takes an Apprise URL apart; undefined when it is not `scheme://…`. */
export function parseAppriseUrl(raw: string): AppriseUrl | undefined {
  const m = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/is.exec(raw.trim());
  if (!m) return undefined;
  const scheme = m[1]!.toLowerCase();
  let rest = m[2]!;
  let queryText = '';
  const q = rest.indexOf('?');
  if (q >= 0) {
    queryText = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  const slash = rest.search(/[/\\]/);
  let authority = slash < 0 ? rest : rest.slice(0, slash);
  const pathText = slash < 0 ? '' : rest.slice(slash + 1);
  const at = authority.lastIndexOf('@');
  const user = at >= 0 ? decode(authority.slice(0, at)) : undefined;
  if (at >= 0) authority = authority.slice(at + 1);
  const path = pathText
    .split(/[\s,/\\]+/)
    .filter(Boolean)
    .map(decode);
  const query = new Map<string, string>();
  for (const pair of queryText.split(/[&;]/)) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const key = decode(eq < 0 ? pair : pair.slice(0, eq))
      .trim()
      .toLowerCase();
    if (key) query.set(key, eq < 0 ? '' : decode(pair.slice(eq + 1)).trim());
  }
  return { scheme, ...(user ? { user } : {}), host: decode(authority), path, query };
}

/** Apprise's booleans: yes/no, true/false, on/off, 1/0, enable/disable…; anything else is `fallback`. */
export function appriseBool(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  const v = value.trim().toLowerCase().slice(0, 2);
  if (['de', 'di', 'ne', 'f', 'n', 'no', 'of', '0', 'fa'].includes(v)) return false;
  if (['en', 'al', 't', 'y', 'ye', 'on', '1', 'tr'].includes(v)) return true;
  return fallback;
}

/** A list option (`?to=a,b c`): split on commas and whitespace, empty items dropped. */
export function appriseList(value: string | undefined, separators = /[\s,]+/): string[] {
  return value ? value.split(separators).filter(Boolean) : [];
}
