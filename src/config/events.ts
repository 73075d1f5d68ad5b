/**
 * The host events Herald knows, and the variables that switch them without code:
 * `HERALD_EVENTS="order.submitted=on,order.filled=silent"` and `HERALD_FORMAT=plain`.
 */
import type { Env } from './env.js';
import type { ConfigProblem } from './problems.js';

/** Every host event kind Herald turns into a notification. */
export const EVENT_KINDS = [
  'session.started',
  'session.terminated',
  'order.submitted',
  'order.filled',
  'order.cancelled',
  'position.opened',
  'position.increased',
  'position.reduced',
  'position.closed',
  'exchange.reconnected',
  'error',
  'custom',
] as const;

/** A host event kind. */
export type EventKind = (typeof EVENT_KINDS)[number];

/** How an event is sent: `on`, `off`, or `silent` (no sound). */
export type EventSwitch = 'on' | 'off' | 'silent';

/** Rich cards (embeds, blocks, bold headlines) or plain text. */
export type MessageFormat = 'rich' | 'plain';

const SWITCHES: Readonly<Record<string, EventSwitch>> = { on: 'on', true: 'on', yes: 'on', off: 'off', false: 'off', no: 'off', silent: 'silent' };

/** What the environment says about events. */
export interface EventSettings {
  readonly events: Readonly<Partial<Record<EventKind, EventSwitch>>>;
  /** `plain` when `HERALD_FORMAT=plain`; otherwise undefined (each event's default). */
  readonly format?: MessageFormat;
  /** `HERALD_LIVE_MESSAGES`: order messages that update in place. */
  readonly liveMessages?: boolean;
  /** `HERALD_COMMANDS`: the GENERAL Telegram bot answers /status, /report, /mute, /unmute, /help. */
  readonly commands?: boolean;
}

const ON_OFF: Readonly<Record<string, boolean>> = { on: true, true: true, yes: true, 1: true, off: false, false: false, no: false, 0: false };

/** An on/off variable; a value that is neither is a problem. */
function readOnOff(env: Env, variable: string, what: string, problems: ConfigProblem[]): boolean | undefined {
  const raw = env[variable]?.trim();
  if (!raw) return undefined;
  const v = ON_OFF[raw.toLowerCase()];
  if (v === undefined) problems.push({ variable, message: `"${raw}" is neither on nor off`, fix: `write ${variable}=on to ${what}, or off` });
  return v;
}

/** Reads `HERALD_EVENTS` and `HERALD_FORMAT`, collecting every problem. */
export function readEventSettings(env: Env): { settings: EventSettings; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const events: Partial<Record<EventKind, EventSwitch>> = {};
  const raw = env.HERALD_EVENTS?.trim();
  if (raw) {
    for (const item of raw.split(/[,\s]+/).filter(Boolean)) {
      const eq = item.indexOf('=');
      const name = (eq < 0 ? item : item.slice(0, eq)).trim();
      const value =
        eq < 0
          ? ''
          : item
              .slice(eq + 1)
              .trim()
              .toLowerCase();
      if (!(EVENT_KINDS as readonly string[]).includes(name)) {
        problems.push({ variable: 'HERALD_EVENTS', message: `"${name}" is not an event Herald knows`, fix: `use one of ${EVENT_KINDS.join(', ')}` });
        continue;
      }
      const s = SWITCHES[value];
      if (!s) {
        problems.push({
          variable: 'HERALD_EVENTS',
          message: `"${item}" does not say on, off or silent`,
          fix: `write ${name}=on, ${name}=off or ${name}=silent, separated by commas`,
        });
        continue;
      }
      events[name as EventKind] = s;
    }
  }
  const f = env.HERALD_FORMAT?.trim().toLowerCase();
  let format: MessageFormat | undefined;
  if (f === 'plain' || f === 'rich') format = f;
  else if (f)
    problems.push({
      variable: 'HERALD_FORMAT',
      message: `"${env.HERALD_FORMAT!.trim()}" is not a format`,
      fix: 'use plain (text only everywhere) or rich (the default: cards for lifecycle events)',
    });
  const liveMessages = readOnOff(env, 'HERALD_LIVE_MESSAGES', 'update each order’s message in place', problems);
  const commands = readOnOff(env, 'HERALD_COMMANDS', 'let the GENERAL Telegram bot answer /status, /report, /mute and /unmute', problems);
  return {
    settings: {
      events,
      ...(format ? { format } : {}),
      ...(liveMessages !== undefined ? { liveMessages } : {}),
      ...(commands !== undefined ? { commands } : {}),
    },
    problems,
  };
}
