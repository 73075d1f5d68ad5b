/**
 * The environment that points Herald at a `herald sandbox`: one Telegram bot and chat per role,
 * one Discord and one Slack webhook per role, and the example strategy's alerts webhook. All
 * values are sandbox-only (they work nowhere else), so they are printed in full.
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
  };
}

/** The same variables as `.env` lines. */
export function sandboxEnvLines(env: SandboxEnv): string {
  return SANDBOX_VARIABLES.map((name) => `${name}=${env[name]}`).join('\n');
}

/**
 * Human names of the sandbox destinations, by platform and destination as the fake records
 * it (Telegram chat id, Discord webhook id, Slack `T/B`), for the inbox page.
 */
export function sandboxLabels(): Record<Platform, Record<string, string>> {
  const slackName = (path: string): string => path.split('/').slice(0, 2).join('/');
  return {
    telegram: {
      [SANDBOX_IDS.generalChatId]: 'GENERAL bot chat',
      [SANDBOX_IDS.errorChatId]: 'ERROR bot chat',
    },
    discord: {
      [SANDBOX_IDS.generalDiscord.id]: 'GENERAL_DISCORD_WEBHOOK',
      [SANDBOX_IDS.errorDiscord.id]: 'ERROR_DISCORD_WEBHOOK',
      [SANDBOX_IDS.alertsDiscord.id]: 'EXAMPLE_ALERTS_WEBHOOK',
    },
    slack: {
      [slackName(SANDBOX_IDS.generalSlack)]: 'GENERAL_SLACK_WEBHOOK',
      [slackName(SANDBOX_IDS.errorSlack)]: 'ERROR_SLACK_WEBHOOK',
    },
  };
}
