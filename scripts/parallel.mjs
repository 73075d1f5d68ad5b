#!/usr/bin/env node
/**
 * Runs commands at once and fails if any fails: in `npm test`, the build and the tests share the
 * two cores with the (type-aware, slowest) lint, the format check and the type check instead of
 * taking turns. The first command's output streams as it comes (the test run's progress); the others'
 * is printed whole when they end, so the outputs do not interleave line by line.
 */
import { spawn } from 'node:child_process';

const commands = process.argv.slice(2);
const results = await Promise.all(
  commands.map(
    (command, i) =>
      new Promise((resolve) => {
        const live = i === 0;
        const child = spawn(command, {
          shell: true,
          stdio: ['ignore', live ? 'inherit' : 'pipe', live ? 'inherit' : 'pipe'],
          env: { ...process.env, FORCE_COLOR: process.env.FORCE_COLOR ?? '1' },
        });
        const out = [];
        child.stdout?.on('data', (d) => out.push(d));
        child.stderr?.on('data', (d) => out.push(d));
        child.on('close', (code) => {
          if (!live) process.stdout.write(`\n> ${command}\n${Buffer.concat(out).toString()}`);
          resolve(code ?? 1);
        });
      }),
  ),
);
const failed = commands.filter((_, i) => results[i] !== 0);
if (failed.length) {
  process.stderr.write(`failed: ${failed.join(', ')}\n`);
  process.exit(1);
}
