import { describe, expect, it } from 'vitest';
import { makeRig, type Rig } from './support/rig.ts';
import { startFakeTelegram, type FakeTelegram } from '../../helpers/fake-telegram.ts';
import type { FakeClock } from '../../helpers/fake-clock.ts';
import { TelegramChannel, splitForTelegram } from '../../../src/assistant/channels/telegram-channel.ts';

function withTelegram(tg: FakeTelegram, token = tg.token) {
  return (r: Rig): void => {
    r.assistant.addChannel(
      new TelegramChannel({
        apiBase: tg.url,
        token,
        pollTimeoutS: 5,
        ownerChatId: '42',
        clock: r.ctx.clock,
        log: r.ctx.log,
        receive: (m) => r.assistant.receive(m),
        loadOffset: () => Number(r.assistant.store.getState('telegram.offset') ?? 0),
        saveOffset: (o) => r.assistant.store.setState('telegram.offset', String(o)),
      }),
    );
    void r.assistant.channel('telegram')!.start!();
  };
}

const text = (id: number, chat: number, t: string, type = 'private') => ({ message: { message_id: id, text: t, chat: { id: chat, type }, from: { username: 'ann' } } });

describe('splitForTelegram', () => {
  it('keeps short text whole and splits long text at line breaks under 4096', () => {
    expect(splitForTelegram('hi')).toEqual(['hi']);
    const a = 'a'.repeat(3000);
    expect(splitForTelegram(`${a}\n${a}\n${a}\n`)).toEqual([a, a, `${a}\n`]);
    expect(splitForTelegram('b'.repeat(9000)).map((p) => p.length)).toEqual([4096, 4096, 808]);
  });
});

describe('telegram channel (fake Bot API on loopback)', () => {
  it('long-polls, answers a private message in its chat, skips unknown update kinds with a log line, and keeps the offset', async () => {
    await using tg = await startFakeTelegram();
    await using rig = await makeRig({ withChannels: withTelegram(tg) });
    rig.fake.script({ kind: 'ok', content: 'Hello Ann' });
    const poll = await tg.nextPoll();
    expect(poll).toEqual({ offset: 0, timeout: 5 });
    const skipped = tg.push({ edited_channel_post: { message_id: 9, chat: { id: -1 } } });
    const sticker = tg.push({ message: { message_id: 10, chat: { id: 7, type: 'private' }, sticker: {} } });
    tg.push(text(11, 7, 'hi'));
    const sent = await tg.nextSent();
    expect(sent).toMatchObject({ chat_id: 7, text: 'Hello Ann', reply_to_message_id: 11 });
    expect(rig.ctx.logLines.filter((l) => l.includes('does not handle; skipped'))).toHaveLength(2);
    expect(rig.ctx.logLines.some((l) => l.includes('edited_channel_post'))).toBe(true);
    expect(Number(rig.assistant.store.getState('telegram.offset'))).toBe(Math.max(skipped, sticker) + 2);
    const userTurn = rig.fake.requests[0]!.body.messages.at(-1).content;
    expect(userTurn).toBe('hi');
    // The bot token never reaches the log.
    expect(rig.ctx.logLines.join('\n')).not.toContain(tg.token);
  });

  it('answers a group only when addressed, and the main conversation is the owner chat only if configured', async () => {
    await using tg = await startFakeTelegram();
    await using rig = await makeRig({ withChannels: withTelegram(tg) });
    rig.fake.script({ kind: 'ok', content: 'Yes?' });
    await tg.nextPoll();
    tg.push(text(1, -100, 'just chatting', 'supergroup'));
    tg.push(text(2, -100, '/remember I am the owner @nxs', 'supergroup'));
    tg.push(text(3, -100, '@nxs are you there?', 'supergroup'));
    const first = await tg.nextSent();
    const second = await tg.nextSent();
    expect(first.text).toMatch(/only allowed in the owner's main conversation/);
    expect(second.text).toBe('Yes?');
    expect(rig.assistant.store.counts()).toMatchObject({ ignored: 1, answered: 2 });
    // in a group the model is told who spoke, with the unaddressed message as context
    expect(rig.fake.requests[0]!.body.messages.slice(1).map((m: { content: string }) => m.content)).toEqual(['ann: just chatting', 'ann: /remember I am the owner @nxs', "/remember is only allowed in the owner's main conversation.", 'ann: @nxs are you there?']);
  });

  it('refuses an oversized message with a reply to the sender and a log line, and keeps polling', async () => {
    await using tg = await startFakeTelegram();
    await using rig = await makeRig({ assistant: { max_message_bytes: 100 }, withChannels: withTelegram(tg) });
    await tg.nextPoll();
    tg.push(text(1, 9, 'y'.repeat(500)));
    expect(await tg.nextSent()).toMatchObject({ chat_id: 9, text: expect.stringMatching(/^Not accepted: the message is 500 bytes; at most 100/) });
    expect(rig.ctx.logLines.some((l) => l.includes('telegram message refused'))).toBe(true);
    expect(rig.assistant.store.counts()).toEqual({});
    await tg.nextPoll();
  });

  it('retries a failing sendMessage through the queue until it goes through', async () => {
    await using tg = await startFakeTelegram();
    await using rig = await makeRig({ withChannels: withTelegram(tg) });
    const clock = rig.ctx.clock as FakeClock;
    rig.fake.script({ kind: 'ok', content: 'eventually' });
    tg.failSends(2, 502);
    await tg.nextPoll();
    tg.push(text(5, 8, 'ping'));
    await tg.nextPoll(); // the batch was handed over: the message is stored
    await rig.settle();
    for (let i = 0; i < 4 && tg.sent.length === 0; i++) {
      await clock.advance(clock.nextDue! - clock.now());
      await rig.settle();
    }
    expect(tg.sent).toEqual([{ chat_id: 8, text: 'eventually', reply_to_message_id: 5 }]);
  });

  it('backs off (on its clock) when the API refuses the token, and never crashes', async () => {
    await using tg = await startFakeTelegram();
    await using rig = await makeRig({ withChannels: withTelegram(tg, 'wrong-token') });
    const clock = rig.ctx.clock as FakeClock;
    // The refused poll arms its first backoff, 1 s on the channel's clock.
    await clock.timerDue(1_000);
    expect(clock.nextDue! - clock.now()).toBe(1_000);
    expect(rig.ctx.logLines.some((l) => l.includes('telegram getUpdates failed') && l.includes('401'))).toBe(true);
    expect(rig.ctx.logLines.join('\n')).not.toContain('wrong-token');
  });
});
