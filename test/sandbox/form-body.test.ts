import { describe, expect, it } from 'vitest';
import { isMultipart, readFormBody } from '../../src/sandbox/form-body.js';

/** A real multipart body, encoded by the runtime's own FormData (what fetch sends). */
async function encode(form: FormData): Promise<{ raw: Buffer; type: string }> {
  const req = new Request('http://127.0.0.1/', { method: 'POST', body: form });
  return { raw: Buffer.from(await req.arrayBuffer()), type: req.headers.get('content-type')! };
}

describe('readFormBody', () => {
  it('reads text fields and files with their bytes', async () => {
    const form = new FormData();
    form.set('chat_id', '42');
    form.set('caption', 'équité ✓');
    form.set('photo', new Blob([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 255])], { type: 'image/png' }), 'equity.png');
    const { raw, type } = await encode(form);
    expect(isMultipart(type)).toBe(true);
    const body = await readFormBody(raw, type);
    expect(body?.fields).toEqual({ chat_id: '42', caption: 'équité ✓' });
    expect(body?.files).toHaveLength(1);
    const file = body!.files[0]!;
    expect(file).toMatchObject({ field: 'photo', name: 'equity.png', contentType: 'image/png', size: 6 });
    expect([...Buffer.from(file.base64, 'base64')]).toEqual([0x89, 0x50, 0x4e, 0x47, 0, 255]);
  });

  it('answers undefined for a body that is not the form it claims', async () => {
    expect(await readFormBody(Buffer.from('not a form'), 'multipart/form-data; boundary=xyz')).toBeUndefined();
    expect(isMultipart('application/json')).toBe(false);
  });
});
