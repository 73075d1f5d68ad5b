#!/usr/bin/env node
/** The `herald` executable. Ctrl-C / SIGTERM abort the running command, which then exits cleanly. */
import { runCli } from './run.js';

const controller = new AbortController();
const stop = (): void => {
  if (controller.signal.aborted) process.exit(130); // a second Ctrl-C: leave now
  controller.abort(new Error('interrupted'));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  cwd: process.cwd(),
  signal: controller.signal,
});
process.off('SIGINT', stop);
process.off('SIGTERM', stop);
// Commands decide: an interrupted wait is 130, but Ctrl-C is the sandbox's normal way to stop (0).
process.exitCode = code;
