/** `HERALD_OUTBOX` and `HERALD_OUTBOX_FSYNC`: the durable outbox from the environment. */
import type { Env } from './env.js';
import type { ConfigProblem } from './problems.js';

/** The outbox the environment asks for. */
export interface OutboxSetting {
  readonly path: string;
  readonly fsync: 'always' | 'batch' | 'off';
}

const MODES = ['always', 'batch', 'off'] as const;

/** Reads the outbox variables; problems name the variable and the fix. */
export function readOutboxSetting(env: Env): { outbox?: OutboxSetting; problems: ConfigProblem[] } {
  const path = env.HERALD_OUTBOX?.trim();
  const fsyncRaw = env.HERALD_OUTBOX_FSYNC?.trim().toLowerCase();
  const problems: ConfigProblem[] = [];
  if (fsyncRaw && !(MODES as readonly string[]).includes(fsyncRaw)) {
    problems.push({
      variable: 'HERALD_OUTBOX_FSYNC',
      message: `"${env.HERALD_OUTBOX_FSYNC!.trim()}" is not a setting`,
      fix: 'use batch (the default: forced to disk within 100 ms), always (after every notification) or off (when the OS decides)',
    });
  }
  if (!path) {
    if (fsyncRaw)
      problems.push({
        variable: 'HERALD_OUTBOX_FSYNC',
        message: 'HERALD_OUTBOX_FSYNC is set but HERALD_OUTBOX is not',
        fix: 'set HERALD_OUTBOX to the file that keeps notifications until they are delivered (e.g. .herald/outbox)',
      });
    return { problems };
  }
  if (path.endsWith('/') || path.endsWith('\\'))
    problems.push({ variable: 'HERALD_OUTBOX', message: `"${path}" is a directory`, fix: 'name a file, e.g. .herald/outbox (its lock goes beside it)' });
  const fsync = (MODES as readonly string[]).includes(fsyncRaw ?? '') ? (fsyncRaw as OutboxSetting['fsync']) : 'batch';
  return problems.length ? { problems } : { outbox: { path, fsync }, problems };
}
