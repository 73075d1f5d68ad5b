/** The shape every `herald` subcommand has, so the dispatcher and tests treat them alike. */

/** Exit codes: 0 success, 1 something is wrong, 2 bad usage. */
export const EXIT_OK = 0;
export const EXIT_PROBLEM = 1;
export const EXIT_USAGE = 2;

/** What a command gets to run: its own arguments and the process's streams, injectable for tests. */
export interface CommandContext {
  /** Arguments after the command name. */
  readonly argv: readonly string[];
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  /** The process environment (not yet merged with .env: commands load .env themselves, honouring --env-file). */
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** Aborted on Ctrl-C / SIGTERM: commands stop waiting and exit cleanly, writing nothing half-way. */
  readonly signal: AbortSignal;
}

/** A `herald` subcommand. */
export interface Command {
  readonly name: string;
  /** One line for `herald --help`. */
  readonly summary: string;
  /** Full text for `herald <command> --help`. */
  readonly help: string;
  /** Runs and returns the exit code. Must not throw for expected problems (print them, return 1 or 2). */
  run(ctx: CommandContext): Promise<number>;
}

/** Thrown for bad usage; the dispatcher prints it with the command's help hint and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
