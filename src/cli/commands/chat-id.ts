/**
 * `herald chat-id`: finds the chat id users otherwise dig out of a raw getUpdates page. It
 * long-polls getUpdates for the bot, lists every chat that writes to it or adds it (ids exactly
 * as Telegram sent them, minus sign and -100 included), resolves the "webhook is active"
 * conflict on request, and with --write stores the id in .env atomically.
 */
import { parseArgs } from 'node:util';
import type { Command, CommandContext } from '../command.js';
import { COMMON_HELP, COMMON_OPTIONS, maxPositionals, parsePosition, parseSeconds, parseUsage, parseVariableName } from '../args.js';
import { createUi, plural } from '../output.js';
import { chatFailure, finishChat, openBot } from '../chat-result.js';
import { chatOfUpdate, describeChat, pollUpdates, type SeenChat } from '../../channels/telegram-api.js';
import { explainPollFailure, PENDING_UPDATES_NOTE } from '../telegram-cli.js';

const DEFAULT_VARIABLE = 'GENERAL_TELEGRAM_BOT_CHAT_ID';
const fail = chatFailure('chat-id');

const HELP = `herald chat-id — find the chat id of a Telegram chat (and optionally write it to .env)

Usage: herald chat-id [--token T] [--timeout S] [--delete-webhook] [--write [--var NAME] [--pick N]]

Listens to the bot (GENERAL_TELEGRAM_BOT_TOKEN, or --token) with getUpdates and lists each chat
that writes to it or adds it: its id (negative for groups, -100… for supergroups and channels),
type, and title or @username. Send the bot any message, or add it to a group (in a group with
privacy mode on, adding it or sending /start is enough). It stops a moment after the first chat
shows up, or at --timeout.

Reading this bot's pending updates marks them as read: Telegram does not hand them out
again, so a program serving this bot would never see them. Do not run it on a bot another
program is serving: stop that program first (Telegram also allows one reader at a time).
It says so once before it starts listening (on stderr with --json).

Options:
  --token T         the bot token (default: the token variable paired with --var,
                    X_CHAT_ID → X_TOKEN, e.g. ERROR_TELEGRAM_BOT_TOKEN for
                    --var ERROR_TELEGRAM_BOT_CHAT_ID; GENERAL_TELEGRAM_BOT_TOKEN when that
                    is unset or --var has another shape)
  --timeout S       how long to wait for a chat (default 60)
  --grace S         after the first chat, keep listening this long for more (default 2)
  --delete-webhook  if the bot has a webhook (409 Conflict), delete it and go on
  --write           store the chat id in the env file (the most recent chat, or --pick N);
                    with --token, the token is stored too if its variable is not set yet
  --var NAME        variable to store it in (default ${DEFAULT_VARIABLE})
  --pick N          with several chats, take number N of the list instead of the most recent
${COMMON_HELP}

Exit codes: 0 a chat was found, 1 none within --timeout (or a problem: bad or revoked token,
unreachable API, webhook active), 2 bad usage, 130 interrupted (nothing written).

JSON (--json):
  { "ok": boolean,
    "bot": { "id": string, "username": string } | null,
    "chats": [ { "id": string, "type": string, "title"?: string, "username"?: string,
                 "name"?: string, "via": string, "updateId": number, "removed": boolean } ],
    "chosen": { "id": string, … } | null,
    "written": { "file": string, "variables": string[] } | null,
    "webhookDeleted": string | null,
    "error"?: { "message": string, "fix"?: string } }

Examples:
  herald chat-id
  herald chat-id --token 123456789:AAE… --write
  herald chat-id --write --var ERROR_TELEGRAM_BOT_CHAT_ID --env-file prod.env
  herald chat-id --delete-webhook --timeout 120`;

/** `herald chat-id`. */
export const chatIdCommand: Command = {
  name: 'chat-id',
  summary: 'list the chats that write to your bot (ids with the right minus sign); --write stores one in .env',
  help: HELP,
  run,
};

interface Doc {
  ok: boolean;
  bot: { id: string; username: string | undefined } | null;
  chats: SeenChat[];
  chosen: SeenChat | null;
  written: { file: string; variables: string[] } | null;
  webhookDeleted: string | null;
  error?: { message: string; fix?: string };
  interrupted?: boolean;
}

async function run(ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseUsage(() =>
    parseArgs({
      args: [...ctx.argv],
      options: {
        ...COMMON_OPTIONS,
        token: { type: 'string' },
        timeout: { type: 'string' },
        grace: { type: 'string' },
        'delete-webhook': { type: 'boolean' },
        write: { type: 'boolean' },
        var: { type: 'string' },
        pick: { type: 'string' },
      },
      allowPositionals: true,
      strict: true,
    }),
  );
  maxPositionals(positionals, 0, 'herald chat-id takes options only');
  const timeoutMs = parseSeconds(values.timeout, 'timeout', 60) * 1000;
  const graceMs = parseSeconds(values.grace, 'grace', 2) * 1000;
  const variable = parseVariableName(values.var, DEFAULT_VARIABLE);
  const pick = parsePosition(values.pick, 'pick');
  const ui = createUi(ctx, values);
  ui.addSecret(values.token?.trim());
  const doc: Doc = { ok: false, bot: null, chats: [], chosen: null, written: null, webhookDeleted: null };
  const opened = await openBot('chat-id', ctx, { envFile: values['env-file'], token: values.token, variable }, ui, doc, fail);
  if (typeof opened === 'number') return opened;
  const { loaded, connected } = opened;
  const { api, bot, tokenSource } = connected;
  const username = bot.username ?? bot.first_name ?? bot.id;
  doc.bot = { id: bot.id, username: bot.username };

  try {
    ui.info(PENDING_UPDATES_NOTE);
    ui.say(
      `Bot @${username}. Listening for up to ${Math.round(timeoutMs / 100) / 10} s: send any message to @${username} (https://t.me/${username}), or add it to a group. Ctrl-C stops.`,
    );
    ui.spin(`waiting for a chat to write to @${username}…`);
    const chats = new Map<string, SeenChat>();
    let deadline = Date.now() + timeoutMs;
    const end = await pollUpdates(api, {
      signal: ctx.signal,
      deadline: () => deadline,
      deleteWebhook: values['delete-webhook'] === true,
      onWebhookDeleted: (host) => {
        doc.webhookDeleted = host;
        ui.info(`Deleted the bot's webhook (it pointed to ${host}) so getUpdates works; set it again when your bot runs with webhooks.`);
      },
      onUpdates: (updates) => {
        for (const u of updates) {
          const chat = chatOfUpdate(u);
          if (!chat) continue;
          const known = chats.has(chat.id);
          // A later update replaces the earlier one (more recent, and says whether the bot is still
          // there) but keeps its place in the list, so --pick N matches the numbers printed.
          chats.set(chat.id, chat);
          if (!known) {
            ui.stopSpinner();
            ui.say(
              `  ${chats.size}. ${ui.color.bold(chat.id.padEnd(15))}  ${describeChat(chat)}${chat.removed ? ui.color.yellow('  (the bot was removed from it)') : ''}`,
            );
          }
        }
        if (chats.size > 0) deadline = Math.min(deadline, Date.now() + graceMs);
      },
    });
    ui.stopSpinner();
    doc.chats = [...chats.values()];
    if (end.kind === 'interrupted') return fail(ui, doc, { message: 'interrupted; nothing was written' }, true);
    if (end.kind === 'failed') return fail(ui, doc, explainPollFailure(end.failure, tokenSource, 'chat-id'), false);
    if (chats.size === 0) {
      return fail(
        ui,
        doc,
        {
          message: `no chat wrote to @${username} within ${Math.round(timeoutMs / 100) / 10} s`,
          fix: `send any message to @${username} (https://t.me/${username}) or add it to your group, then run \`herald chat-id\` again (with a longer --timeout if needed)`,
        },
        false,
      );
    }

    const listed = doc.chats;
    if (pick !== undefined && pick > listed.length) {
      return fail(ui, doc, { message: `--pick ${pick}, but only ${plural(listed.length, 'chat')} showed up`, fix: `use --pick 1…${listed.length}` }, false);
    }
    const present = listed.filter((c) => !c.removed);
    const mostRecent = (present.length ? present : listed).reduce((a, b) => (b.updateId > a.updateId ? b : a));
    const chosen = pick !== undefined ? listed[pick - 1]! : mostRecent;
    doc.chosen = chosen;
    if (listed.length > 1) {
      ui.say(
        pick !== undefined
          ? `Chose #${pick}: ${chosen.id} (${describeChat(chosen)}).`
          : `${plural(listed.length, 'chat')} found; the most recent is ${chosen.id} (${describeChat(chosen)}). Use --pick N for another.`,
      );
    }

    return await finishChat('chat-id', ui, doc, { chatId: chosen.id, write: values.write, variable, bot: connected, loaded, signal: ctx.signal });
  } finally {
    await api.close();
  }
}
