/**
 * Reads a multipart/form-data request body the way the platforms do: text fields by name, files
 * with their names, types and bytes. The fakes use it for uploads (Telegram sendPhoto, Discord
 * `files[n]` with `payload_json`, Slack's upload URL).
 */
import type { ReceivedFile } from './types.js';

/** A form's text fields (the first value of each name) and its files, in order. */
export interface FormBody {
  readonly fields: Record<string, string>;
  readonly files: ReceivedFile[];
}

/** True when the request says it is multipart. */
export function isMultipart(contentType: string | undefined): boolean {
  return /^multipart\/form-data\b/i.test(contentType ?? '');
}

/** Parses a multipart body with the runtime's own form reader; undefined when it is not a valid form. */
export async function readFormBody(raw: Buffer, contentType: string): Promise<FormBody | undefined> {
  let form: FormData;
  try {
    form = await new Response(raw, { headers: { 'content-type': contentType } }).formData();
  } catch {
    return undefined;
  }
  const fields: Record<string, string> = {};
  const files: ReceivedFile[] = [];
  for (const [field, value] of form.entries()) {
    if (typeof value === 'string') {
      if (!(field in fields)) fields[field] = value;
      continue;
    }
    const bytes = Buffer.from(await value.arrayBuffer());
    files.push({ field, name: value.name, contentType: value.type || 'application/octet-stream', size: bytes.length, base64: bytes.toString('base64') });
  }
  return { fields, files };
}
