/** Turns whatever a strategy passes to `log()` into readable text — never "[object Object]". */

/** What an empty or missing message becomes, so no platform ever receives an empty request. */
export const EMPTY_PLACEHOLDER = '(empty message)';
const STACK_LINES = 5;

/** Renders any value readably: Errors as message + top of stack, objects as JSON. */
export function renderMessage(value: unknown): string {
  if (typeof value === 'string') return value.trim() === '' ? EMPTY_PLACEHOLDER : value;
  if (value === undefined || value === null) return EMPTY_PLACEHOLDER;
  if (value instanceof Error) return renderError(value);
  if (typeof value === 'object') return renderJson(value);
  if (typeof value === 'symbol') return value.toString();
  return String(value);
}

/** `Name: message` followed by the first stack frames (the part that says where). */
export function renderError(error: Error): string {
  const head = `${error.name || 'Error'}: ${error.message || '(no message)'}`;
  const frames = (error.stack ?? '')
    .split('\n')
    // Node's own frames say nothing about the strategy; keep the user's.
    .filter((l) => /^\s+at /.test(l) && !/\(node:|^\s+at node:/.test(l))
    .slice(0, STACK_LINES)
    .map((l) => `  ${shortenPaths(l.trim())}`);
  return frames.length ? `${head}\n${frames.join('\n')}` : head;
}

function renderJson(value: object): string {
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
        if (v instanceof Error) return renderError(v);
        if (typeof v !== 'object' || v === null) return v;
        if (path.includes(v)) return '[Circular]';
        const out = v instanceof Map ? Object.fromEntries(v) : v instanceof Set ? [...v] : v;
        holders.push(out);
        path.push(v);
        return out;
      },
      2,
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
