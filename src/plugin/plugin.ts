/**
 * The host integration: subscribes to the framework's lifecycle events, turns each into a
 * notification, gives every strategy `log(message, target?)`, and drains when the session ends.
 */
import type { Level } from '../channels/channel.js';
import { createNotifier, type Notifier, type NotifierOptions } from '../core/notifier.js';
import type { FlushReport } from '../delivery/delivery.js';
import { applyTemplate, DEFAULT_TEMPLATES, EVENT_KINDS, type EventKind, type Payload, type Template } from './templates.js';

/** What every strategy gets on `strategy.created`. */
export interface HeraldStrategy {
  /** Sends `message` to the general destinations, or to `target`: a webhook URL or the name of an env variable holding one. Returns at once. */
  log(message: unknown, target?: string): void;
}

/** `true`/`false` switch an event on/off, `'silent'` sends it without sound, or give full settings. */
export type EventSetting = boolean | 'silent' | { enabled?: boolean | 'silent'; template?: Template; to?: string; level?: Level };

/** Options of {@link heraldPlugin}. */
export interface HeraldPluginOptions extends NotifierOptions {
  /** Per-event settings; defaults: every event on, except `order.submitted`. */
  events?: Partial<Record<EventKind, EventSetting>>;
  /** Use this notifier instead of creating one from the environment. */
  notifier?: Notifier;
  /** Flush when the host emits `session.terminated` (default true), within this deadline (ms, default 10 000). */
  drainOnTerminate?: boolean;
  drainDeadlineMs?: number;
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
  readonly to?: string;
  readonly level: Level;
}

const OFF_BY_DEFAULT: ReadonlySet<EventKind> = new Set(['order.submitted']);

function resolveSetting(kind: EventKind, setting: EventSetting | undefined): Resolved {
  const s = typeof setting === 'object' ? setting : { enabled: setting };
  const enabled = s.enabled ?? !OFF_BY_DEFAULT.has(kind);
  const t = s.template;
  const render = t === undefined ? DEFAULT_TEMPLATES[kind] : typeof t === 'function' ? t : (p: Payload) => applyTemplate(t, p);
  return { enabled: enabled !== false, silent: enabled === 'silent', render, level: s.level ?? (kind === 'error' ? 'error' : 'info'), ...(s.to ? { to: s.to } : {}) };
}

/** An `error` event may be a bare Error or a string; normalise to the payload shape. */
function normalise(kind: EventKind, payload: unknown): Payload {
  if (kind === 'error' && (payload instanceof Error || typeof payload === 'string')) return { error: payload };
  return payload !== null && typeof payload === 'object' ? (payload as Payload) : { message: payload };
}

/** Creates the plugin. Reads and validates the configuration now, so mistakes surface at start-up. */
export function heraldPlugin(options: HeraldPluginOptions = {}): HeraldPlugin {
  const notifier = options.notifier ?? createNotifier(options);
  const settings = new Map(EVENT_KINDS.map((k) => [k, resolveSetting(k, options.events?.[k])]));
  const drainDeadline = options.drainDeadlineMs ?? 10_000;

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
            const custom = kind === 'custom';
            const level: Level = custom && p.level === 'error' ? 'error' : s.level;
            const silent = s.silent || (custom && p.silent === true);
            const to = (custom && typeof p.to === 'string' ? p.to : undefined) ?? s.to;
            notifier.notify(s.render(p), { level, silent, ...(to ? { to } : {}) });
            if (kind === 'session.terminated' && options.drainOnTerminate !== false) void notifier.flush(drainDeadline);
          } catch (err) {
            notifier.notify(`⚠️ Herald could not format a ${kind} event: ${(err as Error).message}`, { level: 'error' });
          }
        };
        listeners.push([kind, listener]);
      }
      const giveLog = (strategy: unknown): void => {
        if (strategy === null || typeof strategy !== 'object') return;
        const log: HeraldStrategy['log'] = (message, target) => notifier.log(message, target);
        try {
          Object.defineProperty(strategy, 'log', { value: log, configurable: true, writable: true, enumerable: false });
        } catch (err) {
          const name = (strategy as { name?: unknown }).name;
          notifier.notify(`⚠️ Herald could not give strategy ${typeof name === 'string' ? name : '(unnamed)'} its log(): ${(err as Error).message}`, { level: 'error' });
        }
      };
      listeners.push(['strategy.created', giveLog]);
      for (const [event, fn] of listeners) host.events.on(event, fn);

      const uninstall = (): void => {
        for (const [event, fn] of listeners.splice(0)) (host.events.off ?? host.events.removeListener)?.call(host.events, event, fn);
      };
      return {
        notifier,
        uninstall,
        flush: (t) => notifier.flush(t),
        close: (t) => {
          uninstall();
          return notifier.close(t);
        },
      };
    },
  };
}
