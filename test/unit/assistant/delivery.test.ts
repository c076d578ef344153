import { describe, expect, it } from 'vitest';
import { makeRig, type Rig } from './support/rig.ts';
import type { FakeClock } from '../../helpers/fake-clock.ts';
import type { Channel } from '../../../src/assistant/channels/channel.ts';
import { NxsError } from '../../../src/core/errors.ts';

/** A channel that records deliveries, or fails while `down`. */
function boxChannel(state: { down: boolean; got: string[] }): Channel {
  return {
    name: 'box',
    deliver: async (m, reply) => {
      if (state.down) throw new NxsError('NXS_ERR_CHANNEL_DOWN', 'box is unplugged');
      state.got.push(`${m.text} -> ${reply}`);
    },
  };
}

describe('delivery', () => {
  it('delivers on the channel the message came from, once', async () => {
    const box = { down: false, got: [] as string[] };
    await using rig = await makeRig({ withChannels: (r) => r.assistant.addChannel(boxChannel(box)) });
    rig.fake.script({ kind: 'ok', content: 'pong' });
    rig.assistant.receive({ conversationId: 'b', channel: 'box', text: 'ping' });
    await rig.settle();
    expect(box.got).toEqual(['ping -> pong']);
  });

  it('retries a channel that is down through the queue, reports it down, and re-delivers after a restart', async () => {
    const box = { down: true, got: [] as string[] };
    const downs: unknown[] = [];
    const alerts: unknown[] = [];
    await using rig: Rig = await makeRig({ assistant: { channel_down_after: 2 }, withChannels: (r) => r.assistant.addChannel(boxChannel(box)) });
    rig.ctx.events.on('channel.down', (e) => downs.push(e));
    rig.ctx.events.on('alert', (e) => alerts.push(e));
    const clock = rig.ctx.clock as FakeClock;
    rig.fake.script({ kind: 'ok', content: 'answer kept' });
    const m = rig.assistant.receive({ conversationId: 'b', channel: 'box', text: 'q' });
    await rig.settle();
    // The reply is stored before delivery is tried.
    expect(rig.assistant.get(m.id)).toMatchObject({ status: 'answered', reply: 'answer kept', delivery: 'pending' });
    await clock.advance(clock.nextDue! - clock.now());
    await rig.settle();
    expect(downs).toEqual([{ channel: 'box', failures: 2, error: 'box is unplugged' }]);
    expect(alerts).toContainEqual(expect.objectContaining({ code: 'NXS_ERR_CHANNEL_DOWN', severity: 'warning' }));
    // The host dies here; the box is plugged back in before it starts again.
    box.down = false;
    await rig.restart();
    await rig.settle();
    if (clock.nextDue !== undefined) await clock.advance(clock.nextDue - clock.now());
    await rig.settle();
    expect(box.got).toEqual(['q -> answer kept']);
    expect(rig.assistant.get(m.id)!.delivery).toBe('delivered');
    expect(rig.fake.requests).toHaveLength(1);
  });

  it('resumes a conversation interrupted by a restart: nothing lost, in order, with history', async () => {
    await using rig = await makeRig();
    rig.fake.script({ kind: 'ok', content: 'r1' });
    const m1 = rig.assistant.receive({ conversationId: 'c', channel: 'http', text: 'one' });
    await rig.settle();
    const m2 = rig.assistant.receive({ conversationId: 'c', channel: 'http', text: 'two' });
    const m3 = rig.assistant.receive({ conversationId: 'c', channel: 'http', text: 'three' });
    // Crash mid-answer: m2 was being answered when the process died.
    rig.assistant.store.setStatus(m2.id, 'answering');
    await rig.restart();
    rig.fake.script({ kind: 'ok', content: 'r2' }, { kind: 'ok', content: 'r3' });
    await rig.settle();
    expect([m1, m2, m3].map((m) => rig.assistant.get(m.id)!.reply)).toEqual(['r1', 'r2', 'r3']);
    const last = rig.fake.requests.at(-1)!.body.messages.filter((x: { role: string }) => x.role !== 'system').map((x: { content: string }) => x.content);
    expect(last).toEqual(['one', 'r1', 'two', 'r2', 'three']);
  });
});
