/**
 * A request body as the sources read it: JSON, form fields (urlencoded or multipart), or text.
 * Senders label bodies loosely (`curl -d 'hello'` says form-encoded; TradingView says JSON only
 * when the alert is valid JSON), so the reading follows what the body is as much as its label.
 */
import { readMultipart } from './multipart.js';
import { fail, ok, type Parsed } from './relayed.js';

/** A decoded body. */
export type Body =
  | { readonly kind: 'json'; readonly value: unknown }
  /**
   * Form fields (the first value of each name), the names of files a multipart body carried,
   * and an urlencoded body's own text (`curl -d 'a = b'` is text that happens to hold a `=`).
   */
  | { readonly kind: 'form'; readonly fields: Readonly<Record<string, string>>; readonly files: readonly string[]; readonly raw?: string }
  | { readonly kind: 'text'; readonly text: string };

/** How to read a body. */
export interface BodyOptions {
  /** Read a body labelled JSON that does not parse as text instead of refusing it. */
  readonly lenientJson?: boolean;
}

const decoder = new TextDecoder('utf-8');

/** The media type and parameters of a Content-Type header, lower-cased names. */
export function mediaType(header: string | undefined): { type: string; params: Record<string, string> } {
  const [type = '', ...rest] = (header ?? '').split(';');
  const params: Record<string, string> = {};
  for (const p of rest) {
    const eq = p.indexOf('=');
    if (eq < 0) continue;
    params[p.slice(0, eq).trim().toLowerCase()] = p
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
  }
  return { type: type.trim().toLowerCase(), params };
}

/** Decodes `raw` by its Content-Type. A body that cannot be read gets a one-line reason. */
export function parseBody(raw: Buffer, contentType: string | undefined, options: BodyOptions = {}): Parsed<Body> {
  const { type, params } = mediaType(contentType);
  if (type === 'multipart/form-data') {
    if (!params.boundary) return fail('multipart/form-data body without a boundary in its Content-Type');
    const parts = readMultipart(raw, params.boundary);
    return parts.ok ? ok({ kind: 'form', fields: parts.value.fields, files: parts.value.files }) : parts;
  }
  const text = decoder.decode(raw);
  if (type === 'application/json' || type.endsWith('+json')) {
    try {
      return ok({ kind: 'json', value: JSON.parse(text) as unknown });
    } catch {
      // The parser's own message quotes the body; the sender has the body already.
      return options.lenientJson ? ok({ kind: 'text', text }) : fail('the body is not valid JSON (its Content-Type says application/json)');
    }
  }
  // `curl -d 'some text'` labels plain text as a form; a body with no `=` is no form.
  if (type === 'application/x-www-form-urlencoded' && text.includes('=')) return ok({ kind: 'form', fields: formFields(text), files: [], raw: text });
  return ok({ kind: 'text', text });
}

function formFields(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(text)) if (!(name in fields)) fields[name] = value;
  return fields;
}
