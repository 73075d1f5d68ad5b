/**
 * What freqtrade's webhook sends, reproduced from its sources (freqtrade/freqtrade at c9ae5e1,
 * 2024-10): the messages are built by freqtradebot.py (`_notify_enter`, `_notify_enter_cancel`,
 * `_notify_exit`, `_notify_exit_cancel`, `handle_protections`, `notify_status`),
 * rpc_manager.py (`startup_messages`, `process_msg_queue`) and worker.py (the exception
 * status); rpc/webhook.py then fills each configured field with Python's `str.format(**msg)`,
 * so every value arrives as Python's `str()` of it (floats as repr, `None`, `True`, datetimes as
 * `2024-05-01 12:00:00.123456+00:00`), posted as a form (`requests.post(data=…)`) or JSON
 * (`json=…`). A field the config names but the message lacks is a KeyError there: freqtrade logs
 * it and sends nothing, so {@link freqtradeBody} throws the same way, which checks the README's
 * config against every message type.
 */

/** The `webhook` section the README gives to paste (the README test checks they are the same). */
export const FREQTRADE_WEBHOOK_CONFIG = {
  enabled: true,
  url: 'http://127.0.0.1:8788/t/<HERALD_RELAY_TOKEN>/freqtrade?strategy=SampleStrategy',
  format: 'json',
  allow_custom_messages: true,
  entry: {
    type: '{type}',
    trade_id: '{trade_id}',
    exchange: '{exchange}',
    pair: '{pair}',
    direction: '{direction}',
    order_type: '{order_type}',
    amount: '{amount}',
    open_rate: '{open_rate}',
    stake_amount: '{stake_amount}',
    stake_currency: '{stake_currency}',
    enter_tag: '{enter_tag}',
  },
  entry_fill: {
    type: '{type}',
    trade_id: '{trade_id}',
    exchange: '{exchange}',
    pair: '{pair}',
    direction: '{direction}',
    order_type: '{order_type}',
    amount: '{amount}',
    open_rate: '{open_rate}',
    stake_amount: '{stake_amount}',
    stake_currency: '{stake_currency}',
    enter_tag: '{enter_tag}',
    sub_trade: '{sub_trade}',
    open_date: '{open_date}',
  },
  entry_cancel: {
    type: '{type}',
    trade_id: '{trade_id}',
    exchange: '{exchange}',
    pair: '{pair}',
    direction: '{direction}',
    order_type: '{order_type}',
    amount: '{amount}',
    limit: '{limit}',
    reason: '{reason}',
  },
  exit: {
    type: '{type}',
    trade_id: '{trade_id}',
    exchange: '{exchange}',
    pair: '{pair}',
    direction: '{direction}',
    order_type: '{order_type}',
    amount: '{amount}',
    open_rate: '{open_rate}',
    order_rate: '{order_rate}',
    profit_amount: '{profit_amount}',
    profit_ratio: '{profit_ratio}',
    stake_currency: '{stake_currency}',
    exit_reason: '{exit_reason}',
  },
  exit_fill: {
    type: '{type}',
    trade_id: '{trade_id}',
    exchange: '{exchange}',
    pair: '{pair}',
    direction: '{direction}',
    order_type: '{order_type}',
    amount: '{amount}',
    open_rate: '{open_rate}',
    close_rate: '{close_rate}',
    profit_amount: '{profit_amount}',
    profit_ratio: '{profit_ratio}',
    stake_currency: '{stake_currency}',
    exit_reason: '{exit_reason}',
    sub_trade: '{sub_trade}',
    is_final_exit: '{is_final_exit}',
    close_date: '{close_date}',
  },
  exit_cancel: {
    type: '{type}',
    trade_id: '{trade_id}',
    exchange: '{exchange}',
    pair: '{pair}',
    direction: '{direction}',
    order_type: '{order_type}',
    amount: '{amount}',
    limit: '{limit}',
    profit_amount: '{profit_amount}',
    profit_ratio: '{profit_ratio}',
    exit_reason: '{exit_reason}',
    reason: '{reason}',
  },
  status: { type: '{type}', status: '{status}' },
  startup: { type: '{type}', status: '{status}' },
  warning: { type: '{type}', status: '{status}' },
  exception: { type: '{type}', status: '{status}' },
  protection_trigger: { type: '{type}', pair: '{pair}', side: '{side}', reason: '{reason}', lock_time: '{lock_time}', lock_end_time: '{lock_end_time}' },
  protection_trigger_global: { type: '{type}', pair: '{pair}', side: '{side}', reason: '{reason}', lock_time: '{lock_time}', lock_end_time: '{lock_end_time}' },
  strategy_msg: { type: '{type}', msg: '{msg}' },
} as const;

/** A freqtrade message as `str.format` sees it: each value already as Python's `str()` of it. */
export type FreqtradeMessage = Readonly<Record<string, string>>;

const tradeCommon = {
  trade_id: '34',
  buy_tag: 'ema_cross',
  enter_tag: 'ema_cross',
  exchange: 'Binance',
  pair: 'BTC/USDT',
  leverage: '1.0',
  direction: 'Long',
  stake_currency: 'USDT',
  base_currency: 'BTC',
  quote_currency: 'USDT',
  fiat_currency: 'USD',
} as const;

/** `_notify_enter` (fill=False). */
export const ENTRY: FreqtradeMessage = {
  ...tradeCommon,
  type: 'entry',
  limit: '64000.0',
  open_rate: '64000.0',
  order_type: 'limit',
  stake_amount: '32000.0',
  amount: '0.5',
  open_date: '2024-05-01 12:00:00.123456+00:00',
  current_rate: '64010.2',
  sub_trade: 'False',
};

/** `_notify_enter` (fill=True): the trade's first entry order filled. */
export const ENTRY_FILL: FreqtradeMessage = { ...ENTRY, type: 'entry_fill', limit: '64210.5', open_rate: '64210.5', stake_amount: '32105.25' };

/** `_notify_enter` (fill=True, sub_trade=True): an additional entry (position adjustment). */
export const ENTRY_FILL_ADDED: FreqtradeMessage = { ...ENTRY_FILL, amount: '0.25', open_rate: '63000.0', limit: '63000.0', sub_trade: 'True' };

/** `_notify_enter_cancel`: the open date is the trade's naive (UTC) datetime. */
export const ENTRY_CANCEL: FreqtradeMessage = { ...ENTRY, type: 'entry_cancel', open_date: '2024-05-01 12:00:00.123456', reason: 'cancelled due to timeout' };

const exitCommon = {
  ...tradeCommon,
  gain: 'profit',
  order_type: 'limit',
  amount: '0.5',
  open_rate: '64210.5',
  exit_reason: 'roi',
  open_date: '2024-05-01 12:00:00.123456+00:00',
  close_date: '2024-05-02 08:30:00+00:00',
  stake_amount: '32105.25',
  sub_trade: 'False',
} as const;

/** `_notify_exit` (fill=False): the exit order is placed; the trade is still open. */
export const EXIT: FreqtradeMessage = {
  ...exitCommon,
  type: 'exit',
  limit: '66010.0',
  order_rate: '66010.0',
  close_rate: '66010.0',
  current_rate: '66005.1',
  profit_amount: '899.75',
  profit_ratio: '0.0280237',
  cumulative_profit: '0.0',
  final_profit_ratio: 'None',
  is_final_exit: 'False',
};

/** `_notify_exit` (fill=True) from `order_close_notify`: sub_trade = trade.is_open, False for the last exit. */
export const EXIT_FILL: FreqtradeMessage = {
  ...EXIT,
  type: 'exit_fill',
  current_rate: 'None',
  cumulative_profit: '899.75',
  final_profit_ratio: '0.0280237',
  is_final_exit: 'True',
};

/** A partial exit fill (the trade stays open). */
export const EXIT_FILL_PARTIAL: FreqtradeMessage = {
  ...EXIT_FILL,
  amount: '0.2',
  profit_amount: '359.9',
  sub_trade: 'True',
  is_final_exit: 'False',
  final_profit_ratio: 'None',
};

/** A short trade closed at a loss. */
export const EXIT_FILL_SHORT_LOSS: FreqtradeMessage = {
  ...EXIT_FILL,
  direction: 'Short',
  gain: 'loss',
  pair: 'ETH/USDT:USDT',
  amount: '2.0',
  open_rate: '3000.0',
  close_rate: '3090.0',
  order_rate: '3090.0',
  limit: '3090.0',
  profit_amount: '-183.6',
  profit_ratio: '-0.0306',
};

/** `_notify_exit_cancel`. */
export const EXIT_CANCEL: FreqtradeMessage = {
  ...exitCommon,
  type: 'exit_cancel',
  limit: '66010.0',
  current_rate: '65990.0',
  profit_amount: '899.75',
  profit_ratio: '0.0280237',
  open_date: '2024-05-01 12:00:00.123456',
  close_date: '2024-05-02 08:30:00.000001',
  reason: 'cancelled due to timeout',
};

/** `notify_status('running')` (worker.py on start). */
export const STATUS: FreqtradeMessage = { type: 'status', status: 'running' };

/** The first of `startup_messages`: Telegram Markdown. */
export const STARTUP: FreqtradeMessage = {
  type: 'startup',
  status:
    "*Exchange:* `binance`\n*Stake per trade:* `100 USDT`\n*Minimum ROI:* `{'0': 0.04}`\n*Stoploss:* `-0.1`\n*Position adjustment:* `Off`\n*Timeframe:* `5m`\n*Strategy:* `SampleStrategy`",
};

/** `startup_messages` in dry-run. */
export const WARNING: FreqtradeMessage = { type: 'warning', status: 'Dry run is enabled. All trades are simulated.' };

/** worker.py `_process_running` on an OperationalException. */
export const EXCEPTION: FreqtradeMessage = {
  type: 'exception',
  status:
    '*OperationalException:*\n```\nTraceback (most recent call last):\n  File "/freqtrade/freqtrade/worker.py", line 198, in _process_running\nfreqtrade.exceptions.OperationalException: Invalid API-key, IP, or permissions for action.```\n Issue `/start` if you think it is safe to restart.',
};

/** `handle_protections`: `base_currency` plus PairLock.to_json(). */
export const PROTECTION: FreqtradeMessage = {
  type: 'protection_trigger',
  base_currency: 'BTC',
  id: '3',
  pair: 'BTC/USDT',
  lock_time: '2024-05-01 12:00:00',
  lock_timestamp: '1714564800000',
  lock_end_time: '2024-05-01 14:00:00',
  lock_end_timestamp: '1714572000000',
  reason: 'Stoploss Guard: 4 stoplosses in 60 min',
  side: 'long',
  active: 'True',
};

/** A global lock: pair `*`, side `*`, no base currency. */
export const PROTECTION_GLOBAL: FreqtradeMessage = {
  ...PROTECTION,
  type: 'protection_trigger_global',
  base_currency: '',
  id: '4',
  pair: '*',
  side: '*',
  reason: 'Max drawdown',
};

/** `process_msg_queue`: what a strategy sent with `self.dp.send_msg()`. */
export const STRATEGY_MSG: FreqtradeMessage = { type: 'strategy_msg', msg: 'RSI above 80 on ETH/USDT' };

/** One message of every type. */
export const EVERY_TYPE: readonly FreqtradeMessage[] = [
  ENTRY,
  ENTRY_FILL,
  ENTRY_CANCEL,
  EXIT,
  EXIT_FILL,
  EXIT_CANCEL,
  STATUS,
  STARTUP,
  WARNING,
  EXCEPTION,
  PROTECTION,
  PROTECTION_GLOBAL,
  STRATEGY_MSG,
];

/** What rpc/webhook.py posts for `message` with `config`: `{key: value.format(**msg)}`; a missing field throws like Python's KeyError. */
export function freqtradeBody(message: FreqtradeMessage, config: Record<string, unknown> = FREQTRADE_WEBHOOK_CONFIG): Record<string, string> {
  const fields = config[message.type!] as Record<string, string> | undefined;
  if (!fields) throw new Error(`the webhook config has no ${message.type} entry: freqtrade sends nothing`);
  return Object.fromEntries(
    Object.entries(fields).map(([key, template]) => [
      key,
      template.replace(/\{(\w+)\}/g, (_m, name: string) => {
        if (!(name in message)) throw new Error(`KeyError: '${name}' (freqtrade logs "Problem calling Webhook" and sends nothing for ${message.type})`);
        return message[name]!;
      }),
    ]),
  );
}
