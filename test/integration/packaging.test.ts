/**
 * ccxt and ioredis stay optional: Herald installed without them works, `herald/ccxt` and
 * `herald/redis` (and HERALD_REDIS_URL) say which package to install, and with the package
 * present the subpath loads. Herald is laid out as npm would install it (its package.json and
 * dist/ in node_modules/herald, its three dependencies beside it).
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireCcxt } from '../../src/ccxt/require-ccxt.js';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  exports: Record<string, unknown>;
};

/** Newest modification time of the files under a directory. */
function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

let app: string;
beforeAll(async () => {
  app = mkdtempSync(join(tmpdir(), 'herald-install-'));
  const herald = join(app, 'node_modules', 'herald');
  mkdirSync(herald, { recursive: true });
  cpSync(join(root, 'package.json'), join(herald, 'package.json'));
  // npm test builds dist first; a stale or missing one (vitest run alone) is built here.
  const built = join(root, 'dist', 'ccxt', 'index.js');
  if (existsSync(built) && statSync(built).mtimeMs >= newest(join(root, 'src'))) cpSync(join(root, 'dist'), join(herald, 'dist'), { recursive: true });
  else
    await run(process.execPath, [
      join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
      '-p',
      join(root, 'tsconfig.build.json'),
      '--outDir',
      join(herald, 'dist'),
    ]);
  for (const dep of Object.keys(pkg.dependencies)) symlinkSync(join(root, 'node_modules', dep), join(app, 'node_modules', dep), 'dir');
  writeFileSync(join(app, 'package.json'), '{ "type": "module" }');
}, 60_000);
afterAll(() => rmSync(app, { recursive: true, force: true }));

/** Runs an ES module in the app and returns what it printed. */
async function inApp(code: string): Promise<string> {
  const file = join(app, `probe-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(file, code);
  const { stdout } = await run(process.execPath, [file], { cwd: app });
  return stdout.trim();
}

describe('herald without ccxt', () => {
  it('the package asks for its three dependencies only; ccxt and ioredis are optional peers', () => {
    expect(Object.keys(pkg.dependencies).sort()).toEqual(['dotenv', 'eventemitter3', 'undici']);
    for (const peer of ['ccxt', 'ioredis']) {
      expect(pkg.peerDependencies).toHaveProperty(peer);
      expect(pkg.peerDependenciesMeta?.[peer]?.optional).toBe(true);
    }
    expect(pkg.exports).toHaveProperty('./ccxt');
    expect(pkg.exports).toHaveProperty('./redis');
  });

  it('herald itself loads without ccxt', async () => {
    expect(await inApp("const m = await import('herald'); console.log(typeof m.createNotifier, typeof m.heraldPlugin);")).toBe('function function');
  });

  it('herald/ccxt says which package to install', async () => {
    const out = await inApp("try { await import('herald/ccxt'); console.log('loaded'); } catch (e) { console.log(e.message); }");
    expect(out).toBe('herald/ccxt needs the ccxt package, which is not installed. Install it next to herald: npm install ccxt');
  });

  it('herald/redis says which package to install', async () => {
    const out = await inApp("try { await import('herald/redis'); console.log('loaded'); } catch (e) { console.log(e.message); }");
    expect(out).toBe('herald/redis needs the ioredis package, which is not installed. Install it next to herald: npm install ioredis');
  });

  it('HERALD_REDIS_URL without ioredis: one line with the fix, and notifications still go out (this process alone)', async () => {
    const code = [
      "const { createNotifier } = await import('herald');",
      "const n = createNotifier({ env: { HERALD_REDIS_URL: 'redis://:s3cret@127.0.0.1:6399/0' }, drainOnExit: false });",
      "n.log('still delivered');",
      'await n.close(2000);',
    ].join('\n');
    const file = join(app, 'probe-redis.mjs');
    writeFileSync(file, code);
    const { stdout, stderr } = await run(process.execPath, [file], { cwd: app });
    expect(stdout).toBe('[herald] still delivered\n');
    expect(stderr).toBe(
      "herald: cannot use Redis redis://127.0.0.1:6399/0: HERALD_REDIS_URL needs the ioredis package, which is not installed. Install it next to herald: npm install ioredis; limits and queues are this process's own\n",
    );
    expect(stderr).not.toContain('s3cret');
  });

  it('with ccxt installed, herald/ccxt gives withHerald', async () => {
    symlinkSync(join(root, 'node_modules', 'ccxt'), join(app, 'node_modules', 'ccxt'), 'dir');
    try {
      expect(await inApp("const m = await import('herald/ccxt'); console.log(typeof m.withHerald);")).toBe('function');
    } finally {
      rmSync(join(app, 'node_modules', 'ccxt'));
    }
  });
});

describe('requireCcxt', () => {
  it('passes other resolution failures through unchanged', () => {
    const odd = Object.assign(new Error('EACCES'), { code: 'EACCES' });
    expect(() =>
      requireCcxt(() => {
        throw odd;
      }),
    ).toThrow(odd);
    expect(() => requireCcxt(() => '/x/ccxt.cjs')).not.toThrow();
  });
});
