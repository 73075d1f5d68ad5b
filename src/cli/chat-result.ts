/**
 * How the chat-finding commands (`herald chat-id`, `herald link`) end: with a problem (printed,
 * and in the JSON document), or with the chat they found, stored in the env file on `--write`.
 */
import { type CommandContext, EXIT_OK, EXIT_PROBLEM } from './command.js';
import { chatAssignments, writeAndReport } from './env-file.js';
import { EnvFileError, loadCliEnv, type CliEnv } from './load-env.js';
import { EXIT_INTERRUPTED, type Problem, type Ui } from './output.js';
import { connectBot, fallbackNote, type ConnectedBot } from './telegram-cli.js';

/** The fields of a chat command's `--json` document that ending the command fills in. */
export interface ChatResultDoc {
  ok: boolean;
  written: { file: string; variables: string[] } | null;
  error?: { message: string; fix?: string };
  interrupted?: boolean;
}

/** Ends a chat command with a problem; returns the exit code to use. */
export type ChatFailure = (ui: Ui, doc: ChatResultDoc, problem: Problem, interrupted: boolean) => number;

/**
 * The failure path of `herald <command>`: stops the spinner, records `problem` in `doc` (and
 * `interrupted` after Ctrl-C), emits the JSON document, prints the problem prefixed with
 * `herald <command>: ` and returns exit code 130 when interrupted, else 1.
 */
export function chatFailure(command: string): ChatFailure {
  return (ui, doc, problem, interrupted) => {
    ui.stopSpinner();
    doc.ok = false;
    doc.error = { message: problem.message, ...(problem.fix ? { fix: problem.fix } : {}) };
    if (interrupted) doc.interrupted = true;
    ui.emitJson(doc);
    ui.problem(`herald ${command}: `, problem);
    return interrupted ? EXIT_INTERRUPTED : EXIT_PROBLEM;
  };
}

/** What {@link finishChat} needs to store (or suggest storing) the chat a command found. */
export interface FoundChat {
  /** The chat id, exactly as Telegram sent it. */
  readonly chatId: string;
  /** `--write` was given: store the id (and a `--token` token, see {@link chatAssignments}). */
  readonly write: boolean | undefined;
  /** The variable to store the id in (`--var`). */
  readonly variable: string;
  /** The bot the id belongs to. */
  readonly bot: Pick<ConnectedBot, 'token' | 'tokenSource'>;
  /** The env file to write, and the environment already read from it. */
  readonly loaded: CliEnv;
  /** The command's Ctrl-C signal: once aborted, nothing is written. */
  readonly signal: AbortSignal;
}

/**
 * The success path of `herald <command>` once a chat is found: with `--write`, writes the id to
 * the env file and records it in `doc.written` (failing through `chatFailure(command)` when
 * interrupted or the file cannot be written); without it, prints the `Next: …` hint. Then marks
 * `doc` ok, emits it and returns exit code 0.
 */
export async function finishChat(command: string, ui: Ui, doc: ChatResultDoc, found: FoundChat): Promise<number> {
  const { chatId, variable, loaded } = found;
  if (found.write) {
    const fail = chatFailure(command);
    if (found.signal.aborted) return fail(ui, doc, { message: 'interrupted; nothing was written' }, true);
    const { assignments, warning } = chatAssignments(variable, chatId, found.bot, loaded.env);
    if (warning) ui.warn(`herald ${command}: ${warning}`);
    if (!(await writeAndReport(ui, loaded, assignments))) return fail(ui, doc, { message: `could not write ${loaded.shownFile}` }, false);
    doc.written = { file: loaded.shownFile, variables: assignments.map((a) => a.name) };
  } else {
    ui.say(`Next: \`herald ${command} --write\` stores it as ${variable} in ${loaded.shownFile}, or add ${variable}=${chatId} yourself.`);
  }
  doc.ok = true;
  ui.emitJson(doc);
  return EXIT_OK;
}

/** The env file read and the bot asked who it is: what both chat commands start with. */
export interface OpenedBot {
  readonly loaded: CliEnv;
  readonly connected: ConnectedBot;
}

/**
 * Loads the env file and connects to the bot that `variable` pairs with (or `--token`), warning
 * when it falls back to the GENERAL bot. Returns the exit code instead when either step fails.
 */
export async function openBot(
  command: string,
  ctx: CommandContext,
  options: { readonly envFile: string | undefined; readonly token: string | undefined; readonly variable: string },
  ui: Ui,
  doc: ChatResultDoc,
  fail: ChatFailure,
): Promise<OpenedBot | number> {
  let loaded: CliEnv;
  try {
    loaded = loadCliEnv(ctx, options.envFile, ui);
  } catch (err) {
    if (err instanceof EnvFileError) return fail(ui, doc, err.problem, false);
    throw err;
  }
  ui.spin('asking Telegram who the bot is…');
  const connected = await connectBot(loaded.env, options.token, ctx.signal, command, options.variable);
  ui.stopSpinner();
  if ('problem' in connected) return fail(ui, doc, connected.problem, connected.interrupted === true);
  if (connected.fellBackFrom) ui.warn(`herald ${command}: ${fallbackNote(connected.fellBackFrom, options.variable)}`);
  return { loaded, connected };
}
