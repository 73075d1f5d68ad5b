/**
 * `herald link`: deep-link subscription. Prints `https://t.me/<bot>?start=<random token>`;
 * whoever opens it and presses Start makes their Telegram send `/start <token>` to the bot, so
 * the chat that answers is known for certain (not "whichever chat wrote last"). The bot replies
 * in that chat, and the id can be written to .env.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { Command, CommandContext } from '../command.js';
import { COMMON_HELP, COMMON_OPTIONS, maxPositionals, parseSeconds, parseUsage, parseVariableName } from '../args.js';
import { createUi } from '../output.js';
import { chatFailure, finishChat, openBot } from '../chat-result.js';
import { chatOfUpdate, describeChat, pollUpdates, TelegramUnreachableError, type SeenChat, type TelegramUpdate } from '../../channels/telegram-api.js';
import { explainPollFailure, explainTelegramFailure, PENDING_UPDATES_NOTE } from '../telegram-cli.js';

const DEFAULT_VARIABLE = 'GENERAL_TELEGRAM_BOT_CHAT_ID';
const fail = chatFailure('link');
/** What the bot says in the chat that subscribed. */
export const SUBSCRIBED_TEXT = '✅ Subscribed: Herald will post here.';

const HELP = `herald link — subscribe a chat with a Telegram deep link

Usage: herald link [--var NAME] [--timeout S] [--write] [--token T] [--delete-webhook]

Prints https://t.me/<bot>?start=<random token>. Open it in Telegram and press Start: your
Telegram sends "/start <token>" to the bot, which proves which chat is yours. The bot replies
"${SUBSCRIBED_TEXT}" there, and the chat id is printed (and stored with --write).
For a group, open the ?startgroup= link instead and pick the group.

Reading this bot's pending updates marks them as read: Telegram does not hand them out
again, so a program serving this bot would never see them. Do not run it on a bot another
program is serving: stop that program first (Telegram also allows one reader at a time).
It says so once before it starts listening (on stderr with --json).

Options:
  --token T         the bot token (default: the token variable paired with --var,
                    X_CHAT_ID → X_TOKEN, e.g. ERROR_TELEGRAM_BOT_TOKEN for
                    --var ERROR_TELEGRAM_BOT_CHAT_ID; GENERAL_TELEGRAM_BOT_TOKEN when that
                    is unset or --var has another shape)
  --timeout S       how long to wait for the Start (default 300)
  --write           store the chat id in the env file; with --token, the token is stored
                    too if its variable is not set yet
  --var NAME        variable to store it in (default ${DEFAULT_VARIABLE})
  --delete-webhook  if the bot has a webhook (409 Conflict), delete it and go on
${COMMON_HELP}

Exit codes: 0 subscribed, 1 nobody pressed Start in time (or a problem: bad or revoked token,
unreachable API, webhook active), 2 bad usage, 130 interrupted (nothing written).

JSON (--json; the link is printed on stderr while waiting):
  { "ok": boolean, "bot": { "id": string, "username": string } | null,
    "link": string | null, "groupLink": string | null,
    "chat": { "id": string, "type": string, "title"?: string, "username"?: string, "name"?: string } | null,
    "replied": boolean,
    "written": { "file": string, "variables": string[] } | null,
    "error"?: { "message": string, "fix"?: string } }

Examples:
  herald link --write
  herald link --var ERROR_TELEGRAM_BOT_CHAT_ID --write --timeout 600`;

/** `herald link`. */
export const linkCommand: Command = {
  name: 'link',
  summary: 'print a t.me deep link; the chat that presses Start is subscribed (--write stores its id)',
  help: HELP,
  run,
};

interface Doc {
  ok: boolean;
  bot: { id: string; username: string | undefined } | null;
  link: string | null;
  groupLink: string | null;
  chat: Omit<SeenChat, 'via' | 'updateId' | 'removed'> | null;
  replied: boolean;
  written: { file: string; variables: string[] } | null;
  error?: { message: string; fix?: string };
  interrupted?: boolean;
}

/** True when `update` is `/start <token>` (or `/start@bot <token>`, as groups send it). */
function isStart(update: TelegramUpdate, token: string): boolean {
  const message = (update.message ?? update.edited_message ?? update.channel_post) as { text?: unknown } | undefined;
  if (typeof message?.text !== 'string') return false;
  const m = /^\/start(?:@\w+)?\s+(\S+)\s*$/.exec(message.text);
  return m?.[1] === token;
}

async function run(ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseUsage(() =>
    parseArgs({
      args: [...ctx.argv],
      options: {
        ...COMMON_OPTIONS,
        token: { type: 'string' },
        timeout: { type: 'string' },
        'delete-webhook': { type: 'boolean' },
        write: { type: 'boolean' },
        var: { type: 'string' },
      },
      allowPositionals: true,
      strict: true,
    }),
  );
  maxPositionals(positionals, 0, 'herald link takes options only');
  const timeoutMs = parseSeconds(values.timeout, 'timeout', 300) * 1000;
  const variable = parseVariableName(values.var, DEFAULT_VARIABLE);
  const ui = createUi(ctx, values);
  ui.addSecret(values.token?.trim());
  const doc: Doc = { ok: false, bot: null, link: null, groupLink: null, chat: null, replied: false, written: null };
  const opened = await openBot('link', ctx, { envFile: values['env-file'], token: values.token, variable }, ui, doc, fail);
  if (typeof opened === 'number') return opened;
  const { loaded, connected } = opened;
  const { api, bot, tokenSource } = connected;
  try {
    if (!bot.username)
      return fail(
        ui,
        doc,
        { message: 'the bot has no @username, so it has no t.me link', fix: 'give it one with @BotFather (/mybots → Edit Bot), or use `herald chat-id`' },
        false,
      );
    doc.bot = { id: bot.id, username: bot.username };
    // 16 URL-safe characters (96 random bits): unguessable, and within Telegram's 64-character start parameter.
    const startToken = randomBytes(12).toString('base64url');
    doc.link = `https://t.me/${bot.username}?start=${startToken}`;
    doc.groupLink = `https://t.me/${bot.username}?startgroup=${startToken}`;
    ui.info(PENDING_UPDATES_NOTE);
    ui.info(`Open this link in Telegram and press Start:`);
    ui.info(`  ${doc.link}`);
    ui.info(`For a group: ${doc.groupLink}`);
    ui.info(`Waiting up to ${Math.round(timeoutMs / 100) / 10} s… (Ctrl-C stops)`);
    ui.spin(`waiting for /start from the link…`);

    let found: SeenChat | undefined;
    const deadline = Date.now() + timeoutMs;
    const end = await pollUpdates(api, {
      signal: ctx.signal,
      deadline: () => deadline,
      deleteWebhook: values['delete-webhook'] === true,
      onWebhookDeleted: (host) =>
        ui.info(`Deleted the bot's webhook (it pointed to ${host}) so getUpdates works; set it again when your bot runs with webhooks.`),
      onUpdates: (updates) => {
        const hit = updates.find((u) => isStart(u, startToken));
        found = hit ? chatOfUpdate(hit) : undefined;
        return found !== undefined;
      },
    });
    ui.stopSpinner();
    if (end.kind === 'interrupted') return fail(ui, doc, { message: 'interrupted; nothing was written' }, true);
    if (end.kind === 'failed') return fail(ui, doc, explainPollFailure(end.failure, tokenSource, 'link'), false);
    if (!found) {
      return fail(
        ui,
        doc,
        {
          message: `nobody pressed Start on the link within ${Math.round(timeoutMs / 100) / 10} s`,
          fix: 'run `herald link` again and open the new link (each run makes a new one) in the Telegram app where the chat is; --timeout gives more time',
        },
        false,
      );
    }
    const { via: _via, updateId: _updateId, removed: _removed, ...chat } = found;
    doc.chat = chat;

    try {
      const reply = await api.sendMessage(found.id, SUBSCRIBED_TEXT, ctx.signal);
      doc.replied = reply.ok;
      if (!reply.ok) ui.warn(`herald link: could not reply in the chat: ${explainTelegramFailure(reply, tokenSource, 'link').message}`);
    } catch (err) {
      if (ctx.signal.aborted) return fail(ui, doc, { message: 'interrupted; nothing was written' }, true);
      ui.warn(`herald link: could not reply in the chat: ${err instanceof TelegramUnreachableError ? err.message : String(err)}`);
    }
    ui.say(`${ui.color.green('Subscribed:')} chat ${ui.color.bold(found.id)} (${describeChat(found)})`);

    return await finishChat('link', ui, doc, { chatId: found.id, write: values.write, variable, bot: connected, loaded, signal: ctx.signal });
  } finally {
    await api.close();
  }
}
