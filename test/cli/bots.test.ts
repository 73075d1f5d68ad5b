/** The `herald` command with bot tokens: doctor without posting, test every channel, send's dry run by tags. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DISCORD_BOT, json, runCli, SLACK_BOT, useCliFixture } from './harness.js';

const fixture = useCliFixture();
const D = { general: '1300000000000000001', alerts: '1300000000000000002', ema: '1300000000000000003' };

async function botsEnv(extra: string[] = []): Promise<void> {
  const s = fixture.server;
  s.addSlackChannel({ id: 'C0GENERAL01', name: 'general' });
  s.addSlackChannel({ id: 'C0ALERTS001', name: 'alerts' });
  for (const [name, id] of Object.entries(D)) s.addDiscordChannel({ id, name });
  await writeFile(
    join(fixture.cwd, '.env'),
    [
      `SLACK_API_BASE_URL=${s.slackApiBaseUrl}`,
      `SLACK_BOT_TOKEN=${SLACK_BOT}`,
      'SLACK_DEFAULT_CHANNEL=general',
      'SLACK_CHANNEL_MAPPING=error=alerts,ema-cross=ema',
      `DISCORD_API_BASE_URL=${s.discordApiBaseUrl}`,
      `DISCORD_BOT_TOKEN=${DISCORD_BOT}`,
      `DISCORD_DEFAULT_CHANNEL="${D.general}"`,
      `DISCORD_CHANNEL_MAPPING=error=${D.alerts},ema-cross=${D.ema}`,
      ...extra,
      '',
    ].join('\n'),
  );
}

describe('herald doctor with bots', () => {
  it('reports each bot and each mapped channel without posting: a missing channel, one the bot is not in, one it cannot see', async () => {
    await botsEnv();
    fixture.server.addSlackChannel({ id: 'C0ALERTS001', name: 'alerts', isMember: false });
    fixture.server.setSlackScopes(SLACK_BOT, ['chat:write', 'channels:read']);
    fixture.server.addDiscordChannel({ id: D.ema, name: 'ema', canView: false });
    const run = await runCli(['doctor'], { cwd: fixture.cwd });
    expect(run.code).toBe(1);
    const out = run.stdout;
    expect(out).toMatch(/ok +GENERAL Slack bot +bot @herald in Herald Sandbox \(scopes: chat:write, channels:read\)/);
    expect(out).toMatch(/ok +GENERAL Slack bot +#general \(default channel\): the bot is a member and can post/);
    expect(out).toMatch(
      /problem +GENERAL Slack bot +#alerts \(mapping error=alerts\): the bot is not a member — fix: invite it: type \/invite @your-bot in #alerts, or add the chat:write\.public scope/,
    );
    expect(out).toMatch(/problem +GENERAL Slack bot +#ema \(mapping ema-cross=ema\): not found — fix: check the name or id/);
    expect(out).toMatch(/ok +GENERAL Discord bot +bot @Herald Sandbox/);
    expect(out).toMatch(new RegExp(`ok +GENERAL Discord bot +#alerts \\(${D.alerts}, mapping error=${D.alerts}\\): the bot can see it`));
    expect(out).toMatch(
      new RegExp(`problem +GENERAL Discord bot +channel ${D.ema} \\(mapping ema-cross=${D.ema}\\): the bot cannot see it \\(Missing Access\\)`),
    );
    expect(fixture.server.messages).toHaveLength(0);
  });

  it('says what it could not check when the token may not read channels, and names a dead token', async () => {
    await botsEnv();
    fixture.server.setSlackScopes(SLACK_BOT, ['chat:write']);
    fixture.server.revokeDiscordBotToken(DISCORD_BOT);
    const run = await runCli(['doctor', '--json'], { cwd: fixture.cwd });
    expect(run.code).toBe(1);
    const doc = json(run) as {
      destinations: { platform: string; status: string; checked: boolean; summary: string; channel?: { name: string; via: string }; fix?: string }[];
    };
    const slack = doc.destinations.filter((d) => d.platform === 'slack');
    expect(slack.map((d) => [d.status, d.checked, d.channel?.via ?? 'bot'])).toEqual([
      ['ok', true, 'bot'],
      ['ok', false, 'default channel'],
      ['ok', false, 'mapping error=alerts'],
      ['ok', false, 'mapping ema-cross=ema'],
    ]);
    expect(slack[1]!.summary).toContain('not checked: the token has neither channels:read nor groups:read');
    const discord = doc.destinations.filter((d) => d.platform === 'discord');
    expect(discord).toEqual([
      expect.objectContaining({
        status: 'problem',
        summary: expect.stringContaining('Discord answered 401 Unauthorized'),
        fix: expect.stringContaining('DISCORD_BOT_TOKEN'),
      }),
    ]);
  });
});

describe('herald test with bots', () => {
  it('sends a labelled test message to every channel of each bot', async () => {
    await botsEnv();
    fixture.server.addSlackChannel({ id: 'C0EMACROSS1', name: 'ema' });
    const run = await runCli(['test'], { cwd: fixture.cwd });
    expect(run.code).toBe(0);
    const got = fixture.server.messages.map((m) => `${m.platform} ${m.destination}`).sort();
    expect(got).toEqual(
      [`discord ${D.general}`, `discord ${D.alerts}`, `discord ${D.ema}`, 'slack C0ALERTS001', 'slack C0EMACROSS1', 'slack C0GENERAL01'].sort(),
    );
    expect(run.stdout).toMatch(/All 6 test messages delivered\./);
  });
});

describe('herald send with bots', () => {
  it('--dry-run --tag shows where it would go and which mapping entry decided', async () => {
    await botsEnv();
    const run = await runCli(['send', '--dry-run', '--json', '--tag', 'strategy=ema-cross', '--tag', 'event=order.filled', 'fill'], { cwd: fixture.cwd });
    expect(run.code).toBe(0);
    const doc = json(run) as { tags: unknown; results: { destination: string }[]; decisions: string[] };
    expect(doc.tags).toEqual({ strategy: 'ema-cross', event: 'order.filled' });
    expect(doc.results.map((r) => r.destination)).toEqual([`Discord bot MT… → channel ${D.ema}`, 'Slack bot xoxb-11… → #ema']);
    expect(doc.decisions).toEqual([`Discord bot MT…: mapping entry ema-cross=${D.ema}`, 'Slack bot xoxb-11…: mapping entry ema-cross=ema']);
    expect(fixture.server.messages).toHaveLength(0);
    const human = await runCli(['send', '--dry-run', '--error', 'boom'], { cwd: fixture.cwd });
    expect(human.stdout).toMatch(
      /Chosen by:\n {2}Discord bot MT…: mapping entry error=1300000000000000002\n {2}Slack bot xoxb-11…: mapping entry error=alerts/,
    );
  });

  it('a bad --tag is a usage error naming the keys', async () => {
    const run = await runCli(['send', '--dry-run', '--tag', 'colour=red', 'x'], { cwd: fixture.cwd });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--tag "colour=red": write KEY=VALUE with KEY one of event, strategy, symbol, exchange, mode');
  });

  it('--to a bot channel and a Telegram chat sends to both', async () => {
    await botsEnv([
      `TELEGRAM_API_BASE_URL=${fixture.server.url}`,
      'GENERAL_TELEGRAM_BOT_TOKEN=123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0',
      'GENERAL_TELEGRAM_BOT_CHAT_ID=42',
    ]);
    const run = await runCli(['send', '--to', `discord:${D.alerts} telegram:-1001234567890`, 'hello both'], { cwd: fixture.cwd });
    expect(run.code).toBe(0);
    expect(fixture.server.messages.map((m) => `${m.platform} ${m.destination} ${m.text}`)).toEqual([
      `discord ${D.alerts} hello both`,
      'telegram -1001234567890 hello both',
    ]);
  });
});
