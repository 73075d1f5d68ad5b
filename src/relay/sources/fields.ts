/** Small readers shared by the relay's sources: loose JSON and form values made into what Herald needs. */
import type { Level } from '../../channels/channel.js';
import { fail, ok, type Parsed } from '../relayed.js';

/** A JSON object or form fields, read alike. */
export type Fields = Readonly<Record<string, unknown>>;

/** True for a plain JSON object. */
export const isFields = (v: unknown): v is Fields => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A non-empty text value (numbers read as their text), else undefined. */
export function text(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return typeof v === 'string' && v.trim() !== '' ? v : undefined;
}

/** The first of `names` that holds a non-empty text value. */
export function firstText(fields: Fields, ...names: string[]): string | undefined {
  for (const n of names) {
    const v = text(fields[n]);
    if (v !== undefined) return v;
  }
  return undefined;
}

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off', '']);

/** A yes/no value as JSON or a form writes it; undefined when absent, a reason when it is neither. */
export function flag(v: unknown, name: string): Parsed<boolean | undefined> {
  if (v === undefined || v === null) return ok(undefined);
  if (typeof v === 'boolean') return ok(v);
  const s = String(v).trim().toLowerCase();
  if (TRUE.has(s)) return ok(true);
  if (FALSE.has(s)) return ok(false);
  return fail(`"${name}" must be true or false`);
}

/** Apprise's notification types and Herald's levels; Apprise's failure and warning are errors. */
const LEVELS: Readonly<Record<string, Level>> = { info: 'info', success: 'info', error: 'error', failure: 'error', warning: 'error' };

/** A level (`info`, `error`) or an Apprise type (`info`, `success`, `warning`, `failure`). */
export function level(v: unknown, name: string): Parsed<Level | undefined> {
  if (v === undefined || v === null || v === '') return ok(undefined);
  const found = typeof v === 'string' ? LEVELS[v.trim().toLowerCase()] : undefined;
  return found ? ok(found) : fail(`"${name}" must be info or error (or one of Apprise's types: info, success, warning, failure)`);
}

/** `📎 2 attachments not forwarded: chart.png, log.txt` for what a text relay cannot carry. */
export function attachmentNote(names: readonly string[]): string | undefined {
  if (!names.length) return undefined;
  return `📎 ${names.length} attachment${names.length === 1 ? '' : 's'} not forwarded: ${names.join(', ')}`;
}

/** Names of attachment objects (`{ filename }`, `{ name }`), as far as they have one. */
export function attachmentNames(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  return v.map((a) => (isFields(a) ? (firstText(a, 'filename', 'name', 'title') ?? 'file') : 'file'));
}

/** Lines joined, the empty ones between parts dropped. */
export function joinLines(parts: readonly (string | undefined)[], separator = '\n'): string {
  return parts.filter((p): p is string => p !== undefined && p.trim() !== '').join(separator);
}
