/** The .env rewriting and the id-preserving JSON reading the CLI commands rely on. */
import { mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'dotenv';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chatAssignments, formatEnvValue, updateEnvText, writeEnvFile } from '../../src/cli/env-file.js';
import { chatOfUpdate, quoteIds } from '../../src/channels/telegram-api.js';

describe('updateEnvText', () => {
  const original = [
    '# Herald settings',
    'GENERAL_TELEGRAM_BOT_TOKEN=123:abc',
    '',
    '# the chat',
    'GENERAL_TELEGRAM_BOT_CHAT_ID=42   # old one',
    'export OTHER="a b"',
    'LAST=1',
    '',
  ].join('\n');

  it('replaces the line in place and keeps comments, blank lines, order and other variables', () => {
    const r = updateEnvText(original, [{ name: 'GENERAL_TELEGRAM_BOT_CHAT_ID', value: '-1001234567890' }]);
    expect(r.text).toBe(original.replace('GENERAL_TELEGRAM_BOT_CHAT_ID=42   # old one', 'GENERAL_TELEGRAM_BOT_CHAT_ID=-1001234567890'));
    expect(r.replaced).toEqual(['GENERAL_TELEGRAM_BOT_CHAT_ID']);
    expect(parse(r.text)).toMatchObject({ GENERAL_TELEGRAM_BOT_CHAT_ID: '-1001234567890', OTHER: 'a b', LAST: '1' });
  });

  it('appends a missing variable on a new line, adding the final newline a file lacked', () => {
    const r = updateEnvText('A=1', [{ name: 'B', value: '-5' }]);
    expect(r.text).toBe('A=1\nB=-5\n');
    expect(r.appended).toEqual(['B']);
  });

  it('keeps CRLF line endings and an export prefix', () => {
    const r = updateEnvText('# x\r\nexport ID=1\r\nZ=2\r\n', [
      { name: 'ID', value: '-7' },
      { name: 'NEW', value: 'v' },
    ]);
    expect(r.text).toBe('# x\r\nexport ID=-7\r\nZ=2\r\nNEW=v\r\n');
  });

  it('leaves a variable that already has the value untouched', () => {
    const r = updateEnvText('ID="-7" # mine\n', [{ name: 'ID', value: '-7' }]);
    expect(r.text).toBe('ID="-7" # mine\n');
    expect(r.unchanged).toEqual(['ID']);
  });

  it('replaces a multi-line quoted value whole, and every duplicate (dotenv lets the last win)', () => {
    const text = 'KEY="line1\nline2"\nA=1\nKEY=2\n';
    const r = updateEnvText(text, [{ name: 'KEY', value: 'x' }]);
    expect(r.text).toBe('KEY=x\nA=1\nKEY=x\n');
  });

  it('does not match a variable whose name merely starts the same', () => {
    const r = updateEnvText('IDX=1\n', [{ name: 'ID', value: '2' }]);
    expect(r.text).toBe('IDX=1\nID=2\n');
  });

  it('quotes values dotenv would misread', () => {
    expect(formatEnvValue('-1001234567890')).toBe('-1001234567890');
    for (const v of ['a b#c', 'say "hi" # now', "it's", 'two\nlines', `it's "quoted"`]) {
      expect(parse(`X=${formatEnvValue(v)}\n`).X).toBe(v);
    }
  });
});

describe('writeEnvFile', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'herald-envfile-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('writes atomically, keeps the file mode, and leaves no temporary file', async () => {
    const file = join(dir, '.env');
    await writeFile(file, '# keep\nA=1\n', { mode: 0o640 });
    const r = await writeEnvFile(file, [{ name: 'B', value: '2' }]);
    expect(r.created).toBe(false);
    expect(await readFile(file, 'utf8')).toBe('# keep\nA=1\nB=2\n');
    expect((await stat(file)).mode & 0o777).toBe(0o640);
    expect(await readdir(dir)).toEqual(['.env']);
  });

  it('creates a missing file with mode 600 (it holds secrets)', async () => {
    const file = join(dir, '.env');
    const r = await writeEnvFile(file, [{ name: 'A', value: '1' }]);
    expect(r.created).toBe(true);
    expect(await readFile(file, 'utf8')).toBe('A=1\n');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('follows a symlinked .env instead of replacing the link', async () => {
    const real = join(dir, 'real.env');
    await writeFile(real, 'A=1\n');
    await symlink(real, join(dir, '.env'));
    await writeEnvFile(join(dir, '.env'), [{ name: 'A', value: '2' }]);
    expect(await readFile(real, 'utf8')).toBe('A=2\n');
    expect((await readdir(dir)).sort()).toEqual(['.env', 'real.env']);
  });
});

describe('chatAssignments', () => {
  it('adds the --token to a new pair, never replaces a different one', () => {
    const bot = { tokenSource: '--token', token: '1:x' };
    expect(chatAssignments('GENERAL_TELEGRAM_BOT_CHAT_ID', '-5', bot, {}).assignments).toEqual([
      { name: 'GENERAL_TELEGRAM_BOT_CHAT_ID', value: '-5' },
      { name: 'GENERAL_TELEGRAM_BOT_TOKEN', value: '1:x' },
    ]);
    const other = chatAssignments('GENERAL_TELEGRAM_BOT_CHAT_ID', '-5', bot, { GENERAL_TELEGRAM_BOT_TOKEN: '2:y' });
    expect(other.assignments).toHaveLength(1);
    expect(other.warning).toMatch(/different bot/);
    expect(chatAssignments('X', '-5', { tokenSource: 'GENERAL_TELEGRAM_BOT_TOKEN', token: '1:x' }, {}).assignments).toHaveLength(1);
  });
});

describe('quoteIds', () => {
  it('keeps chat ids as the exact digits Telegram sent, and leaves strings alone', () => {
    const raw = '{"update_id":7,"message":{"chat":{"id":-1009007199254740993,"type":"supergroup"},"text":"{\\"id\\":5}"}}';
    const parsed = JSON.parse(quoteIds(raw));
    expect(parsed.message.chat.id).toBe('-1009007199254740993');
    expect(parsed.update_id).toBe(7);
    expect(parsed.message.text).toBe('{"id":5}');
    expect(chatOfUpdate(parsed)?.id).toBe('-1009007199254740993');
  });
});
