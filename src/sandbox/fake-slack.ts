/**
 * Fake Slack incoming webhooks: `POST /services/:T/:B/:secret`, plain-text answers like
 * hooks.slack.com, a token bucket per webhook, the same Block Kit checks as the Web API.
 */
import { getOrCreate, safeDecode, TokenBucket } from './rate-window.js';
import { checkBlocks } from './slack-blocks.js';
import type { FakeLimits, InternalHandler, InternalPrepared, InternalReply, InternalRequest } from './types.js';

const ROUTE_RE = /^\/services\/([^/]+)\/([^/]+)\/([^/]+)\/?$/;

const slackText = (status: number, text: string, headers?: Record<string, string>): InternalReply => ({
  status,
  body: text,
  ...(headers ? { headers } : {}),
  ...(status >= 400 ? { detail: text } : {}),
});

/**
 * Normalise what a caller may pass for a webhook — full URL, `/services/T/B/X`, `T/B/X` or
 * `T/B` — to the `T/B` destination key.
 */
export function slackDestination(path: string): string {
  const parts = path
    .replace(/^https?:\/\/[^/]+/, '')
    .replace(/^\/?services\//, '')
    .split('/')
    .filter((p) => p !== '');
  return parts.slice(0, 2).join('/');
}

/** Parse a webhook body: JSON, or the form field `payload=<json>` Slack also accepts. */
function readPayload(req: InternalRequest): Record<string, unknown> | undefined {
  let text = req.raw.toString('utf8');
  const type = String(req.headers['content-type'] ?? '').toLowerCase();
  if (type.includes('x-www-form-urlencoded')) {
    const payload = new URLSearchParams(text).get('payload');
    if (payload === null) return undefined;
    text = payload;
  }
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The Slack part of the fake server. */
export class FakeSlack implements InternalHandler {
  readonly platform = 'slack' as const;
  readonly via = 'webhook' as const;

  private archived = new Set<string>();
  private buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly clock: () => number,
    private readonly limits: FakeLimits,
  ) {}

  owns(pathname: string): boolean {
    return pathname.startsWith('/services/');
  }

  prepare(req: InternalRequest): InternalPrepared {
    const m = ROUTE_RE.exec(req.url.pathname);
    if (!m) return { destination: '', method: req.method, run: () => slackText(404, 'no_service') };
    const destination = `${safeDecode(m[1]!)}/${safeDecode(m[2]!)}`;
    return { destination, method: req.method, run: () => this.run(req, destination) };
  }

  private run(req: InternalRequest, destination: string): InternalReply {
    if (req.method !== 'POST') return slackText(405, 'invalid_method');
    if (this.archived.has(destination)) return slackText(410, 'channel_is_archived');

    // The webhook is charged before the payload is read: bad posts count against the rate too.
    const now = this.clock();
    const { burst, perSecond } = this.limits.slackPerWebhook;
    const bucket = getOrCreate(this.buckets, destination, () => new TokenBucket(burst, perSecond, now));
    const wait = bucket.waitMs(now);
    if (wait > 0) {
      const retryAfter = Number.isFinite(wait) ? Math.max(1, Math.ceil(wait / 1000)) : 2_147_483;
      return slackText(429, 'rate_limited', { 'retry-after': String(retryAfter) });
    }
    bucket.take(now);

    const payload = readPayload(req);
    if (!payload) return slackText(400, 'invalid_payload');
    const checked = checkBlocks(payload['blocks']);
    if (!checked.ok) return slackText(400, checked.error);
    const blocks = checked.blocks;
    if (blocks !== undefined) payload['blocks'] = blocks; // recorded parsed, as the Web API does
    const attachments = payload['attachments'];
    if (Array.isArray(attachments) && attachments.length > 100) return slackText(400, 'too_many_attachments');
    const text = typeof payload['text'] === 'string' ? payload['text'] : '';
    // Slack accepts a blocks- or attachments-only message (text is then only the fallback).
    const hasRich = (blocks !== undefined && blocks.length > 0) || (Array.isArray(attachments) && attachments.length > 0);
    if (text.trim() === '' && !hasRich) return slackText(400, 'no_text');
    // A webhook cannot tell its caller a message's ts, so thread_ts is only checked for shape.
    const threadTs = payload['thread_ts'] === '' ? undefined : payload['thread_ts'];
    if (threadTs !== undefined && (typeof threadTs !== 'string' || !/^\d+\.\d+$/.test(threadTs))) return slackText(400, 'invalid_payload');
    return {
      ...slackText(200, 'ok'),
      accepted: { destination, text, silent: false, ...(typeof threadTs === 'string' ? { thread: threadTs } : {}), body: payload },
    };
  }

  /** See {@link FakePlatformServer.archiveSlackChannel}. */
  archive(path: string): void {
    this.archived.add(slackDestination(path));
  }

  reset(): void {
    this.archived.clear();
    this.buckets.clear();
  }

  shutdown(): void {}
}
