/**
 * `herald relay` as a user runs it (the built CLI in a subprocess): the start-up line with the
 * token masked, a notification relayed to the fake platforms, Ctrl-C closing the server and
 * delivering what was accepted, the missing-token refusal with its fix, the warning for an
 * address other machines can reach, and usage errors.
 */
import { describe, expect, it } from 'vitest';
import { startCli, runCli, useCliFixture } from './harness.js';

const fx = useCliFixture();
const RELAY_TOKEN = 'cliRelayToken-0123456789abcdef';

describe('herald relay', () => {
  it('prints where it listens with the token masked, relays, and on Ctrl-C closes and delivers what it accepted', async () => {
    const cli = startCli(['relay', '--port', '0'], {
      cwd: fx.cwd,
      env: { HERALD_RELAY_TOKEN: RELAY_TOKEN, GENERAL_DISCORD_WEBHOOK: fx.server.discordWebhookUrl('1000000000000000021', 'cliRelayWebhookSecret0123') },
    });
    const [line, url] = await cli.waitFor(/^herald relay: listening on (http:\/\/127\.0\.0\.1:\d+) — .*$/m);
    expect(line).toContain('POST /notify[/TARGET], POST /freqtrade, POST /discord[/TARGET], POST /slack[/TARGET], POST /tradingview[/TARGET], GET /healthz');
    expect(line).toContain(`${url}/t/${RELAY_TOKEN.slice(0, 2)}…/<endpoint>`);
    const res = await fetch(`${url}/t/${RELAY_TOKEN}/slack`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"text": "via the CLI relay"}',
    });
    expect(res.status).toBe(200);
    cli.child.kill('SIGINT');
    const run = await cli.done;
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('herald relay: stopped.');
    expect(fx.server.messages.map((m) => m.text)).toEqual(['via the CLI relay']);
    expect(`${run.stdout}${run.stderr}`).not.toContain(RELAY_TOKEN.slice(2));
  });

  it('--json prints one line with the address; console notifications go to stderr', async () => {
    const cli = startCli(['relay', '--port', '0', '--json'], { cwd: fx.cwd, env: { HERALD_RELAY_TOKEN: RELAY_TOKEN } });
    const [doc] = await cli.waitFor(/^\{.*\}$/m);
    const parsed = JSON.parse(doc) as { url: string; host: string; port: number; endpoints: string[] };
    expect(parsed.host).toBe('127.0.0.1');
    expect(parsed.endpoints).toContain('POST /freqtrade');
    await fetch(`${parsed.url}/notify`, { method: 'POST', headers: { Authorization: `Bearer ${RELAY_TOKEN}` }, body: 'printed on stderr' });
    await cli.waitFor(/\[herald\] printed on stderr/, 'stderr');
    cli.child.kill('SIGINT');
    const run = await cli.done;
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('refuses to start without HERALD_RELAY_TOKEN, saying how to make one (exit 1)', async () => {
    const run = await runCli(['relay', '--port', '0'], { cwd: fx.cwd });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/herald relay: the configuration has 1 problem; the relay was not started:/);
    expect(run.stderr).toMatch(/HERALD_RELAY_TOKEN: is not set/);
    expect(run.stderr).toContain("fix: make one with `node -e \"console.log(require('node:crypto').randomBytes(24).toString('base64url'))\"`");
    expect(run.stdout).toBe('');
  });

  it('warns loudly when --host makes it reachable from other machines', async () => {
    const cli = startCli(['relay', '--port', '0', '--host', '0.0.0.0'], { cwd: fx.cwd, env: { HERALD_RELAY_TOKEN: RELAY_TOKEN } });
    await cli.waitFor(/REACHABLE FROM OTHER MACHINES/, 'stderr');
    cli.child.kill('SIGINT');
    expect((await cli.done).code).toBe(0);
  });

  it('says when the port is taken (exit 1)', async () => {
    const first = startCli(['relay', '--port', '0'], { cwd: fx.cwd, env: { HERALD_RELAY_TOKEN: RELAY_TOKEN } });
    const [, port] = await first.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
    const second = await runCli(['relay', '--port', port!], { cwd: fx.cwd, env: { HERALD_RELAY_TOKEN: RELAY_TOKEN } });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`port ${port!} on 127.0.0.1 is already in use`);
    first.child.kill('SIGINT');
    await first.done;
  });

  it.each([
    [['--port', '70000'], '--port must be a port number from 0 to 65535'],
    [['--rate', '0'], '--rate must be a whole number of requests a minute, at least 1'],
    [['--host', ''], '--host must be an address or host name'],
    [['extra'], 'unexpected argument "extra"'],
  ])('usage error for %j (exit 2)', async (args, message) => {
    const run = await runCli(['relay', ...args], { cwd: fx.cwd, env: { HERALD_RELAY_TOKEN: RELAY_TOKEN } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
  });

  it('--help documents the endpoints, options, exit codes and the JSON line', async () => {
    const run = await runCli(['relay', '--help'], { cwd: fx.cwd });
    expect(run.code).toBe(0);
    for (const part of ['herald relay — ', 'Usage:', 'POST /freqtrade', '--port', '--host', '--rate', '--env-file', 'Exit codes:', 'JSON (--json', 'Examples:'])
      expect(run.stdout).toContain(part);
    const list = await runCli(['--help'], { cwd: fx.cwd });
    expect(list.stdout).toMatch(/^ {2}relay +receive freqtrade/m);
  });
});
