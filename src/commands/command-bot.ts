/**
 * Herald's command bot: long-polls `getUpdates` for one Telegram bot and answers /status,
 * /report, /mute, /unmute and /help in the configured chats, with texts from the host's handlers.
 *
 * - It has its own HTTP client (its own undici Agent), so a 25-second long poll never holds a
 *   connection the notifications need.
 * - Updates are confirmed (the next poll's `offset`) as soon as they are read, before they are
 *   answered: a restart never answers a command twice (at most it misses one it was answering).
 *   Commands sent more than {@link MAX_COMMAND_AGE_MS} before this process started polling (at
 *   start, or on taking the fleet's lease) are not answered: a restart must not replay
 *   yesterday's /mute. Commands sent while it polls are answered, late if Telegram was away.
 * - It never fights another consumer of the bot: a webhook (409) or another poller (409
 *   "terminated by other getUpdates request") is said once, with the fix, and tried again every
 *   few minutes; with a {@link PollLease} only the fleet's holder polls. A refused token is said
 *   once and ends polling. Network errors and 5xx back off from 1 s to 60 s, said once after a
 *   minute and once when Telegram answers again; a 429's retry_after is obeyed.
 * - Only the configured chats get answers; anyone else gets none, and the attempt is said once
 *   per chat (stderr and `alert`).
 */
import type { LineWriter } from '../channels/console.js';
import { codePoints, splitText } from '../channels/split.js';
import { TELEGRAM_DEFAULT_BASE, TELEGRAM_MAX_LENGTH } from '../channels/telegram.js';
import {
  MAX_POLL_SECONDS,
  nextOffset,
  telegramConflict,
  TelegramApi,
  TelegramUnreachableError,
  type TelegramFailure,
  type TelegramUpdate,
} from '../channels/telegram-api.js';
import { redact } from '../config/redact.js';
import { backoffDelay } from '../delivery/backoff.js';
import { allowedChatSet, fromAllowedChat, incomingMessage, type IncomingMessage } from './command-message.js';
import {
  backReport,
  CONFLICT_RETRY_MINUTES,
  conflictOverReport,
  downReport,
  handlerFailedText,
  HELP_TEXT,
  POLLER_ALERT,
  pollerReport,
  skippedReport,
  strangerAlert,
  strangerReport,
  tokenAlert,
  tokenReport,
  unknownCommandText,
  WEBHOOK_ALERT,
  webhookReport,
} from './command-texts.js';
import { isForBot, parseCommand, readMuteDuration, type ParsedCommand } from './parse-command.js';

/** What the host answers with. Each may throw: the chat then hears that the command failed. */
export interface CommandHandlers {
  /** The answer to /status (open positions, today's PnL, Herald's backlog and last error). */
  status(): string | Promise<string>;
  /** Sends the report now, through the host's own notifications (no separate answer). */
  report(): void | Promise<void>;
  /** Mutes info notifications for `ms` (errors always go out); returns the answer. */
  mute(ms: number): string;
  /** Ends a mute; returns the answer. */
  unmute(): string;
}

/**
 * The right to poll one bot, shared by a fleet (src/fleet/command-lease.ts keeps it in Redis):
 * only the process holding it polls, the others wait and take over when the holder is gone.
 */
export interface PollLease {
  /** How often {@link hold} is called: well within the lease's lifetime. */
  readonly renewMs: number;
  /** Takes the lease when free, or renews this process's; false when another holds it (or the store does not answer). */
  hold(): Promise<boolean>;
  /** Gives the lease up if this process holds it, so another takes over at once. */
  release(): Promise<void>;
}

/** Options of {@link startCommandBot}. */
export interface CommandBotOptions {
  /** The bot's token (the GENERAL bot's). */
  readonly token: string;
  /** Bot API root; default https://api.telegram.org (validated by the caller, like TELEGRAM_API_BASE_URL). */
  readonly baseUrl?: string;
  /** The chats that may command the bot: ids as strings, exactly as Telegram writes them, or `@channelusername`. */
  readonly allowedChats: readonly string[];
  readonly handlers: CommandHandlers;
  /** Herald's one-line diagnostics (stderr); each line ends with a newline. */
  readonly report: LineWriter;
  /** What the user must see in their chat (a stranger's attempt, a webhook in the way). */
  readonly alert: (text: string) => void;
  /** With a fleet: poll only while holding this lease. */
  readonly lease?: PollLease;
  /** The variable that holds the token, named in fixes; default GENERAL_TELEGRAM_BOT_TOKEN. */
  readonly tokenVariable?: string;
}

/** A running command bot. */
export interface CommandBot {
  /** Ends the long poll at once, gives up the lease, and closes the bot's HTTP client. */
  stop(): Promise<void>;
}

/** Commands sent this long before this process started polling are not answered (they were meant for an earlier run). */
export const MAX_COMMAND_AGE_MS = 60_000;
/** Telegram unanswered this long is said (once). */
const DOWN_REPORT_AFTER_MS = 60_000;
/** A bot another consumer uses is tried again this often. */
const CONFLICT_RETRY_MS = CONFLICT_RETRY_MINUTES * 60_000;
/** How long stop() waits for an answer being made (a slow status handler) before closing. */
const STOP_GRACE_MS = 1000;
/** Longest wait on a 429 before answering anyway fails. */
const MAX_SEND_WAIT_MS = 60_000;
/** Longest one timer can wait (setTimeout fires a longer delay at once). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Starts polling; see the module comment for what it does and says. */
export function startCommandBot(options: CommandBotOptions): CommandBot {
  const bot = new CommandBotRun(options);
  bot.start();
  return { stop: () => bot.stop() };
}

type Conflict = 'webhook' | 'poller';

class CommandBotRun {
  private readonly api: TelegramApi;
  private readonly allowed: ReadonlySet<string>;
  private readonly tokenVariable: string;
  private readonly stopping = new AbortController();
  /** The long poll in flight, aborted by stop() and by losing the lease. */
  private poll: AbortController | undefined;
  private loop: Promise<void> = Promise.resolve();
  /** Answers are made one after another, beside the polling. */
  private answering: Promise<void> = Promise.resolve();
  private stopped: Promise<void> | undefined;
  /** Sleepers: woken by stop(), and (those waiting for it) by taking the lease. */
  private readonly sleepers = new Set<{ wake: () => void; lease: boolean }>();
  private username: string | undefined;
  private offset: number | undefined;
  /** When this process started polling (at start, or on taking the lease); undefined until its first poll. */
  private pollingSince: number | undefined;
  private down: { since: number; attempts: number; told: boolean } | undefined;
  private conflict: Conflict | undefined;
  /** Conflicts said this run, and their ends: each once, even when two pollers keep taking turns. */
  private readonly toldConflicts = new Set<Conflict>();
  private readonly toldOver = new Set<Conflict>();
  private readonly strangers = new Set<string>();
  private holding = false;
  private leaseTimer: ReturnType<typeof setInterval> | undefined;
  private leaseTick: Promise<void> | undefined;

  constructor(private readonly o: CommandBotOptions) {
    // Its own client (created by TelegramApi when given none): long polls never occupy the delivery pool.
    this.api = new TelegramApi({ baseUrl: o.baseUrl ?? TELEGRAM_DEFAULT_BASE, token: o.token });
    this.allowed = allowedChatSet(o.allowedChats);
    this.tokenVariable = o.tokenVariable ?? 'GENERAL_TELEGRAM_BOT_TOKEN';
  }

  private get isStopped(): boolean {
    return this.stopping.signal.aborted;
  }

  start(): void {
    this.watchLease();
    this.loop = this.run().catch((err: unknown) => this.say(`herald: commands stopped on an unexpected error: ${this.reason(err)}\n`));
  }

  stop(): Promise<void> {
    this.stopped ??= this.shutdown();
    return this.stopped;
  }

  private async shutdown(): Promise<void> {
    this.stopping.abort();
    this.poll?.abort();
    clearInterval(this.leaseTimer);
    for (const s of this.sleepers) s.wake();
    await this.loop;
    // A slow handler must not hold up the host's exit: its answer is dropped with the client.
    await Promise.race([this.answering, delay(STOP_GRACE_MS)]);
    if (this.o.lease) {
      await this.leaseTick;
      await this.o.lease.release().catch(() => {});
    }
    await this.api.close();
  }

  private async run(): Promise<void> {
    if (!(await this.identify())) return;
    while (!this.isStopped) {
      if (this.o.lease && !this.holding) {
        await this.sleep(this.o.lease.renewMs, true);
        continue;
      }
      if ((await this.pollOnce()) === 'end') return;
    }
  }

  /** getMe, once: the bot's username tells commands for it from commands for other bots. */
  private async identify(): Promise<boolean> {
    while (!this.isStopped) {
      let me;
      try {
        me = await this.api.getMe(this.stopping.signal);
      } catch (err) {
        if (this.isStopped) return false;
        await this.trouble(this.reason(err));
        continue;
      }
      if (me.ok) {
        this.recovered();
        this.username = typeof me.result.username === 'string' ? me.result.username : undefined;
        return true;
      }
      if (this.refused(me)) return false;
      if (me.status === 429) await this.sleep((me.retryAfter ?? 1) * 1000);
      else await this.trouble(`${me.status} ${me.description}`);
    }
    return false;
  }

  /** One getUpdates; 'end' when polling must stop for this run (the token was refused). */
  private async pollOnce(): Promise<'end' | undefined> {
    const poll = new AbortController();
    this.poll = poll;
    const since = (this.pollingSince ??= Date.now());
    let answer;
    try {
      answer = await this.api.getUpdates({ ...(this.offset !== undefined ? { offset: this.offset } : {}), timeout: MAX_POLL_SECONDS }, poll.signal);
    } catch (err) {
      if (!poll.signal.aborted) await this.trouble(this.reason(err));
      return undefined;
    } finally {
      this.poll = undefined;
    }
    if (!answer.ok) {
      const conflict = telegramConflict(answer);
      if (conflict) {
        this.recovered(); // Telegram answered: the network is fine
        this.conflictStarts(conflict, answer.description);
        await this.sleep(CONFLICT_RETRY_MS);
      } else if (this.refused(answer)) {
        return 'end';
      } else if (answer.status === 429) {
        await this.sleep((answer.retryAfter ?? 1) * 1000);
      } else {
        await this.trouble(`${answer.status} ${answer.description}`);
      }
      return undefined;
    }
    this.recovered();
    this.conflictEnds();
    const updates = Array.isArray(answer.result) ? answer.result : [];
    // Confirmed by the next poll, which starts now, while these are answered.
    this.offset = nextOffset(updates, this.offset);
    if (updates.length > 0) {
      this.answering = this.answering
        .then(() => this.handle(updates, since - MAX_COMMAND_AGE_MS))
        .catch((err: unknown) => this.say(`herald: commands: answering failed: ${this.reason(err)}\n`));
    }
    return undefined;
  }

  /** Answers the commands among `updates`, except those sent before `oldest` (epoch ms). */
  private async handle(updates: readonly TelegramUpdate[], oldest: number): Promise<void> {
    let skipped = 0;
    for (const update of updates) {
      if (this.isStopped) return;
      const message = incomingMessage(update);
      const command = message && parseCommand(message.text);
      if (!message || !command || !isForBot(command, this.username)) continue;
      if (message.sentAt < oldest) {
        skipped++;
        continue;
      }
      if (!fromAllowedChat(message, this.allowed)) {
        this.stranger(message, command.name);
        continue;
      }
      await this.answer(message, command);
    }
    if (skipped > 0) this.say(skippedReport(skipped, MAX_COMMAND_AGE_MS));
  }

  private async answer(message: IncomingMessage, command: ParsedCommand): Promise<void> {
    const { handlers } = this.o;
    let text: string;
    try {
      switch (command.name) {
        case 'status':
          text = await handlers.status();
          break;
        case 'report':
          await handlers.report();
          return; // the report itself is the answer
        case 'mute': {
          const wanted = readMuteDuration(command.args);
          text = 'refusal' in wanted ? wanted.refusal : handlers.mute(wanted.ms);
          break;
        }
        case 'unmute':
          text = handlers.unmute();
          break;
        case 'help':
        case 'start':
          text = HELP_TEXT;
          break;
        default:
          text = unknownCommandText(command.name);
      }
    } catch (err) {
      const reason = this.reason(err);
      this.say(`herald: commands: /${command.name} failed: ${reason}\n`);
      text = handlerFailedText(command.name, reason);
    }
    if (typeof text !== 'string' || text.trim() === '') return;
    let replyTo: number | undefined = message.messageId;
    for (const part of splitText(text, TELEGRAM_MAX_LENGTH, codePoints)) {
      if (!(await this.send(message, part, replyTo, command.name))) return;
      replyTo = undefined;
    }
  }

  /** Sends one plain-text part into the command's chat (and topic); false when it could not. */
  private async send(to: IncomingMessage, text: string, replyTo: number | undefined, command: string): Promise<boolean> {
    for (let attempt = 1; attempt <= 3 && !this.isStopped; attempt++) {
      const params = {
        chat_id: to.chatId,
        text,
        link_preview_options: { is_disabled: true },
        ...(to.threadId !== undefined ? { message_thread_id: to.threadId } : {}),
        // The command may be deleted by the time the answer goes: answer anyway.
        ...(replyTo !== undefined ? { reply_parameters: { message_id: replyTo, allow_sending_without_reply: true } } : {}),
      };
      let sent;
      try {
        sent = await this.api.call('sendMessage', params, this.stopping.signal);
      } catch (err) {
        if (!this.isStopped) this.say(`herald: commands: could not answer /${command} in chat ${to.chatId}: ${this.reason(err)}\n`);
        return false;
      }
      if (sent.ok) return true;
      if (sent.status === 429 && (sent.retryAfter ?? 1) * 1000 <= MAX_SEND_WAIT_MS) {
        await this.sleep((sent.retryAfter ?? 1) * 1000);
        continue;
      }
      if (replyTo !== undefined && /replied not found/i.test(sent.description)) {
        replyTo = undefined; // a topic refuses a reply to a message it does not have, whatever allow_sending_without_reply says
        continue;
      }
      this.say(`herald: commands: could not answer /${command} in chat ${to.chatId}: ${sent.status} ${sent.description}\n`);
      return false;
    }
    return false;
  }

  /** A chat that may not command the bot: no answer, and one notice per chat and run. */
  private stranger(message: IncomingMessage, command: string): void {
    if (this.strangers.has(message.chatId)) return;
    this.strangers.add(message.chatId);
    this.say(strangerReport(message, command));
    this.tell(strangerAlert(message, command));
  }

  /** 401 or 404: the token is wrong, and waiting will not fix it. Said once; polling ends. */
  private refused(answer: TelegramFailure): boolean {
    if (answer.status !== 401 && answer.status !== 404) return false;
    this.say(tokenReport(answer.status, answer.description, this.tokenVariable));
    this.tell(tokenAlert(answer.status, this.tokenVariable));
    return true;
  }

  private conflictStarts(kind: Conflict, description: string): void {
    this.conflict = kind;
    if (this.toldConflicts.has(kind)) return;
    this.toldConflicts.add(kind);
    this.say(kind === 'webhook' ? webhookReport(description) : pollerReport(description));
    this.tell(kind === 'webhook' ? WEBHOOK_ALERT : POLLER_ALERT);
  }

  private conflictEnds(): void {
    const kind = this.conflict;
    if (kind === undefined) return;
    this.conflict = undefined;
    if (this.toldOver.has(kind)) return;
    this.toldOver.add(kind);
    this.say(conflictOverReport(kind));
  }

  /** No answer, or a 5xx: waits the next backoff step; a minute of it is said once. */
  private async trouble(reason: string): Promise<void> {
    const now = Date.now();
    this.down ??= { since: now, attempts: 0, told: false };
    this.down.attempts++;
    if (!this.down.told && now - this.down.since >= DOWN_REPORT_AFTER_MS) {
      this.down.told = true;
      this.say(downReport(this.api.host, reason));
    }
    await this.sleep(backoffDelay(this.down.attempts));
  }

  private recovered(): void {
    if (this.down?.told) this.say(backReport(this.api.host));
    this.down = undefined;
  }

  /** Takes and renews the lease every `renewMs`; losing it ends the poll in flight at once. */
  private watchLease(): void {
    const lease = this.o.lease;
    if (!lease) return;
    const tick = async (): Promise<void> => {
      let held = false;
      try {
        held = await lease.hold();
      } catch {
        held = false; // a store that does not answer gives no right to poll
      }
      if (this.isStopped) return;
      if (held && !this.holding) {
        this.holding = true;
        this.pollingSince = undefined;
        for (const s of this.sleepers) if (s.lease) s.wake();
      } else if (!held && this.holding) {
        this.holding = false;
        this.poll?.abort();
      }
    };
    const run = (): void => {
      if (this.leaseTick || this.isStopped) return; // a slow store: one renewal at a time
      this.leaseTick = tick().finally(() => (this.leaseTick = undefined));
    };
    this.leaseTimer = setInterval(run, Math.min(Math.max(1, lease.renewMs), MAX_TIMER_MS));
    this.leaseTimer.unref();
    run();
  }

  /** Waits `ms` (an unref'd timer: waiting never keeps the host alive); stop() ends every wait, taking the lease ends `lease` ones. */
  private sleep(ms: number, lease = false): Promise<void> {
    if (this.isStopped) return Promise.resolve();
    return new Promise((resolve) => {
      const sleeper = {
        lease,
        wake: (): void => {
          clearTimeout(timer);
          this.sleepers.delete(sleeper);
          resolve();
        },
      };
      const timer = setTimeout(sleeper.wake, Math.min(Math.max(0, ms), MAX_TIMER_MS));
      timer.unref();
      this.sleepers.add(sleeper);
    });
  }

  /** One line on the report: a newline inside (from Telegram's words) would split it. */
  private say(line: string): void {
    try {
      this.o.report(`${line.replace(/\n$/, '').replace(/[\r\n]+/g, ' ')}\n`);
    } catch {
      // a broken report callback must not stop the bot
    }
  }

  private tell(text: string): void {
    try {
      this.o.alert(text);
    } catch (err) {
      this.say(`herald: commands: the alert could not be handed over: ${this.reason(err)}\n`);
    }
  }

  /** An error as one redacted line: no token, no webhook URL. */
  private reason(err: unknown): string {
    const text = err instanceof TelegramUnreachableError ? err.reason : err instanceof Error ? err.message : String(err);
    return redact(text.replace(/\s+/g, ' '), [this.o.token]).slice(0, 300);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
