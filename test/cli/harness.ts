/**
 * Runs the built `herald` CLI (`node dist/cli/main.js`) as a subprocess, the way a user runs
 * it: a temporary working directory, an environment of PATH/HOME/NO_COLOR plus what the test
 * sets, and output collected as it streams. Every run is checked for leaked secrets (cut-off
 * pieces of them included).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { FakePlatformServer } from '../../src/sandbox/fake-platforms.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The built CLI; `npm test` builds before running vitest. */
export const MAIN = join(ROOT, 'dist/cli/main.js');

/** A well-formed fake bot token (never a real one). */
export const TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0';
/** What redaction must hide: the token past `123456789:AA`. */
export const TOKEN_SECRET = TOKEN.slice(TOKEN.indexOf(':') + 3);
/** A second bot, for --token runs. */
export const OTHER_TOKEN = '987654321:BBxyzTcvCH1vGWJxfSeofSAs0K5PALDzz9';
export const OTHER_SECRET = OTHER_TOKEN.slice(OTHER_TOKEN.indexOf(':') + 3);
/** Webhook secrets used with the fake server's URLs. */
export const DISCORD_TOKEN = 'discordWebhookSecret0123456789';
export const DISCORD_SECRET = DISCORD_TOKEN.slice(2);
export const SLACK_PATH = 'T0AAAA/B0BBBB/slackSecretXyz0123456';
export const SLACK_SECRET = 'ackSecretXyz0123456';

/** Bot tokens of the real shapes (never real). */
export const SLACK_BOT = 'xoxb-1111111111-2222222222222-AbCdEfGhIjKlMnOpQrStUvWx';
export const DISCORD_BOT = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd';

const SECRETS = [TOKEN_SECRET, OTHER_SECRET, DISCORD_SECRET, SLACK_SECRET, SLACK_BOT.slice(7), DISCORD_BOT.slice(2)];

/** A finished run. */
export interface CliRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A running CLI. */
export interface CliProcess {
  readonly child: ChildProcess;
  /** Output so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `re` in stdout (or stderr with `stream: 'stderr'`). */
  waitFor(re: RegExp, stream?: 'stdout' | 'stderr', timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves when the process exits (secrets already checked). */
  readonly done: Promise<CliRun>;
}

/** Options of a run. */
export interface CliOptions {
  readonly cwd: string;
  /** Added to PATH, HOME (= cwd) and NO_COLOR=1. */
  readonly env?: Record<string, string>;
  /** Written to stdin, then closed. Without it stdin is closed at once (an empty pipe). */
  readonly input?: string;
  /** Kill after this long (default 15 s) so a hang fails the test instead of the suite. */
  readonly killAfterMs?: number;
}

/** Shortest piece of a secret that counts as a leak: a cut-off token is still a leak. */
export const MIN_LEAK = 8;

/**
 * Every {@link MIN_LEAK}-character substring of `secret`: any longer leaked piece contains one,
 * so checking these finds a secret even when an output cut it short. Pieces made of digits
 * only are left out: bot and chat ids are digits too (`123456789`, `-1001234567890`), so such a
 * piece in the output is no sign of a leak.
 */
export function secretFragments(secret: string, min = MIN_LEAK): string[] {
  if (secret.length <= min) return [secret];
  const out: string[] = [];
  for (let i = 0; i + min <= secret.length; i++) {
    const piece = secret.slice(i, i + min);
    if (!/^\d+$/.test(piece)) out.push(piece);
  }
  return out;
}

/** The first piece of a known secret (any {@link MIN_LEAK}+ characters of its secret part) in `text`. */
export function findLeak(text: string, secrets: readonly string[] = SECRETS): string | undefined {
  for (const s of secrets) for (const piece of secretFragments(s)) if (text.includes(piece)) return piece;
  return undefined;
}

/** Fails the test when any known secret, or any {@link MIN_LEAK}+ character piece of one, appears in a run's output. */
export function expectNoSecrets(run: Pick<CliRun, 'stdout' | 'stderr'>): void {
  expect(findLeak(run.stdout), 'secret leaked on stdout').toBeUndefined();
  expect(findLeak(run.stderr), 'secret leaked on stderr').toBeUndefined();
}

const live = new Set<ChildProcess>();

/** Kills every CLI still running (call in afterEach: a failed assertion must not leave a poller behind). */
export async function stopAll(): Promise<void> {
  const waits = [...live].map(
    (c) =>
      new Promise<void>((r) => {
        c.once('close', () => r());
        c.kill('SIGKILL');
      }),
  );
  await Promise.all(waits);
}

/** Starts `herald ...args`. */
export function startCli(args: readonly string[], options: CliOptions): CliProcess {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first`);
  const child = spawn(process.execPath, [MAIN, ...args], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', HOME: options.cwd, NO_COLOR: '1', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  live.add(child);
  let out = '';
  let err = '';
  const waiters: Array<() => void> = [];
  const notify = (): void => {
    for (const w of [...waiters]) w();
  };
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    notify();
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    err += d;
    notify();
  });
  child.stdin!.on('error', () => {}); // the CLI may exit before reading stdin
  child.stdin!.end(options.input ?? '');
  const killer = setTimeout(() => child.kill('SIGKILL'), options.killAfterMs ?? 15_000);
  const done = new Promise<CliRun>((resolveRun) => {
    child.on('close', (code, signal) => {
      live.delete(child);
      clearTimeout(killer);
      notify();
      resolveRun({ code, signal, stdout: out, stderr: err });
    });
  }).then((run) => {
    // Checked on every run, errors included: no command may print a secret.
    expectNoSecrets(run);
    return run;
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    done,
    waitFor(re, stream = 'stdout', timeoutMs = 10_000) {
      return new Promise((resolveMatch, reject) => {
        let finished = false;
        const check = (): void => {
          if (finished) return;
          const m = (stream === 'stdout' ? out : err).match(re);
          if (m) {
            finished = true;
            clearTimeout(timer);
            waiters.splice(waiters.indexOf(check), 1);
            resolveMatch(m);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            finished = true;
            clearTimeout(timer);
            waiters.splice(waiters.indexOf(check), 1);
            reject(new Error(`exited before ${re} appeared.\nstdout: ${out}\nstderr: ${err}`));
          }
        };
        const timer = setTimeout(() => {
          finished = true;
          waiters.splice(waiters.indexOf(check), 1);
          reject(new Error(`${re} did not appear within ${timeoutMs} ms.\nstdout: ${out}\nstderr: ${err}`));
        }, timeoutMs);
        waiters.push(check);
        check();
      });
    },
  };
}

/** Runs `herald ...args` to completion. */
export function runCli(args: readonly string[], options: CliOptions): Promise<CliRun> {
  return startCli(args, options).done;
}

/** Parses a run's stdout as the one JSON document `--json` promises. */
export function json<T = any>(run: CliRun): T {
  try {
    return JSON.parse(run.stdout) as T;
  } catch {
    throw new Error(`stdout is not one JSON document:\n${run.stdout}\nstderr: ${run.stderr}`);
  }
}

/** A fresh temporary directory (the CLI's working directory and HOME). */
export function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'herald-cli-'));
}

/** Removes a temporary directory. */
export function removeDir(dir: string): Promise<void> {
  return rm(dir, { recursive: true, force: true });
}

/** What {@link useCliFixture} provides to each test. */
export interface CliFixture {
  /** The fake platforms, started once for the file and reset before each test. */
  readonly server: FakePlatformServer;
  /** A fresh temporary working directory (and HOME) for each test, removed after it. */
  readonly cwd: string;
}

/**
 * Registers the hooks every subprocess test file needs: one {@link FakePlatformServer} for the
 * file (reset before each test, closed at the end) and a temporary directory per test. After
 * each test, CLIs still running are killed ({@link stopAll}) before the directory is removed.
 * Call it at the top level of a test file; read `server` and `cwd` inside tests and helpers.
 */
export function useCliFixture(): CliFixture {
  let server: FakePlatformServer | undefined;
  let cwd: string | undefined;
  beforeAll(async () => {
    server = await FakePlatformServer.start();
  });
  afterAll(() => server?.close());
  beforeEach(async () => {
    server!.reset();
    cwd = await tempDir();
  });
  afterEach(async () => {
    await stopAll();
    await removeDir(cwd!);
  });
  return {
    get server() {
      if (!server) throw new Error('useCliFixture: the fake server is not started yet (read it inside a test)');
      return server;
    },
    get cwd() {
      if (cwd === undefined) throw new Error('useCliFixture: no working directory yet (read it inside a test)');
      return cwd;
    },
  };
}

/** Names of the files in `dir` (to check no temporary file was left behind). */
export function filesIn(dir: string): Promise<string[]> {
  return readdir(dir).then((names) => names.sort());
}

/** A TCP port on 127.0.0.1 with nothing listening (connections are refused). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  await new Promise<void>((r) => server.close(() => r()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** True when a text contains what looks like a JavaScript stack trace. */
export function hasStack(text: string): boolean {
  return /\n\s+at .+:\d+:\d+/.test(text);
}
