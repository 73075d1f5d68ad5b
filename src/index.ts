/**
 * Herald's public surface. Everything a user or host imports comes from here.
 * @packageDocumentation
 */
export {
  createNotifier,
  Notifier,
  type NotifierOptions,
  type NotifyOptions,
  type NotifyFile,
  type NotifierEvents,
  type NotifierStats,
  type RoutePreview,
} from './core/notifier.js';
export {
  heraldPlugin,
  type HeraldPlugin,
  type HeraldPluginOptions,
  type HeraldHandle,
  type HeraldHost,
  type HeraldStrategy,
  type EventSetting,
} from './plugin/plugin.js';
export { EVENT_KINDS, DEFAULT_TEMPLATES, applyTemplate, type EventKind, type Template, type Payload } from './plugin/templates.js';
export { HeraldConfigError, type ConfigProblem } from './config/problems.js';
export { readConfig, type HeraldConfig } from './core/configuration.js';
export { loadEnv, type Env } from './config/env.js';
export type {
  Level,
  Channel,
  OutgoingPart,
  SendOutcome,
  RateBucket,
  RateObservation,
  CardSupport,
  Attachment,
  FileSupport,
  MessageRef,
} from './channels/channel.js';
export type { LiveUpdate } from './delivery/entry.js';
export type { ReportOptions, QuietOptions, SnapshotSource } from './reports/options.js';
export type { Snapshot, SnapshotPosition, SnapshotBalance, EquityPoint } from './reports/snapshot.js';
export { equityChartSvg, renderEquityChart, type EquityChartOptions, type EquityChartPng } from './reports/chart.js';
export { startCommandBot, type CommandBot, type CommandBotOptions, type CommandHandlers, type PollLease } from './commands/command-bot.js';
export type { Card, CardField, Tone } from './channels/card.js';
export type { Role, ChannelSpec, Driver, WebhookSupport, BotAccount, BotSupport, TargetSupport } from './channels/driver.js';
export type { Tags } from './config/tags.js';
export type { EventSwitch, EventSettings, MessageFormat } from './config/events.js';
export type { BotConfig, MappedChannel } from './core/configuration.js';
export { resolveTarget, type TargetResolution, type TargetContext } from './core/targets.js';
export type { DeliveryOptions } from './delivery/options.js';
export type { BackoffPolicy } from './delivery/backoff.js';
export type { RateLimits } from './delivery/rate-limits.js';
export type { FlushReport } from './delivery/delivery.js';
export type { LaneStats } from './delivery/lane.js';
export type { DeliveredEvent, DroppedEvent, FailedEvent, QueuedEvent, RetryingEvent, WarningEvent } from './delivery/events.js';
export { redact } from './config/redact.js';
export { renderMessage } from './core/render.js';
export { createRelay, RELAY_DEFAULT_HOST, RELAY_DEFAULT_PORT, RELAY_ENDPOINTS, type Relay, type RelayAddress, type RelayOptions } from './relay/relay.js';
export type { RelayHealth } from './relay/health.js';
