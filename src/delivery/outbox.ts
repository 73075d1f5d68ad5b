/**
 * The durable outbox's public face: open one under a notifier (`createNotifier({ outbox })` or
 * `HERALD_OUTBOX`), or count what one holds without opening it (`herald run`, after its child
 * died).
 */
export { FileOutbox, OUTBOX_DEFAULT_MAX_BYTES, type FsyncMode, type OutboxLoad, type OutboxOptions, type DestinationReplay } from './outbox/file-outbox.js';
export { OutboxInUseError } from './outbox/lock.js';
import { countPending } from './outbox/file-outbox.js';

/** Notifications an outbox holds that are not yet done everywhere (0 when the file does not exist). Read-only; takes no lock. */
export function countUndelivered(path: string): number {
  return countPending(path);
}
