/**
 * A channel whose answers a test scripts, for exercising the platform-agnostic delivery engine
 * without HTTP. (Drivers themselves are tested against msw and a real local server.)
 */
import type { CardSupport, Channel, FileSupport, OutgoingPart, RateBucket, SendOutcome } from '../../src/channels/channel.js';

/** A request the scripted channel received. */
export interface Received extends OutgoingPart {
  at: number;
}

/** Scripted channel: answers from `script` in order, then `ok`. */
export class ScriptedChannel implements Channel {
  readonly platform = 'Scripted';
  readonly secrets: string[] = [];
  readonly received: Received[] = [];
  /** Answers to give, first to last; a function is called with the part. */
  script: (SendOutcome | ((p: OutgoingPart) => SendOutcome | Promise<SendOutcome>))[] = [];
  delivered: Received[] = [];
  /** Set to take cards (the delivery layer then packs them with it). */
  cards: CardSupport | undefined;
  /** Set to share a credential with other scripted channels. */
  group: string | undefined;
  /** Set to take files. */
  files: FileSupport | undefined;
  /** Set to edit: every new message delivered answers a ref `m1`, `m2`…; edits answer without one. */
  edits: boolean | undefined;
  private sent = 0;

  constructor(
    readonly id = 'scripted',
    readonly maxLength = 100,
    private readonly bucketList: RateBucket[] = [],
    readonly coalesce = true,
  ) {}

  get label(): string {
    return `scripted ${this.id}`;
  }

  measure = (t: string): number => t.length;
  buckets = (): RateBucket[] => this.bucketList;

  async send(part: OutgoingPart, signal: AbortSignal): Promise<SendOutcome> {
    const r: Received = { ...part, at: Date.now() };
    this.received.push(r);
    const next = this.script.shift();
    const outcome = next === undefined ? { kind: 'ok' as const } : typeof next === 'function' ? await next(part) : next;
    if (signal.aborted) return { kind: 'transient', reason: 'aborted' };
    if (outcome.kind !== 'ok') return outcome;
    this.delivered.push(r);
    if (this.edits && part.edit === undefined && outcome.ref === undefined) return { ...outcome, ref: `m${++this.sent}` };
    return outcome;
  }

  /** Texts delivered, split back into the notifications (coalesced ones joined by newlines). */
  lines(): string[] {
    return this.delivered.flatMap((r) => r.text.split('\n'));
  }
}
