/**
 * `herald sandbox` without the command line: the fake platforms server with the live inbox on
 * the same origin, the sandbox chats made known to `getChat` and the bots' channels to the
 * Slack and Discord bot APIs (so `herald doctor` passes against it), and the environment that
 * points Herald at it.
 */
import { FakePlatformServer } from './fake-platforms.js';
import { Inbox } from './inbox/server.js';
import { SANDBOX_IDS, sandboxEnv, sandboxEnvLines, sandboxLabels, type SandboxEnv } from './sandbox-env.js';
import type { FakeLimits } from './types.js';

/** Options of {@link startSandbox}. */
export interface SandboxOptions {
  /** TCP port on 127.0.0.1; 0 or absent picks a free one. */
  port?: number;
  /** Overrides of the platforms' limits (defaults: the real ones). */
  limits?: Partial<FakeLimits>;
  /** SSE heartbeat interval of the inbox (ms). */
  heartbeatMs?: number;
  /** Messages and events the fake keeps, oldest dropped first (default unlimited; `herald sandbox` sets one). */
  maxHistory?: number;
}

/** A running sandbox. */
export interface Sandbox {
  readonly fake: FakePlatformServer;
  readonly inbox: Inbox;
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  readonly port: number;
  /** The inbox page, `http://127.0.0.1:PORT/`. */
  readonly inboxUrl: string;
  /** The variables that point Herald here. */
  readonly env: SandboxEnv;
  /** Ends the inbox streams and closes the server. Safe to call twice. */
  close(): Promise<void>;
}

/** Starts the sandbox on 127.0.0.1. Rejects with the listen error (e.g. EADDRINUSE). */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const fake = await FakePlatformServer.start({
    port: options.port ?? 0,
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.maxHistory !== undefined ? { maxHistory: options.maxHistory } : {}),
  });
  const url = fake.url;
  const env = sandboxEnv(url);
  fake.addChat({ id: SANDBOX_IDS.generalChatId, type: 'private', first_name: 'Sandbox', username: 'sandbox_user' });
  fake.addChat({ id: SANDBOX_IDS.errorChatId, type: 'supergroup', title: 'Sandbox errors' });
  for (const channel of Object.values(SANDBOX_IDS.slackChannels)) fake.addSlackChannel({ ...channel, isMember: true });
  for (const channel of Object.values(SANDBOX_IDS.discordChannels)) fake.addDiscordChannel({ ...channel, canView: true, canSend: true });
  const inbox = new Inbox(fake, {
    labels: sandboxLabels(),
    envLines: sandboxEnvLines(env),
    ...(options.heartbeatMs !== undefined ? { heartbeatMs: options.heartbeatMs } : {}),
  });
  let closing: Promise<void> | undefined;
  return {
    fake,
    inbox,
    url,
    port: Number(new URL(url).port),
    inboxUrl: `${url}/`,
    env,
    close() {
      closing ??= (async () => {
        inbox.close();
        await fake.close();
      })();
      return closing;
    },
  };
}
