/**
 * The embedded default: with no destination configured, notifications are printed to stdout,
 * one readable block each, clearly marked as Herald's console output.
 */
import type { Channel, OutgoingPart, SendOutcome } from './channel.js';
import { utf16Length } from './split.js';

/** Where console lines go; stdout by default. */
export type LineWriter = (text: string) => void;

/** Prefix of every console notification line. */
export const CONSOLE_PREFIX = '[herald]';

/** Formats one notification for the terminal: `[herald]` (`[herald:error]`, `[herald:silent]`), continuation lines indented. */
export function formatConsoleLine(part: OutgoingPart): string {
  const head = `${CONSOLE_PREFIX.slice(0, -1)}${part.level === 'error' ? ':error' : ''}${part.silent ? ':silent' : ''}]`;
  const [first, ...rest] = part.text.split('\n');
  return [`${head} ${first}`, ...rest.map((l) => `${' '.repeat(head.length)} ${l}`)].join('\n') + '\n';
}

/** Creates the console channel. */
export function createConsoleChannel(write: LineWriter = (t) => void process.stdout.write(t)): Channel {
  return {
    id: 'console',
    label: 'console (no destination configured)',
    platform: 'console',
    maxLength: Number.MAX_SAFE_INTEGER,
    coalesce: false,
    // Printed by the process that logged it, not by whichever process of a fleet delivers.
    processLocal: true,
    secrets: [],
    measure: utf16Length,
    buckets: () => [],
    async send(part: OutgoingPart): Promise<SendOutcome> {
      try {
        write(formatConsoleLine(part));
        return { kind: 'ok' };
      } catch (err) {
        return { kind: 'transient', reason: `could not write to the console: ${(err as Error).message}` };
      }
    },
  };
}
