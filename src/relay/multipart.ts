/**
 * A minimal multipart/form-data reader for what webhook senders post: Discord clients send
 * `payload_json` (and files) this way. Text fields are kept; files are only named, since the
 * relay forwards text.
 */
import { fail, ok, type Parsed } from './relayed.js';

/** The text fields of a multipart body and the file names it carried. */
export interface MultipartFields {
  readonly fields: Record<string, string>;
  readonly files: string[];
}

const decoder = new TextDecoder('utf-8');

/** Splits `raw` at `boundary` and reads each part's name, file name and text. */
export function readMultipart(raw: Buffer, boundary: string): Parsed<MultipartFields> {
  const delimiter = Buffer.from(`--${boundary}`);
  const fields: Record<string, string> = {};
  const files: string[] = [];
  let at = raw.indexOf(delimiter);
  if (at < 0) return fail('multipart body without its boundary: nothing to read');
  for (;;) {
    const start = at + delimiter.length;
    // `--` after a delimiter closes the body.
    if (raw[start] === 0x2d && raw[start + 1] === 0x2d) break;
    const next = raw.indexOf(delimiter, start);
    if (next < 0) return fail('multipart body ends without its closing boundary');
    const part = raw.subarray(start, next);
    const headEnd = part.indexOf('\r\n\r\n');
    if (headEnd < 0) return fail('a multipart part has no blank line after its headers');
    const head = decoder.decode(part.subarray(0, headEnd));
    // The part's content sits between the blank line and the CRLF before the next delimiter.
    const content = part.subarray(headEnd + 4, part.length - 2);
    const disposition = /content-disposition:([^\r\n]*)/i.exec(head)?.[1] ?? '';
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
    const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
    if (filename !== undefined) files.push(filename || name || 'file');
    else if (name !== undefined && !(name in fields)) fields[name] = decoder.decode(content);
    at = next;
  }
  return ok({ fields, files });
}
