/**
 * `npm run example:relay`: starts Herald's relay on a free port on 127.0.0.1 with a token made
 * for this run, and posts to it what other bots send: a freqtrade entry and exit_fill (freqtrade's
 * webhook with the README's config, once as JSON and once form-encoded, its default), a
 * Jesse-style Discord post, and a TradingView alert. Each arrives as a Herald notification.
 *
 * The relay gets an explicit environment without destinations, so the notifications print on
 * the console whatever a `.env` here says, and nothing leaves this machine. Lines this script
 * prints itself start with `[example]`.
 */
import { randomBytes } from 'node:crypto';
import { createRelay } from '../src/index.js';

const token = randomBytes(24).toString('base64url');
const relay = createRelay({ token, env: {}, drainOnExit: false });

/** The freqtrade trade both messages are about, as freqtrade's `str.format` writes its values. */
const trade = { trade_id: '34', exchange: 'Binance', pair: 'BTC/USDT', direction: 'Long', order_type: 'limit', amount: '0.5', stake_currency: 'USDT' };

/** What each sender posts: a path under /t/<token>, a Content-Type and a body. */
const posts: { what: string; path: string; type: string; body: string }[] = [
  {
    what: 'freqtrade entry (JSON)',
    path: '/freqtrade?strategy=SampleStrategy',
    type: 'application/json',
    body: JSON.stringify({ type: 'entry', ...trade, open_rate: '64000.0', stake_amount: '32000.0', enter_tag: 'ema_cross' }),
  },
  {
    what: 'freqtrade exit_fill (form)',
    path: '/freqtrade?strategy=SampleStrategy',
    type: 'application/x-www-form-urlencoded',
    body: new URLSearchParams({
      type: 'exit_fill',
      ...trade,
      open_rate: '64210.5',
      close_rate: '66010.0',
      profit_amount: '899.75',
      profit_ratio: '0.0280237',
      exit_reason: 'roi',
      sub_trade: 'False',
      is_final_exit: 'True',
      close_date: '2024-05-02 08:30:00+00:00',
    }).toString(),
  },
  {
    // Jesse: requests.post(webhook, {'content': msg}), its underscores escaped for Markdown.
    what: 'Jesse-style Discord post',
    path: '/discord',
    type: 'application/x-www-form-urlencoded',
    body: new URLSearchParams({ content: 'OPENED long position for BTC-USDT: qty: 0.5, entry\\_price: 64210.5' }).toString(),
  },
  { what: 'TradingView alert', path: '/tradingview', type: 'text/plain; charset=utf-8', body: 'BTCUSDT crossed 66,000 on the 1h chart' },
];

try {
  const { url } = await relay.listen(0, '127.0.0.1');
  console.log(`[example] Herald relay listening on ${url} (a token made for this run); posting what other bots send:`);
  for (const p of posts) {
    console.log(`[example] ${p.what} → POST ${p.path.split('?')[0]}`);
    const res = await fetch(`${url}/t/${token}${p.path}`, { method: 'POST', headers: { 'Content-Type': p.type }, body: p.body });
    if (!res.ok) throw new Error(`the relay refused the ${p.what} with ${res.status}: ${await res.text()}`);
    // Its notification prints before the next post.
    await relay.notifier.flush();
  }
  await relay.close();
  console.log('[example] Done: the relay is closed.');
} catch (err) {
  console.error('[example] the relay example failed:', err);
  await relay.close().catch(() => undefined);
  process.exitCode = 1;
}
