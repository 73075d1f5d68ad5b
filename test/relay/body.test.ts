/** Reading bodies as senders label them (and mislabel them), multipart included. */
import { describe, expect, it } from 'vitest';
import { mediaType, parseBody } from '../../src/relay/body.js';

const crlf = (...lines: string[]) => Buffer.from(lines.join('\r\n'));

describe('parseBody', () => {
  it('reads JSON, forms and text by Content-Type, charset and +json included', () => {
    expect(parseBody(Buffer.from('{"a":1}'), 'application/json; charset=utf-8')).toEqual({ ok: true, value: { kind: 'json', value: { a: 1 } } });
    expect(parseBody(Buffer.from('"x"'), 'application/vnd.api+json')).toEqual({ ok: true, value: { kind: 'json', value: 'x' } });
    expect(parseBody(Buffer.from('a=1&b=two+words&a=2'), 'application/x-www-form-urlencoded')).toEqual({
      ok: true,
      value: { kind: 'form', fields: { a: '1', b: 'two words' }, files: [], raw: 'a=1&b=two+words&a=2' },
    });
    expect(parseBody(Buffer.from('plain'), undefined)).toEqual({ ok: true, value: { kind: 'text', text: 'plain' } });
    expect(parseBody(Buffer.from('<xml/>'), 'application/xml')).toEqual({ ok: true, value: { kind: 'text', text: '<xml/>' } });
  });

  it('refuses JSON that does not parse unless asked to read it as text', () => {
    expect(parseBody(Buffer.from('{nope'), 'application/json')).toEqual({
      ok: false,
      reason: 'the body is not valid JSON (its Content-Type says application/json)',
    });
    expect(parseBody(Buffer.from('{nope'), 'application/json', { lenientJson: true })).toEqual({ ok: true, value: { kind: 'text', text: '{nope' } });
  });

  it('decodes UTF-8, a broken sequence as U+FFFD rather than a refusal', () => {
    expect(parseBody(Buffer.from([0xf0, 0x9f, 0x9a, 0x80, 0x20, 0xff]), 'text/plain')).toEqual({ ok: true, value: { kind: 'text', text: '🚀 \uFFFD' } });
  });

  it('reads multipart text fields and names its files', () => {
    const body = crlf(
      '--XyZ',
      'Content-Disposition: form-data; name="payload_json"',
      'Content-Type: application/json',
      '',
      '{"content":"hi"}',
      '--XyZ',
      'Content-Disposition: form-data; name="files[0]"; filename="chart.png"',
      'Content-Type: image/png',
      '',
      '\u0089PNG\r\n\u001a\n',
      '--XyZ',
      'Content-Disposition: form-data; name="content"',
      '',
      'line one\r\nline two',
      '--XyZ--',
      '',
    );
    expect(parseBody(body, 'multipart/form-data; boundary="XyZ"')).toEqual({
      ok: true,
      value: { kind: 'form', fields: { payload_json: '{"content":"hi"}', content: 'line one\r\nline two' }, files: ['chart.png'] },
    });
  });

  it('refuses a multipart body that is cut short or has no boundary, saying which', () => {
    expect(parseBody(crlf('--b', 'Content-Disposition: form-data; name="a"', '', 'x'), 'multipart/form-data; boundary=b')).toEqual({
      ok: false,
      reason: 'multipart body ends without its closing boundary',
    });
    expect(parseBody(Buffer.from('x'), 'multipart/form-data; boundary=b')).toEqual({
      ok: false,
      reason: 'multipart body without its boundary: nothing to read',
    });
    expect(parseBody(crlf('--b', 'no blank line', '--b--'), 'multipart/form-data; boundary=b')).toEqual({
      ok: false,
      reason: 'a multipart part has no blank line after its headers',
    });
  });

  it('takes a Content-Type apart', () => {
    expect(mediaType(' Multipart/Form-Data ; Boundary="a b" ; charset=utf-8')).toEqual({
      type: 'multipart/form-data',
      params: { boundary: 'a b', charset: 'utf-8' },
    });
    expect(mediaType(undefined)).toEqual({ type: '', params: {} });
  });
});
