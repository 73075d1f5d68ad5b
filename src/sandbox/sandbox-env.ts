/**
 * The environment that points Herald at a `herald sandbox`: one Telegram bot and chat per role,
 * one Discord and one Slack webhook per role, the example strategy's alerts webhook, and a
 * Slack and a Discord bot (token, API base URL, default channel, channel per tag). All values
 * are sandbox-only (they work nowhere else), so they are printed in full.
 *
 * No server code here: `strategies-example/run.ts` imports this to reach a running sandbox.
 */
import type { Platform } from './types.js';

/** Port `herald sandbox` listens on unless `--port` says otherwise. */
export const SANDBOX_DEFAULT_PORT = 8787;

/** The variables `herald sandbox` prints, in the order it prints them. */
export const SANDBOX_VARIABLES = [
  'TELEGRAM_API_BASE_URL',
  'GENERAL_TELEGRAM_BOT_TOKEN',
  'GENERAL_TELEGRAM_BOT_CHAT_ID',
  'ERROR_TELEGRAM_BOT_TOKEN',
  'ERROR_TELEGRAM_BOT_CHAT_ID',
  'GENERAL_DISCORD_WEBHOOK',
  'ERROR_DISCORD_WEBHOOK',
  'GENERAL_SLACK_WEBHOOK',
  'ERROR_SLACK_WEBHOOK',
  'EXAMPLE_ALERTS_WEBHOOK',
  'SLACK_API_BASE_URL',
  'SLACK_BOT_TOKEN',
  'SLACK_DEFAULT_CHANNEL',
  'SLACK_CHANNEL_MAPPING',
  'DISCORD_API_BASE_URL',
  'DISCORD_BOT_TOKEN',
  'DISCORD_DEFAULT_CHANNEL',
  'DISCORD_CHANNEL_MAPPING',
] as const;

/** One of {@link SANDBOX_VARIABLES}. */
export type SandboxVariable = (typeof SANDBOX_VARIABLES)[number];

/** Every sandbox variable with its value. */
export type SandboxEnv = Readonly<Record<SandboxVariable, string>>;

/** Fixed ids, so a `.env` pasted once keeps working with every later sandbox on the same port. */
export const SANDBOX_IDS = {
  generalBotToken: '7000000001:SANDBOX-general-bot-token-works-only-here',
  errorBotToken: '7000000002:SANDBOX-error-bot-token-works-only-here',
  /** A private chat with the general bot. */
  generalChatId: '111111111',
  /** A supergroup for errors (negative, `-100…`, like a real one). */
  errorChatId: '-1002222222222',
  generalDiscord: { id: '1000000000000000001', token: 'sandbox-general-webhook' },
  errorDiscord: { id: '1000000000000000002', token: 'sandbox-error-webhook' },
  alertsDiscord: { id: '1000000000000000003', token: 'sandbox-alerts-webhook' },
  generalSlack: 'T0SANDBOX/B0GENERAL/sandboxgeneralsecret',
  errorSlack: 'T0SANDBOX/B0ERRORS/sandboxerrorssecret',
  /** A Slack bot token of the real shape (`xoxb-<team>-<bot>-<secret>`). */
  slackBotToken: 'xoxb-1000000000001-2000000000002-SANDBOXslackBotWorksOnlyHere',
  /** The Slack workspace's channels; the bot is a member of each. */
  slackChannels: {
    general: { id: 'C0SBGENERAL', name: 'general' },
    alerts: { id: 'C0SBALERTS', name: 'alerts' },
    ema: { id: 'C0SBEMACROSS', name: 'ema' },
  },
  /** The Discord bot's user id; the token's first part is its base64url. */
  discordBotId: '1400000000000000001',
  /** A Discord bot token of the real shape: base64url(bot id) . timestamp . HMAC. */
  discordBotToken: 'MTQwMDAwMDAwMDAwMDAwMDAwMQ.SANDBX.SANDBOX_discord_bot_token_works_only_here',
  /** The Discord guild's text channels; the bot can see and post in each. */
  discordChannels: {
    general: { id: '1300000000000000001', name: 'general' },
    alerts: { id: '1300000000000000002', name: 'alerts' },
    ema: { id: '1300000000000000003', name: 'ema' },
  },
} as const;

/** `http://127.0.0.1:PORT` with no trailing slash. */
function base(url: string): string {
  return url.replace(/\/+$/, '');
}

/** The variables for a sandbox at `baseUrl` (e.g. `http://127.0.0.1:8787`). */
export function sandboxEnv(baseUrl: string): SandboxEnv {
  const b = base(baseUrl);
  const discord = (w: { id: string; token: string }): string => `${b}/api/webhooks/${w.id}/${w.token}`;
  const slack = (path: string): string => `${b}/services/${path}`;
  return {
    TELEGRAM_API_BASE_URL: b,
    GENERAL_TELEGRAM_BOT_TOKEN: SANDBOX_IDS.generalBotToken,
    GENERAL_TELEGRAM_BOT_CHAT_ID: SANDBOX_IDS.generalChatId,
    ERROR_TELEGRAM_BOT_TOKEN: SANDBOX_IDS.errorBotToken,
    ERROR_TELEGRAM_BOT_CHAT_ID: SANDBOX_IDS.errorChatId,
    GENERAL_DISCORD_WEBHOOK: discord(SANDBOX_IDS.generalDiscord),
    ERROR_DISCORD_WEBHOOK: discord(SANDBOX_IDS.errorDiscord),
    GENERAL_SLACK_WEBHOOK: slack(SANDBOX_IDS.generalSlack),
    ERROR_SLACK_WEBHOOK: slack(SANDBOX_IDS.errorSlack),
    EXAMPLE_ALERTS_WEBHOOK: discord(SANDBOX_IDS.alertsDiscord),
    // Bots: errors and the example strategy's own notifications get channels of their own.
    SLACK_API_BASE_URL: `${b}/api`,
    SLACK_BOT_TOKEN: SANDBOX_IDS.slackBotToken,
    SLACK_DEFAULT_CHANNEL: SANDBOX_IDS.slackChannels.general.name,
    SLACK_CHANNEL_MAPPING: `error=${SANDBOX_IDS.slackChannels.alerts.name},ema-cross=${SANDBOX_IDS.slackChannels.ema.name}`,
    DISCORD_API_BASE_URL: `${b}/api`,
    DISCORD_BOT_TOKEN: SANDBOX_IDS.discordBotToken,
    DISCORD_DEFAULT_CHANNEL: SANDBOX_IDS.discordChannels.general.id,
    DISCORD_CHANNEL_MAPPING: `error=${SANDBOX_IDS.discordChannels.alerts.id},ema-cross=${SANDBOX_IDS.discordChannels.ema.id}`,
  };
}

/** The same variables as `.env` lines. */
export function sandboxEnvLines(env: SandboxEnv): string {
  return SANDBOX_VARIABLES.map((name) => `${name}=${env[name]}`).join('\n');
}

/**
 * Human names of the sandbox destinations, by platform and destination as the fake records
 * it (Telegram chat id; Discord webhook id or bot channel id; Slack `T/B` or bot channel id),
 * for the inbox page.
 */
export function sandboxLabels(): Record<Platform, Record<string, string>> {
  const slackName = (path: string): string => path.split('/').slice(0, 2).join('/');
  const bot = (platform: string, channels: Record<string, { id: string; name: string }>): Record<string, string> =>
    Object.fromEntries(Object.values(channels).map((c) => [c.id, `${platform} bot #${c.name}`]));
  return {
    telegram: {
      [SANDBOX_IDS.generalChatId]: 'GENERAL bot chat',
      [SANDBOX_IDS.errorChatId]: 'ERROR bot chat',
    },
    discord: {
      [SANDBOX_IDS.generalDiscord.id]: 'GENERAL_DISCORD_WEBHOOK',
      [SANDBOX_IDS.errorDiscord.id]: 'ERROR_DISCORD_WEBHOOK',
      [SANDBOX_IDS.alertsDiscord.id]: 'EXAMPLE_ALERTS_WEBHOOK',
      ...bot('Discord', SANDBOX_IDS.discordChannels),
    },
    slack: {
      [slackName(SANDBOX_IDS.generalSlack)]: 'GENERAL_SLACK_WEBHOOK',
      [slackName(SANDBOX_IDS.errorSlack)]: 'ERROR_SLACK_WEBHOOK',
      ...bot('Slack', SANDBOX_IDS.slackChannels),
    },
  };
}
