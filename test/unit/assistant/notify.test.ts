import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { startWebhookReceiver } from './support/webhook-receiver.ts';
import { startAssistantHost } from './support/host.ts';
import { makeRig } from './support/rig.ts';
import { sendDistress } from '../../../src/assistant/survival/distress.ts';
import { WebhookChannel } from '../../../src/assistant/channels/webhook-channel.ts';
import { FileChannel } from '../../../src/assistant/channels/file-channel.ts';
import { decidePrompt, PROMPT_QUEUE, startPromptQueue, type ScheduledPrompt } from '../../../src/assistant/scheduled-prompts.ts';
import { parseAssistant } from '../../../src/assistant/config.ts';
import { ConfigCheck } from '../../../src/config/check.ts';
import type { Channel } from '../../../src/assistant/channels/channel.ts';

describe('distress signal', () => {
  it('goes out on the first channel that works: webhook, then telegram, then a file, then the log', async () => {
    await using rig = await makeRig();
    await using hook = await startWebhookReceiver();
    const files = new FileChannel({ dir: rig.ctx.config.dataDir, clock: rig.ctx.clock, log: rig.ctx.log, receive: (m) => rig.assistant.receive(m), maxBytes: 1000 });
    const deadTelegram: Channel = { name: 'telegram', deliver: async () => {}, notify: async () => { throw new Error('telegram unreachable'); } };
    const webhook = new WebhookChannel([{ url: hook.url, events: [] }]);
    expect(await sendDistress('help 1', [webhook, deadTelegram, files], rig.ctx.log)).toBe('webhook');
    expect(hook.got).toEqual([{ event: 'distress', text: 'help 1' }]);
    hook.status = 500;
    expect(await sendDistress('help 2', [webhook, deadTelegram, files], rig.ctx.log)).toBe('files');
    const outbox = path.join(rig.ctx.config.dataDir, 'outbox');
    expect(readFileSync(path.join(outbox, readdirSync(outbox)[0]!), 'utf8')).toBe('help 2\n');
    expect(await sendDistress('help 3', [undefined, deadTelegram], rig.ctx.log)).toBe('log');
    expect(rig.ctx.logLines.some((l) => l.includes('DISTRESS: help 3'))).toBe(true);
  });
});

describe('webhook notifications', () => {
  it('posts survival-mode changes and the distress signal to the configured webhook', async () => {
    await using hook = await startWebhookReceiver();
    await using h = await startAssistantHost({ assistant: { webhooks: [{ url: hook.url }] } });
    h.fake.fallback = { kind: 'status', status: 503 };
    const got = new Promise<void>((resolve) => {
      const check = (): void => {
        if (hook.got.some((g) => g.event === 'assistant.survival') && hook.got.some((g) => g.event === 'distress')) resolve();
        else void hook.next().then(check);
      };
      check();
    });
    await h.host.api('/api/messages', { method: 'POST', json: { conversation_id: 'c', text: 'hello?' } });
    await got;
    expect(hook.got.find((g) => g.event === 'assistant.survival')).toMatchObject({ data: { active: true } });
    expect(hook.got.find((g) => g.event === 'distress').text).toMatch(/survival mode/);
  });
});

describe('scheduled prompts', () => {
  const base: ScheduledPrompt = { name: 'daily', prompt: 'Summarise the day', channel: 'files', scheduled_for: 1_000_000 };
  it.each([
    ['on time', base, 1_000_500, false, true],
    ['late, run-once (default)', base, 1_000_000 + 86_400_000, false, true],
    ['late past max lateness, skip', { ...base, missed: 'skip' as const, max_lateness_ms: 60_000 }, 1_000_000 + 120_000, false, false],
    ['late within max lateness, skip', { ...base, missed: 'skip' as const, max_lateness_ms: 60_000 }, 1_000_000 + 30_000, false, true],
    ['non-essential in survival mode', base, 1_000_500, true, false],
    ['essential heartbeat in survival mode', { ...base, essential: true }, 1_000_500, true, true],
  ])('%s', (_n, p, now, survival, run) => {
    expect(decidePrompt(p, now, survival).run).toBe(run);
  });

  it('turns an assistant.prompt job into a message answered to the named channel, once per slot', async () => {
    await using rig = await makeRig({ assistant: { files: { enabled: true } } });
    const files = new FileChannel({ dir: rig.ctx.config.dataDir, clock: rig.ctx.clock, log: rig.ctx.log, receive: (m) => rig.assistant.receive(m), maxBytes: 1000 });
    rig.assistant.addChannel(files);
    const stop = startPromptQueue(rig.ctx, rig.queue, rig.assistant, rig.ctx.config.assistant);
    rig.fake.script({ kind: 'ok', content: 'All quiet today.' });
    const slot = rig.ctx.clock.now();
    rig.queue.enqueue({ queue: PROMPT_QUEUE, payload: { ...base, scheduled_for: slot } });
    rig.queue.enqueue({ queue: PROMPT_QUEUE, payload: { ...base, scheduled_for: slot } });
    await rig.settle();
    stop();
    const day = new Date(slot).toISOString().slice(0, 10);
    expect(readFileSync(path.join(files.outbox, `daily-${day}.reply.md`), 'utf8')).toBe('All quiet today.\n');
    expect(rig.fake.requests).toHaveLength(1);
  });
});

describe('assistant config', () => {
  const check = new ConfigCheck(new Map([['assistant', '/etc/nxs.yaml']]));
  it('has sensible defaults', () => {
    const c = parseAssistant(undefined, check);
    expect(c).toMatchObject({ enabled: true, mainConversation: 'main', historyMessages: 20, groupTrigger: '@nxs', survival: { retryMaxMs: 300_000 } });
    expect(c.tools).toEqual({ enabled: true, agent: 'assistant', capabilities: ['ACCESS_FS', 'ACCESS_NET', 'ACCESS_IO'], maxRounds: 4 });
  });
  it.each([
    [{ history_messages: -1 }, /assistant.history_messages must be an integer from 0 to 500; got -1/],
    [{ telegram: { api_base: 'ftp://x' } }, /assistant.telegram.api_base must be an http/],
    [{ conversations: { team: { trust: 'root' } } }, /assistant.conversations.team.trust must be one of main, member/],
    [{ conversations: { team: { trigger: '/[unclosed/' } } }, /a valid \/regex\/flags/],
    [{ backup: { destinations: [{ git: 'x', folder: 'y' }] } }, /exactly one of git/],
    [{ tools: { capabilities: ['ACCESS_FS', 'ROOT'] } }, /assistant.tools.capabilities.1 must be one of SPAWN_AGENT, .*ADMIN; got "ROOT"/],
    [{ tools: { agent: 'my assistant' } }, /assistant.tools.agent must be an agent name/],
    [{ tools: { max_rounds: 0 } }, /assistant.tools.max_rounds must be an integer from 1 to 20; got 0/],
    [{ bogus: 1 }, /assistant.bogus must be one of the known keys/],
  ])('refuses %j naming the key and the expected form', (value, msg) => {
    expect(() => parseAssistant(value, check)).toThrow(msg);
  });
});
