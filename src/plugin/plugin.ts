/**
 * The host integration: subscribes to the framework's lifecycle events, turns each into a
 * notification, gives every strategy `log(message, target?)`, and drains when the session ends.
 */
import type { Card } from '../channels/card.js';
import type { Level } from '../channels/channel.js';
import type { EventSwitch, MessageFormat } from '../config/events.js';
import type { Tags } from '../config/tags.js';
import { createNotifier, type Notifier, type NotifierOptions } from '../core/notifier.js';
import { renderMessage } from '../core/render.js';
import type { FlushReport } from '../delivery/delivery.js';
import { DEFAULT_CARDS } from './cards.js';
import { LIVE_KINDS, LiveOrders } from './live-orders.js';
import { HeraldConfigError } from '../config/problems.js';
import { DigestBuffer, type DigestSummary } from '../reports/digest.js';
import { readReportSettings } from '../reports/options.js';
import { attachCommandBot, readCommandSetup } from '../commands/attach.js';
import type { CommandBot } from '../commands/command-bot.js';
import { applyTemplate, DEFAULT_TEMPLATES, EVENT_KINDS, type EventKind, type Payload, type Template } from './templates.js';

/** What every strategy gets on `strategy.created`. */
export interface HeraldStrategy {
  /**
   * Sends `message` to the general destinations (a bot's channel chosen by its mapping, with this
   * strategy's name as the `strategy` tag), or to `target`: a webhook URL, a bot channel
   * (`#alerts`), `telegram:<chat>`, an Apprise URL, or the name of a variable holding targets.
   * Returns at once.
   */
  log(message: unknown, target?: string): void;
}

/**
 * `true`/`false` switch an event on/off, `'silent'` sends it without sound, or give full
 * settings: a template (a custom template is sent as plain text unless `format: 'rich'`), a
 * target, a level, and `format` (`rich`: a card — embed, blocks, bold headline; `plain`: text).
 */
export type EventSetting =
  | boolean
  | 'silent'
  | {
      enabled?: boolean | 'silent';
      template?: Template;
      to?: string;
      level?: Level;
      format?: MessageFormat;
      /** Order and position events: update the order's one message in place (see {@link HeraldPluginOptions.liveMessages}). */
      live?: boolean;
      /**
       * One summary per window instead of a message per event: `'15m'`, `'1h'`, `'30s'` (at
       * least 1 s). "14 fills in the last 15 min: 9 buys, 5 sells, net +0.42 BTC". Not for `error`.
       */
      digest?: string;
    };

/** Options of {@link heraldPlugin}. */
export interface HeraldPluginOptions extends NotifierOptions {
  /** Per-event settings; defaults: every event on, except `order.submitted`. */
  events?: Partial<Record<EventKind, EventSetting>>;
  /** Use this notifier instead of creating one from the environment. */
  notifier?: Notifier;
  /**
   * One message per order, updated in place: the first notification about an order is a new
   * message; its later states (partial fills, filled, cancelled) and the position it opens or
   * closes edit it (Telegram, Discord, Slack bot tokens; elsewhere they are new messages). Edits
   * make no sound: a completed fill and a closed position also send a short reply that rings.
   * Default: `HERALD_LIVE_MESSAGES` (off). Per event: `events: { 'order.cancelled': { live: false } }`.
   */
  liveMessages?: boolean;
  /** Flush when the host emits `session.terminated` (default true), within this deadline (ms, default 10 000). */
  drainOnTerminate?: boolean;
  drainDeadlineMs?: number;
  /**
   * The GENERAL Telegram bot answers `/status`, `/report`, `/mute 1h`, `/unmute` and `/help` from
   * the configured chats. Default: `HERALD_COMMANDS` (off).
   */
  commands?: boolean;
}

/** Anything with an event emitter: eventemitter3 and node:events both fit. */
export interface HeraldHost {
  readonly events: {
    on(event: string, listener: (...args: any[]) => void): unknown;
    off?(event: string, listener: (...args: any[]) => void): unknown;
    removeListener?(event: string, listener: (...args: any[]) => void): unknown;
  };
}

/** What `install` returns. */
export interface HeraldHandle {
  readonly notifier: Notifier;
  /** Removes every listener this install added. */
  uninstall(): void;
  flush(timeoutMs?: number): Promise<FlushReport>;
  /** Uninstalls, delivers what is queued within the deadline, and releases sockets. */
  close(timeoutMs?: number): Promise<FlushReport>;
}

/** The plugin object a host installs. */
export interface HeraldPlugin {
  readonly name: 'herald';
  readonly notifier: Notifier;
  install(host: HeraldHost): HeraldHandle;
}

interface Resolved {
  readonly enabled: boolean;
  readonly silent: boolean;
  readonly render: (p: Payload) => string;
  /** The card, or undefined for plain text. */
  readonly card?: (p: Payload, text: string) => Card;
  readonly to?: string;
  readonly level: Level;
  /** Updates its order's live message. */
  readonly live: boolean;
}

const OFF_BY_DEFAULT: ReadonlySet<EventKind> = new Set(['order.submitted']);
/** Custom events read like messages: plain unless asked otherwise. */
const PLAIN_BY_DEFAULT: ReadonlySet<EventKind> = new Set(['custom']);

const SWITCH_ENABLED: Record<EventSwitch, boolean | 'silent'> = { on: true, off: false, silent: 'silent' };

/** Options win over the environment (`HERALD_EVENTS`, `HERALD_FORMAT`), which wins over the defaults. */
function resolveSetting(
  kind: EventKind,
  setting: EventSetting | undefined,
  envSwitch: EventSwitch | undefined,
  envFormat: MessageFormat | undefined,
  liveDefault: boolean,
): Resolved {
  const s = typeof setting === 'object' ? setting : { enabled: setting };
  const enabled = s.enabled ?? (envSwitch ? SWITCH_ENABLED[envSwitch] : !OFF_BY_DEFAULT.has(kind));
  const t = s.template;
  const render = t === undefined ? DEFAULT_TEMPLATES[kind] : typeof t === 'function' ? t : (p: Payload) => applyTemplate(t, p);
  // A custom template is the user's own wording: plain, unless they ask for the card too.
  const format = s.format ?? (t !== undefined ? 'plain' : (envFormat ?? (PLAIN_BY_DEFAULT.has(kind) ? 'plain' : 'rich')));
  const build = DEFAULT_CARDS[kind];
  const card = format === 'plain' ? undefined : t === undefined ? build : (p: Payload, text: string) => ({ ...build(p), title: text.split('\n')[0]! });
  return {
    enabled: enabled !== false,
    silent: enabled === 'silent',
    render,
    ...(card ? { card } : {}),
    level: s.level ?? (kind === 'error' ? 'error' : 'info'),
    ...(s.to ? { to: s.to } : {}),
    live: LIVE_KINDS.has(kind) && (s.live ?? liveDefault),
  };
}

/** What a session said about itself, for events that do not repeat it. */
interface SessionContext {
  mode?: string;
  exchange?: string;
  strategy?: string;
}

// Tags take plain words only: an object in a payload field is no tag.
const tagValue = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : typeof v === 'number' ? String(v) : undefined);

/** The tags of an event: its kind, and the strategy, symbol, exchange and mode from the payload or the session. */
function tagsOf(kind: EventKind, p: Payload, session: SessionContext): Tags {
  const symbols = Array.isArray(p.symbols) && p.symbols.length === 1 ? tagValue(p.symbols[0]) : undefined;
  const tags: Record<string, string | undefined> = {
    event: kind === 'custom' ? `custom:${tagValue(p.name) ?? 'event'}` : kind,
    strategy: tagValue(p.strategy) ?? session.strategy,
    symbol: tagValue(p.symbol) ?? symbols,
    exchange: tagValue(p.exchange) ?? session.exchange,
    mode: tagValue(p.mode) ?? session.mode,
  };
  return Object.fromEntries(Object.entries(tags).filter(([, v]) => v !== undefined)) as Tags;
}

/** A strategy's name for the `strategy` tag: its `name`, else its `id`, else its class name. */
function strategyName(strategy: object): string | undefined {
  const s = strategy as { name?: unknown; id?: unknown; constructor?: { name?: unknown } };
  const own = tagValue(s.name) ?? tagValue(s.id);
  if (own) return own;
  const cls = s.constructor?.name;
  return typeof cls === 'string' && cls !== '' && cls !== 'Object' ? cls : undefined;
}

/** An `error` event may be a bare Error or a string; normalise to the payload shape. */
function normalise(kind: EventKind, payload: unknown): Payload {
  if (kind === 'error' && (payload instanceof Error || !isObject(payload))) return payload === undefined || payload === null ? {} : { error: payload };
  return isObject(payload) ? payload : { message: payload };
}

const isObject = (v: unknown): v is Payload => v !== null && typeof v === 'object';

/**
 * A host that passes a bare value (`emit('order.filled', 'BUY 1 BTC')`) to an event whose
 * template reads fields: that value, so it is shown rather than lost. `custom` and `error` read it.
 */
function bareValue(kind: EventKind, payload: unknown): string | undefined {
  if (kind === 'custom' || kind === 'error' || payload === undefined || payload === null || isObject(payload)) return undefined;
  return renderMessage(payload);
}

/** Creates the plugin. Reads and validates the configuration now, so mistakes surface at start-up. */
export function heraldPlugin(options: HeraldPluginOptions = {}): HeraldPlugin {
  // Digest mistakes are reported with the notifier's (one list of everything to fix).
  const digestSettings = readReportSettings({ events: options.events ?? {}, report: false, quiet: false }, {});
  let notifier: Notifier;
  try {
    notifier = options.notifier ?? createNotifier(options);
  } catch (err) {
    if (err instanceof HeraldConfigError && digestSettings.problems.length) throw new HeraldConfigError([...err.problems, ...digestSettings.problems]);
    throw err;
  }
  // Commands read the notifier's environment; their problem is reported with the digests'.
  const commandsOn = options.commands ?? notifier.settings.commands ?? false;
  const commandSetup = commandsOn ? readCommandSetup(notifier.environment) : undefined;
  const startProblems = [...digestSettings.problems, ...(commandSetup && 'variable' in commandSetup ? [commandSetup] : [])];
  if (startProblems.length) {
    // A notifier made here must not outlive the failed start (its exit hooks, heartbeat and sockets).
    if (!options.notifier) void notifier.close(0);
    throw new HeraldConfigError(startProblems);
  }
  const digests = new DigestBuffer(digestSettings.digests);
  let digestTimer: ReturnType<typeof setTimeout> | undefined;
  /** Where each digested kind's summary goes (its setting's target) and its latest tags. */
  const digestRoute = new Map<string, { tags: Tags; to?: string }>();
  const sendDigests = (summaries: readonly DigestSummary[]): void => {
    for (const d of summaries) {
      const route = digestRoute.get(d.kind);
      notifier.notify(d.text, {
        silent: d.silent,
        ...(route ? { tags: route.tags } : {}),
        ...(route?.to ? { to: route.to } : {}),
        ...(d.card ? { card: d.card } : {}),
      });
    }
  };
  const armDigests = (): void => {
    clearTimeout(digestTimer);
    const due = digests.nextDueAt();
    if (due === undefined) return;
    digestTimer = setTimeout(
      () => {
        sendDigests(digests.take(Date.now()));
        armDigests();
      },
      Math.max(0, due - Date.now()),
    );
    // A digest window must not keep a finished process alive; session end and close() send what is open.
    digestTimer.unref?.();
  };
  const flushDigests = (): void => {
    clearTimeout(digestTimer);
    sendDigests(digests.flush());
  };
  const env = notifier.settings;
  const liveDefault = options.liveMessages ?? env.liveMessages ?? false;
  const settings = new Map(EVENT_KINDS.map((k) => [k, resolveSetting(k, options.events?.[k], env.events[k], env.format, liveDefault)]));
  const liveOrders = new LiveOrders();
  const drainDeadline = options.drainDeadlineMs ?? 10_000;
  const session: SessionContext = {};
  const observing = notifier.reportsScheduled || commandsOn;
  /** The session ended: open digests go now, a final report when reports are on, then the drain. */
  const endSession = (): void => {
    flushDigests();
    const drain = options.drainOnTerminate !== false;
    if (!notifier.reportsScheduled) {
      if (drain) void notifier.flush(drainDeadline);
      return;
    }
    const report = notifier.sendReport({ periodEnd: true, label: 'end of session' });
    if (drain) void report.then(() => notifier.flush(drainDeadline));
  };

  return {
    name: 'herald',
    notifier,
    install(host) {
      const listeners: [string, (...args: any[]) => void][] = [];
      for (const kind of EVENT_KINDS) {
        const s = settings.get(kind)!;
        if (!s.enabled) continue;
        const listener = (payload: unknown): void => {
          // A host's event handler must never throw because of us.
          try {
            const p = normalise(kind, payload);
            if (kind === 'session.started') Object.assign(session, { mode: tagValue(p.mode), exchange: tagValue(p.exchange), strategy: tagValue(p.strategy) });
            const custom = kind === 'custom';
            const level: Level = custom && p.level === 'error' ? 'error' : s.level;
            const silent = s.silent || (custom && p.silent === true);
            const to = (custom && typeof p.to === 'string' ? p.to : undefined) ?? s.to;
            const bare = bareValue(kind, payload);
            const text = bare === undefined ? s.render(p) : `${s.render(p)}\n${bare}`;
            const made = s.card?.(p, text);
            const card = made && bare !== undefined ? { ...made, description: made.description ? `${made.description}\n${bare}` : bare } : made;
            const tags = tagsOf(kind, p, session);
            if (level !== 'error' && digests.wants(kind)) {
              digestRoute.set(kind, { tags, ...(to ? { to } : {}) });
              digests.add(kind, p, text, Date.now(), { ...(card ? { card } : {}), silent });
              armDigests();
              return;
            }
            // An order's later states edit its first message; the timeline lines leave out the context tail.
            const live = s.live
              ? liveOrders.update(kind, p, text, s.render({ ...p, exchange: undefined, strategy: undefined, mode: undefined }), card, Date.now())
              : undefined;
            if (live) notifier.notify(live.text, { level, silent, tags, ...(live.card ? { card: live.card } : {}), ...(to ? { to } : {}), live: live.live });
            else notifier.notify(text, { level, silent, tags, ...(card ? { card } : {}), ...(to ? { to } : {}) });
          } catch (err) {
            notifier.notify(`⚠️ Herald could not format a ${kind} event: ${(err as Error).message}`, { level: 'error' });
          }
        };
        listeners.push([kind, listener]);
      }
      const giveLog = (strategy: unknown): void => {
        if (strategy === null || typeof strategy !== 'object') return;
        const name = strategyName(strategy);
        const log: HeraldStrategy['log'] = (message, target) => {
          const tags: Tags = {
            event: 'log',
            ...(name ? { strategy: name } : {}),
            ...(session.mode ? { mode: session.mode } : {}),
            ...(session.exchange ? { exchange: session.exchange } : {}),
          };
          notifier.notify(message, { tags, ...(target === undefined || target === null ? {} : { to: target }) });
        };
        try {
          Object.defineProperty(strategy, 'log', { value: log, configurable: true, writable: true, enumerable: false });
        } catch (err) {
          const name = (strategy as { name?: unknown }).name;
          notifier.notify(`⚠️ Herald could not give strategy ${typeof name === 'string' ? name : '(unnamed)'} its log(): ${(err as Error).message}`, {
            level: 'error',
          });
        }
      };
      listeners.push(['strategy.created', giveLog]);
      // After the session.terminated message (its listener is registered above), even when that message is off.
      listeners.push(['session.terminated', endSession]);
      // The report counts every event, sent or not (order.submitted is off by default but still an order).
      if (observing) for (const kind of [...EVENT_KINDS, 'report.snapshot']) listeners.push([kind, (payload: unknown) => notifier.observe(kind, payload)]);
      for (const [event, fn] of listeners) host.events.on(event, fn);

      // The bot answers only while installed; its long poll must not outlive the host.
      let bot: CommandBot | undefined =
        commandSetup && !('variable' in commandSetup)
          ? attachCommandBot(notifier, commandSetup, options.diagnostics ?? ((line) => void process.stderr.write(line)))
          : undefined;
      const stopBot = (): Promise<void> => {
        const stopping = bot?.stop() ?? Promise.resolve();
        bot = undefined;
        return stopping;
      };
      const uninstall = (): void => {
        for (const [event, fn] of listeners.splice(0)) (host.events.off ?? host.events.removeListener)?.call(host.events, event, fn);
        void stopBot();
      };
      return {
        notifier,
        uninstall,
        flush: (t) => notifier.flush(t),
        close: async (t) => {
          const stopping = stopBot();
          uninstall();
          flushDigests();
          await stopping;
          return notifier.close(t);
        },
      };
    },
  };
}
