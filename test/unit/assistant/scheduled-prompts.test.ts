import { describe, expect, it } from 'vitest';
import { FakeClock, flushMicrotasks } from '../../helpers/fake-clock.ts';
import { startFullHost } from './support/full-host.ts';
import { startWebhookReceiver } from './support/webhook-receiver.ts';
import { Scheduler } from '../../../src/scheduler/scheduler.ts';

const H = 3_600_000;

describe('scheduled prompts: scheduler -> assistant.prompt -> answer -> channel', () => {
  it('runs on the fake clock, answers, delivers to the webhook, and applies the missed-run policy after downtime', async () => {
    await using hook = await startWebhookReceiver();
    const clock = new FakeClock();
    await using h = await startFullHost({ assistant: { webhooks: [{ url: hook.url, events: ['reply'] }] } }, { clock });
    const { host, fake } = h;
    const add = async (task: Record<string, unknown>) => expect((await host.api('/api/tasks', { method: 'POST', json: task })).status).toBe(201);
    await add({ name: 'heartbeat', every: '1h', queue: 'assistant.prompt', payload: { prompt: 'Heartbeat: anything to report?', channel: 'webhook', essential: true }, missed: 'once' });

    fake.script({ kind: 'ok', content: 'All quiet.' });
    const t0 = clock.now();
    let posted = hook.next();
    await clock.advance(H);
    expect(await posted).toEqual({ event: 'reply', conversation_id: 'schedule:heartbeat', message_id: expect.any(Number), prompt: 'Heartbeat: anything to report?', reply: 'All quiet.' });
    expect(fake.requests).toHaveLength(1);

    // A non-essential summary that must not run late, added now.
    await add({ name: 'summary', every: '1h', queue: 'assistant.prompt', payload: { prompt: 'Summarise the last hour', channel: 'webhook' }, missed: 'skip' });

    // The scheduler is down for five hours and a bit (host stopped); at its next start the policies apply:
    // heartbeat (once) runs one catch-up for its latest slot, summary (skip) runs none.
    host.parts.scheduler!.stop();
    clock.jump(5 * H + 60_000);
    fake.script({ kind: 'ok', content: 'Back: nothing happened while I was down.' });
    posted = hook.next();
    const next = new Scheduler(host.ctx, host.parts.queue!);
    try {
      next.start();
      const caught = await posted;
      expect(caught).toMatchObject({ conversation_id: 'schedule:heartbeat', reply: 'Back: nothing happened while I was down.' });
      for (let i = 0; i < 5; i++) {
        await host.parts.queue!.drain();
        await flushMicrotasks();
      }
      expect(hook.got).toHaveLength(2);
      expect(fake.requests).toHaveLength(2);
      const hb = next.runs('heartbeat');
      expect(hb.filter((r) => r.reason === 'scheduled').map((r) => r.due_at)).toEqual([t0 + 6 * H, t0 + H]);
      expect(next.runs('summary').every((r) => r.reason.startsWith('skipped'))).toBe(true);
      const summaries = host.ctx.db.prepare("SELECT count(*) AS n FROM assistant_messages WHERE conversation_id = 'schedule:summary'").get() as { n: number };
      expect(summaries.n).toBe(0);
      // The next slot is armed on the fake clock: one exact timer, no polling.
      expect(next.nextWake).toBe(t0 + 7 * H);
    } finally {
      next.stop();
    }
  });
});
