/**
 * Terminal output for the `herald` subcommands: every line is redacted before it is written,
 * colour only on a stream that is a terminal and with `NO_COLOR` unset or empty (decided for
 * stdout and stderr separately), a spinner on stderr only when stderr is a terminal, and in
 * `--json` mode nothing on stdout but the one JSON document.
 */
import type { CommandContext } from './command.js';
import { redact } from '../config/redact.js';

/** Exit code after Ctrl-C / SIGTERM, as shells report a SIGINT death (128 + 2). */
export const EXIT_INTERRUPTED = 130;

/** ANSI styling functions; identity functions when colour is off. */
export interface Colors {
  readonly enabled: boolean;
  green(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

type Stream = NodeJS.WritableStream & { isTTY?: boolean };

function isTty(stream: NodeJS.WritableStream): boolean {
  return (stream as Stream).isTTY === true;
}

/**
 * True when colour may be used on `stream`: it is a terminal, `NO_COLOR` is unset or empty
 * (no-color.org: any other value, "0" and "false" included, disables it), and TERM is not
 * `dumb`. Decide for each stream written to: stdout may be a terminal while stderr is a file.
 */
export function colorEnabled(env: NodeJS.ProcessEnv, stream: NodeJS.WritableStream): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  return isTty(stream);
}

// C0 controls but tab and newline, DEL, and C1 controls (0x9b is a one-byte CSI on some terminals).
const CONTROL_RE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/**
 * Removes control characters from text that came from elsewhere (a message, a server's
 * answer) before it reaches a terminal, so it cannot move the cursor, retitle the window,
 * plant an OSC 8 link or clear the screen. Tab and newline stay.
 */
export function stripControl(text: string): string {
  return text.replace(CONTROL_RE, '');
}

/** Colour functions for the given setting. */
export function makeColors(enabled: boolean): Colors {
  const wrap =
    (open: number, close: number) =>
    (text: string): string =>
      enabled ? `\u001b[${open}m${text}\u001b[${close}m` : text;
  return { enabled, green: wrap(32, 39), red: wrap(31, 39), yellow: wrap(33, 39), dim: wrap(2, 22), bold: wrap(1, 22) };
}

/** A problem to show the user: what is wrong, and what to do about it. */
export interface Problem {
  readonly message: string;
  readonly fix?: string;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/**
 * The output of one command run. Create it with {@link createUi} once the command knows
 * whether `--json` was given; register secrets with {@link Ui.addSecret} as soon as they are read.
 */
export class Ui {
  /** Styling for human output on stdout (off in JSON mode, when stdout is no terminal, or with NO_COLOR). */
  readonly color: Colors;
  /** Styling for diagnostics on stderr, decided from stderr (off in JSON mode too). */
  readonly errColor: Colors;
  private readonly secrets = new Set<string>();
  private spinnerText: string | undefined;
  private spinnerTimer: ReturnType<typeof setInterval> | undefined;
  private frame = 0;

  constructor(
    private readonly ctx: Pick<CommandContext, 'stdout' | 'stderr' | 'env'>,
    /** True with `--json`: stdout carries only the final JSON document. */
    readonly json: boolean,
    /** True with `--verbose`. */
    readonly verbose: boolean,
  ) {
    this.color = makeColors(!json && colorEnabled(ctx.env, ctx.stdout));
    this.errColor = makeColors(!json && colorEnabled(ctx.env, ctx.stderr));
  }

  /** Masks `secret` in everything written from now on (tokens given on the command line or read from the environment). */
  addSecret(secret: string | undefined): void {
    if (secret && secret.length >= 6) this.secrets.add(secret);
  }

  /** Redacts known secrets and every secret-shaped substring. */
  redact(text: string): string {
    return redact(text, this.secrets);
  }

  /** A human line on stdout; dropped in JSON mode (the JSON document says the same). */
  say(line = ''): void {
    if (this.json) return;
    this.write(this.ctx.stdout, line);
  }

  /**
   * A line the user needs while the command runs (a link to open, what to do next): stdout
   * normally, stderr in JSON mode so stdout stays one parseable document.
   */
  info(line: string): void {
    this.write(this.json ? this.ctx.stderr : this.ctx.stdout, line);
  }

  /** A diagnostic line on stderr (warnings, errors), in both modes. */
  warn(line: string): void {
    this.write(this.ctx.stderr, line);
  }

  /** Prints a problem on stderr: the message, then the fix indented under it. */
  problem(prefix: string, p: Problem): void {
    this.warn(`${this.errColor.red(prefix)}${p.message}`);
    if (p.fix) this.warn(`  ${this.errColor.bold('fix:')} ${p.fix}`);
  }

  /** Writes the JSON document (redacted, pretty-printed, newline-terminated). Only in JSON mode. */
  emitJson(doc: unknown): void {
    if (!this.json) return;
    this.stopSpinner();
    this.ctx.stdout.write(`${this.redact(JSON.stringify(doc, null, 2))}\n`);
  }

  /**
   * Shows `text` with a spinner on stderr while waiting on the network. Only on a terminal:
   * piped stderr (CI logs, tests) would fill with carriage-return noise.
   */
  spin(text: string): void {
    if (!isTty(this.ctx.stderr)) return;
    this.spinnerText = this.redact(text);
    if (this.spinnerTimer) return;
    this.spinnerTimer = setInterval(() => this.drawSpinner(), 100);
    this.spinnerTimer.unref?.();
    this.drawSpinner();
  }

  /** Removes the spinner line. */
  stopSpinner(): void {
    if (!this.spinnerTimer) return;
    clearInterval(this.spinnerTimer);
    this.spinnerTimer = undefined;
    this.spinnerText = undefined;
    this.ctx.stderr.write('\r\u001b[K');
  }

  private drawSpinner(): void {
    if (this.spinnerText === undefined) return;
    this.frame = (this.frame + 1) % FRAMES.length;
    this.ctx.stderr.write(`\r\u001b[K${FRAMES[this.frame]} ${this.spinnerText}`);
  }

  private write(stream: NodeJS.WritableStream, line: string): void {
    // Clear a spinner first so the line does not land in the middle of it; it redraws on its next tick.
    if (this.spinnerTimer && isTty(stream)) this.ctx.stderr.write('\r\u001b[K');
    stream.write(`${this.redact(line)}\n`);
  }
}

/** Creates the output of one command run. */
export function createUi(ctx: Pick<CommandContext, 'stdout' | 'stderr' | 'env'>, options: { json?: boolean | undefined; verbose?: boolean | undefined }): Ui {
  return new Ui(ctx, options.json === true, options.verbose === true);
}

/** `1 chat` / `2 chats`. */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** The same key order in a JSON document whatever path built the object; undefined values left out. */
export function inKeyOrder<T extends object>(x: T, keys: readonly (keyof T)[]): T {
  return Object.fromEntries(keys.filter((k) => x[k] !== undefined).map((k) => [k, x[k]])) as T;
}
