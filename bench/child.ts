/**
 * Parts that measure the process itself (hot-path timing, peak RSS) run in a child process,
 * so the burst part's servers, peers and garbage do not pollute them. The child prints one
 * `BENCH_JSON <json>` line; everything else it prints goes to the parent's stderr.
 */
import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const PREFIX = 'BENCH_JSON ';
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Prints the child's result for the parent. */
export function reply(result: unknown): void {
  process.stdout.write(`${PREFIX}${JSON.stringify(result)}\n`);
}

const PHASE = 'BENCH_PHASE ';

/** Tells the parent the child reached a phase (e.g. its measured loop is over). */
export function phase(name: string): void {
  process.stdout.write(`${PHASE}${name}\n`);
}

/**
 * Runs `node --import tsx bench/<script> ...args` and returns its JSON; kills it after
 * `timeoutMs`. `onPhase` hears the child's {@link phase} calls as they happen.
 */
export function runChild<T>(script: string, args: readonly string[], timeoutMs: number, onPhase?: (name: string) => void): Promise<T> {
  return new Promise<T>((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', resolve(ROOT, 'bench', script), ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8');
    let seen = 0;
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      const lines = out.split('\n');
      for (; seen < lines.length - 1; seen++) if (lines[seen]!.startsWith(PHASE)) onPhase?.(lines[seen]!.slice(PHASE.length));
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith(PREFIX));
      if (line) {
        resolvePromise(JSON.parse(line.slice(PREFIX.length)) as T);
        return;
      }
      const why = signal === 'SIGKILL' ? `killed after ${timeoutMs / 1000} s` : `exited with ${code ?? signal}`;
      reject(new Error(`bench/${script} ${why} without a result${out ? `; output: ${out.slice(-500)}` : ''}`));
    });
  });
}

/** `--name value` from argv. */
export function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
