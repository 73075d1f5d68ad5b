/** Conventions shared by every command: help, usage errors, colour rules. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { colorEnabled } from '../../src/cli/output.js';
import { removeDir, runCli, stopAll, tempDir } from './harness.js';

let cwd: string;
beforeAll(async () => {
  cwd = await tempDir();
});
afterEach(() => stopAll());
afterAll(() => removeDir(cwd));

describe('herald conventions', () => {
  it('herald --help lists the commands with their summaries', async () => {
    const run = await runCli(['--help'], { cwd });
    expect(run.code).toBe(0);
    for (const name of ['doctor', 'test', 'send', 'chat-id', 'link']) expect(run.stdout).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
    expect(run.stdout).not.toMatch(/in progress/);
  });

  it.each(['doctor', 'test', 'send', 'chat-id', 'link'])('herald %s --help documents options, exit codes, the JSON shape and examples', async (name) => {
    const run = await runCli([name, '--help'], { cwd });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^herald ${name} — `));
    for (const part of ['Usage:', '--env-file', '--json', 'Exit codes:', 'JSON (--json', 'Examples:']) expect(run.stdout).toContain(part);
  });

  it('no colour when NO_COLOR is set or stdout is not a terminal', () => {
    const fakeTty = { isTTY: true } as unknown as NodeJS.WritableStream;
    const pipe = { isTTY: false } as unknown as NodeJS.WritableStream;
    expect(colorEnabled({}, fakeTty)).toBe(true);
    expect(colorEnabled({ NO_COLOR: '1' }, fakeTty)).toBe(false);
    expect(colorEnabled({}, pipe)).toBe(false);
    expect(colorEnabled({ TERM: 'dumb' }, fakeTty)).toBe(false);
  });

  it('usage errors print the message and the help hint, with exit 2 and secrets redacted', async () => {
    const run = await runCli(['send', '--to'], { cwd });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/herald send: .*--to[\s\S]*Run `herald send --help` for usage\./);
    const leaky = await runCli(['test', '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0 x'], { cwd });
    expect(leaky.code).toBe(2);
    expect(leaky.stderr).toMatch(/"123456789:AA… x" is not general, error, all/);
  });
});
