/**
 * The real Apprise client (Debian's `apprise`, the CLI over apprise/plugins/NotifyJSON.py) sends
 * to the relay: `json://host:port/t/<token>/notify`, its `-n failure` as an error, and a wrong
 * token refused (Apprise then reports a failed notification and exits non-zero). `.ci/run`
 * installs Debian's apprise; without it this file does not run and says so in one line.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { toolAvailable } from '../setup/optional-tool.js';
import { useRelays } from './harness.js';

const APPRISE = '/usr/bin/apprise';
const RUN = toolAvailable(
  'the Apprise relay test (test/relay/apprise-cli.test.ts)',
  existsSync(APPRISE),
  "Debian's apprise is missing: sudo apt-get install apprise",
);
const start = useRelays();

/** Runs the Apprise CLI without blocking this process's event loop (the relay answers from it). */
function apprise(...args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(APPRISE, args, { timeout: 30_000, env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent' } }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

describe.skipIf(!RUN)('the Apprise CLI sending to the relay', () => {
  it('delivers a notification with the token in the URL path', async () => {
    const r = await start();
    const run = await apprise('-vv', '-t', 'Backup', '-b', 'finished: 3 volumes', `json://127.0.0.1:${r.port}/t/${r.token}/notify`);
    expect(run.code, run.output).toBe(0);
    await r.relay.notifier.flush();
    expect(r.lines).toEqual(['[herald] Backup\n         finished: 3 volumes\n']);
  });

  it('sends -n failure to the error route', async () => {
    const r = await start();
    const run = await apprise('-n', 'failure', '-t', 'Backup', '-b', 'disk full', `json://127.0.0.1:${r.port}/t/${r.token}/notify`);
    expect(run.code, run.output).toBe(0);
    await r.relay.notifier.flush();
    expect(r.lines).toEqual(['[herald:error] Backup\n               disk full\n']);
  });

  it('is refused with a wrong token, and nothing is notified', async () => {
    const r = await start();
    const run = await apprise('-vv', '-b', 'should not arrive', `json://127.0.0.1:${r.port}/t/wrong-token-0123456789abc/notify`);
    expect(run.code).not.toBe(0);
    expect(run.output).toMatch(/401/);
    await r.relay.notifier.flush();
    expect(r.lines).toEqual([]);
  });
});
