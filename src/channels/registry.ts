/** The list of platform drivers. Adding a platform means adding a driver here, nothing else. */
import type { ChannelSpec, Driver, DriverContext, WebhookSupport } from './driver.js';
import type { Channel } from './channel.js';
import { telegramDriver } from './telegram.js';
import { discordDriver } from './discord.js';
import { slackDriver } from './slack.js';
import { slackBotDriver } from './slack-bot.js';
import { discordBotDriver } from './discord-bot.js';

/** Every driver: webhooks, bots, targets and environment variables are read through these. */
export const DRIVERS: readonly Driver[] = [telegramDriver, discordDriver, slackDriver, discordBotDriver, slackBotDriver];

/** The webhook formats a log target may use. */
export const WEBHOOKS: readonly WebhookSupport[] = DRIVERS.flatMap((d) => (d.webhook ? [d.webhook] : []));

/** Builds the channel for a spec with the driver it names. */
export function createChannel(spec: ChannelSpec, ctx: DriverContext, drivers: readonly Driver[] = DRIVERS): Channel {
  const driver = drivers.find((d) => d.name === spec.driver);
  if (!driver) throw new Error(`no driver named "${spec.driver}"`);
  return driver.create(spec, ctx);
}
