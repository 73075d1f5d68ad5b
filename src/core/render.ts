/** Turns whatever a strategy passes to `log()` into readable text — never "[object Object]". */

/** What an empty or missing message becomes, so no platform ever receives an empty request. */
export const EMPTY_PLACEHOLDER = '(empty message)';
const STACK_LINES = 5;

const CAUSE_DEPTH = 3;
// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Renders any value readably: Errors as message + top of stack, objects as JSON. */
export function renderMessage(value: unknown): string {
  return wellFormed(renderAny(value));
}

/** {@link renderMessage} on one line: objects as compact JSON, for a value inside a sentence. */
export function renderInline(value: unknown): string {
  if (value !== null && typeof value === 'object' && !(value instanceof Error)) return wellFormed(renderJson(value, 0));
  return renderMessage(value).replace(/\n\s*/g, ' ');
}

function renderAny(value: unknown): string {
  if (typeof value === 'string') return value.trim() === '' ? EMPTY_PLACEHOLDER : value;
  if (value === undefined || value === null) return EMPTY_PLACEHOLDER;
  if (value instanceof Error) return renderError(value);
  if (typeof value === 'object') return renderJson(value);
  if (typeof value === 'symbol') return value.toString();
  return String(value);
}

/**
 * Replaces lone UTF-16 surrogates with U+FFFD. A string cut in the middle of an emoji has no
 * UTF-8 form, and Telegram refuses the whole message ("strings must be encoded in UTF-8").
 */
export function wellFormed(text: string): string {
  // The native check first: nearly every text is well-formed, and the regex scan costs more.
  return isWellFormed?.call(text) === true ? text : text.replace(LONE_SURROGATE, '\uFFFD');
}

// String.prototype.isWellFormed is ES2024 (Node 20 has it); the lib types here are ES2023.
const isWellFormed = (String.prototype as { isWellFormed?: (this: string) => boolean }).isWellFormed;

/**
 * `Name: message` followed by the first stack frames (the part that says where), then each
 * `cause` in turn: the cause is usually what says what actually broke ("socket hang up").
 */
export function renderError(error: Error): string {
  const lines = [...errorLines(error, STACK_LINES)];
  let cause: unknown = error.cause;
  const seen = new Set<unknown>([error]);
  for (let depth = 0; cause !== undefined && cause !== null && !seen.has(cause) && depth < CAUSE_DEPTH; depth++) {
    seen.add(cause);
    lines.push(...(cause instanceof Error ? errorLines(cause, 1) : [renderAny(cause)]).map((l, i) => (i === 0 ? `Caused by: ${l}` : l)));
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return lines.join('\n');
}

function errorLines(error: Error, frames: number): string[] {
  const head = `${error.name || 'Error'}: ${error.message || '(no message)'}`;
  const at = (error.stack ?? '')
    .split('\n')
    // Node's own frames say nothing about the strategy; keep the user's.
    .filter((l) => /^\s+at /.test(l) && !/\(node:|^\s+at node:/.test(l))
    .slice(0, frames)
    .map((l) => `  ${shortenPaths(l.trim())}`);
  return [head, ...at];
}

function renderJson(value: object, indent = 2): string {
  // Only objects on the current path are cycles; the same object twice elsewhere is just data.
  const holders: unknown[] = [];
  const path: unknown[] = [];
  try {
    const json = JSON.stringify(
      value,
      function (this: unknown, _k, v: unknown) {
        while (holders.length && holders[holders.length - 1] !== this) {
          holders.pop();
          path.pop();
        }
        if (typeof v === 'bigint') return v.toString();
        // Else JSON.stringify writes a lone surrogate as the six characters \ud83d.
        if (typeof v === 'string') return wellFormed(v);
        if (v instanceof Error) return renderError(v);
        if (typeof v !== 'object' || v === null) return v;
        if (path.includes(v)) return '[Circular]';
        const out = v instanceof Map ? Object.fromEntries(v) : v instanceof Set ? [...v] : v;
        holders.push(out);
        path.push(v);
        return out;
      },
      indent,
    );
    if (json === undefined || json === '{}') {
      const name = (value as { constructor?: { name?: string } }).constructor?.name;
      return name && name !== 'Object' ? `${name} {}` : '{}';
    }
    return json;
  } catch (err) {
    return describeUnserialisable(value, err);
  }
}

/** Best effort for objects JSON refuses (throwing toJSON/getters): the fields that can be read. */
function describeUnserialisable(value: object, err: unknown): string {
  const fields: string[] = [];
  for (const key of Object.keys(value)) {
    try {
      fields.push(`${key}: ${shortForm((value as Record<string, unknown>)[key])}`);
    } catch {
      fields.push(`${key}: (unreadable)`);
    }
  }
  return `{ ${fields.join(', ')} } (not serialisable: ${(err as Error)?.message ?? String(err)})`;
}

/** One field of an unserialisable object, without recursing into what broke JSON. */
function shortForm(v: unknown): string {
  if (typeof v === 'function') return `[Function ${v.name || 'anonymous'}]`;
  if (Array.isArray(v)) return `[Array(${v.length})]`;
  if (v instanceof Error) return `${v.name}: ${v.message}`;
  if (typeof v === 'object' && v !== null) return '{…}';
  return String(v);
}

/** Stack paths relative to the working directory: shorter on a phone, and no home directory in a chat. */
function shortenPaths(frame: string): string {
  const cwd = process.cwd();
  return frame.split(`file://${cwd}/`).join('').split(`${cwd}/`).join('');
}
