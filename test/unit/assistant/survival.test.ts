import { describe, expect, it } from 'vitest';
import { makeRig } from './support/rig.ts';
import type { FakeClock } from '../../helpers/fake-clock.ts';
import { probeDelay, admitsWork } from '../../../src/assistant/survival/backoff.ts';
import { readBootLog } from '../../../src/store/boot-records.ts';

const DOWN = { kind: 'status', status: 503 } as const;

describe('probeDelay', () => {
  it.each([
    [0, 5_000],
    [1, 10_000],
    [2, 20_000],
    [5, 160_000],
    [6, 300_000],
    [40, 300_000],
  ])('after %i failed probes waits %i ms', (n, ms) => {
    expect(probeDelay(n, 5_000, 300_000)).toBe(ms);
  });
});

describe('admitsWork', () => {
  it.each([
    [null, 100, 10_000, true],
    [1_000, 100, 10_000, true],
    [50, 100, 10_000, false],
    [50, 100, 1_000, true],
  ])('free %s floor %i size %i -> %s', (free, floor, size, ok) => {
    expect(admitsWork(free, floor, size)).toBe(ok);
  });
});

describe('survival mode (outage drill)', () => {
  it('defers while every provider is down, signals distress once, backs off to 5 min, then answers everything in order', async () => {
    await using rig = await makeRig();
    const clock = rig.ctx.clock as FakeClock;
    const distress: string[] = [];
    rig.assistant.setDistress(async (t) => (distress.push(t), 'test'));
    rig.fake.fallback = DOWN;
    const sent = [
      rig.assistant.receive({ conversationId: 'a', channel: 'http', text: 'a1' }),
      rig.assistant.receive({ conversationId: 'b', channel: 'http', text: 'b1' }),
      rig.assistant.receive({ conversationId: 'a', channel: 'http', text: 'a2' }),
      rig.assistant.receive({ conversationId: 'a', channel: 'http', text: 'a3' }),
    ];
    await rig.settle();
    expect(sent.map((m) => rig.assistant.get(m.id)!.status)).toEqual(['deferred', 'deferred', 'deferred', 'deferred']);
    // a2 and a3 wait behind a1 without asking a provider
    expect(new Set(rig.fake.requests.map((r) => r.body.messages.at(-1).content))).toEqual(new Set(['a1', 'b1']));
    const st = rig.assistant.status().survival as { active: boolean; next_probe_at: string };
    expect(st.active).toBe(true);
    expect(distress).toHaveLength(1);
    expect(readBootLog(rig.ctx.db, undefined)!.log).toContain('survival mode entered');

    // Probes back off: 5 s, 10 s, 20 s... never more than 5 min; one timer at a time.
    const waits: number[] = [];
    const n0 = rig.fake.requests.length;
    for (let i = 0; i < 8; i++) {
      const before = clock.now();
      const due = clock.nextDue!;
      waits.push(due - before);
      await clock.advance(due - before);
      await rig.settle();
    }
    expect(waits).toEqual([5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
    expect(distress).toHaveLength(1);
    // every probe asked about a1 only
    expect(new Set(rig.fake.requests.slice(n0).map((r) => r.body.messages.at(-1).content))).toEqual(new Set(['a1']));

    // A provider comes back: the next probe answers and the mode ends; the rest follow, in order.
    rig.fake.fallback = { kind: 'ok', content: 'back' };
    const n = rig.fake.requests.length;
    await clock.advance(clock.nextDue! - clock.now());
    await rig.settle();
    expect(sent.map((m) => rig.assistant.get(m.id)!.status)).toEqual(['answered', 'answered', 'answered', 'answered']);
    const order = rig.fake.requests.slice(n).map((r) => r.body.messages.at(-1).content as string);
    expect(order.filter((t) => t.startsWith('a'))).toEqual(['a1', 'a2', 'a3']);
    expect(order.sort()).toEqual(['a1', 'a2', 'a3', 'b1']);
    expect((rig.assistant.status().survival as { active: boolean }).active).toBe(false);
    expect(clock.pending).toBe(0);
    expect(readBootLog(rig.ctx.db, undefined)!.log).toContain('survival mode ended');
  });

  it('ends at once when the client reports a recovered provider, and uses cached answers meanwhile', async () => {
    await using rig = await makeRig();
    rig.fake.fallback = DOWN;
    rig.llm.cache.set('what is the wifi password?', 'It is on the fridge.');
    const first = rig.assistant.receive({ conversationId: 'x', channel: 'http', text: 'hello?' });
    const cached = rig.assistant.receive({ conversationId: 'y', channel: 'http', text: 'what is the wifi password?' });
    await rig.settle();
    expect(rig.assistant.get(first.id)!.status).toBe('deferred');
    expect(rig.assistant.get(cached.id)).toMatchObject({ status: 'answered', reply: 'It is on the fridge.', replyCached: true });
    expect((rig.assistant.status().survival as { active: boolean }).active).toBe(true);
    rig.fake.fallback = { kind: 'ok', content: 'hi there' };
    rig.llm.announceRecovery();
    await rig.settle();
    expect(rig.assistant.get(first.id)).toMatchObject({ status: 'answered', reply: 'hi there' });
    expect((rig.assistant.status().survival as { active: boolean }).active).toBe(false);
  });

  it('keeps deferred messages across a restart and answers them when providers return', async () => {
    await using rig = await makeRig();
    rig.fake.fallback = DOWN;
    const m = rig.assistant.receive({ conversationId: 'x', channel: 'http', text: 'still there?' });
    await rig.settle();
    expect(rig.assistant.get(m.id)!.status).toBe('deferred');
    await rig.restart();
    expect((rig.assistant.status().survival as { active: boolean }).active).toBe(true);
    rig.fake.fallback = { kind: 'ok', content: 'yes' };
    const clock = rig.ctx.clock as FakeClock;
    await clock.advance(clock.nextDue! - clock.now());
    await rig.settle();
    expect(rig.assistant.get(m.id)).toMatchObject({ status: 'answered', reply: 'yes' });
  });
});
