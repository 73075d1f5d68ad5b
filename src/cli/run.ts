/** The `herald` dispatcher: global help, command lookup, usage errors (exit 2), unexpected errors (exit 1, no stack unless --verbose). */
import { type Command, type CommandContext, EXIT_PROBLEM, EXIT_USAGE, UsageError } from './command.js';
import { redact } from '../config/redact.js';
import { EnvFileError } from './load-env.js';
import { doctorCommand } from './commands/doctor.js';
import { testCommand } from './commands/test.js';
import { sendCommand } from './commands/send.js';
import { chatIdCommand } from './commands/chat-id.js';
import { linkCommand } from './commands/link.js';
import { sandboxCommand } from './commands/sandbox.js';
import { runCommand } from './commands/run.js';
import { relayCommand } from './commands/relay.js';

/** Every subcommand, in the order `herald --help` lists them. */
export const COMMANDS: readonly Command[] = [doctorCommand, testCommand, sendCommand, chatIdCommand, linkCommand, sandboxCommand, runCommand, relayCommand];

function globalHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'herald — set up and check trading-bot notifications (Telegram, Discord, Slack)',
    '',
    'Usage: herald <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run `herald <command> --help` for a command's options. Secrets are always redacted.",
    '',
  ].join('\n');
}

/** Runs `herald` with `argv` (without node and script). Returns the exit code. */
export async function runCli(argv: readonly string[], ctx: Omit<CommandContext, 'argv'>): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    ctx.stdout.write(globalHelp());
    return name === undefined ? EXIT_USAGE : 0;
  }
  if (name === '--version' || name === '-v') {
    ctx.stdout.write('herald 0.1.0\n');
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    ctx.stderr.write(`herald: unknown command "${redact(name)}". Run \`herald --help\` for the list.\n`);
    return EXIT_USAGE;
  }
  // What follows `--` belongs to another program (`herald run -- node bot.js --help`).
  const own = rest.includes('--') ? rest.slice(0, rest.indexOf('--')) : rest;
  if (own.includes('--help') || own.includes('-h')) {
    ctx.stdout.write(`${command.help.trimEnd()}\n`);
    return 0;
  }
  try {
    return await command.run({ ...ctx, argv: rest });
  } catch (err) {
    if (err instanceof UsageError) {
      ctx.stderr.write(`herald ${name}: ${redact(err.message)}\nRun \`herald ${name} --help\` for usage.\n`);
      return EXIT_USAGE;
    }
    if (err instanceof EnvFileError) {
      // Commands report this themselves (with their JSON document); this is the safety net.
      ctx.stderr.write(`herald ${name}: ${redact(err.problem.message)}\n${err.problem.fix ? `  fix: ${redact(err.problem.fix)}\n` : ''}`);
      return EXIT_PROBLEM;
    }
    const e = err as Error;
    ctx.stderr.write(`herald ${name}: ${redact(e?.message ?? String(err))}\n`);
    if (rest.includes('--verbose') && e?.stack) ctx.stderr.write(`${redact(e.stack)}\n`);
    return EXIT_PROBLEM;
  }
}
