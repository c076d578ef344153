// Drill "network cut": the route to every provider goes away mid-traffic, then comes back. Messages
// sent meanwhile must be accepted (deferred, survival mode), and all answered after, in order.
// Seed 000 §8.1, "Network partition": queue messages, retry with backoff; recovery "variable".
import path from 'node:path';
import { startFakeProvider } from '../../test/helpers/fake-provider.ts';
import { CutRelay } from '../lib/cut-relay.ts';
import { baseConfig, remoteProvider, startHost, tempDir } from '../lib/drill-host.ts';
import { Ledger, lostNotes } from '../lib/message-client.ts';
import { orderBroken, orderKept, sleepMs, stampArrivals, Traffic, type DrillOptions } from '../lib/drill-traffic.ts';
import { SEED_TARGETS, type DrillResult } from './report.ts';

export async function networkCutDrill(o: DrillOptions): Promise<DrillResult> {
  const fakes = [await startFakeProvider({ name: 'primary' }), await startFakeProvider({ name: 'secondary' })];
  fakes.forEach(stampArrivals);
  const relays = fakes.map((f) => new CutRelay(f.url));
  for (const r of relays) await r.listen();
  const dir = tempDir('nxs-drill-net-');
  const host = await startHost({
    home: o.home,
    dataDir: path.join(dir, 'data'),
    config: baseConfig(fakes.map((f, i) => remoteProvider(f.name, relays[i]!.url(f.url)))),
  });
  const ledger = new Ledger();
  const traffic = new Traffic(ledger, { url: () => host.url, conversations: ['net-a', 'net-b'], gapMs: 200, label: 'net' }).start();
  try {
    await sleepMs(o.short ? 1000 : 3000);
    o.say('network-cut: both providers\' ports dropped');
    const faultAt = performance.now();
    for (const r of relays) await r.cut();
    const detected = host.waitLog((l) => l.msg.startsWith('every LLM provider failed')).then(() => performance.now());
    const survival = host.waitLog((l) => /survival/i.test(l.msg) && !/ended/.test(l.msg), 60_000).then(() => true, () => false);
    await sleepMs(o.short ? 3000 : 15_000);
    o.say('network-cut: the ports are back');
    for (const r of relays) await r.restore();
    const liftedAt = performance.now();
    await sleepMs(o.short ? 500 : 2000);
    await traffic.stop(300_000);
    const during = ledger.accepted().filter((s) => s.acceptedAt! >= faultAt && s.acceptedAt! <= liftedAt);
    const allAnsweredAt = Math.max(...during.map((s) => s.doneAt ?? Infinity));
    const firstAnsweredAt = Math.min(...during.map((s) => s.doneAt ?? Infinity));
    const ended = await host.waitLog((l) => /survival mode ended|recovery probe: provider answers again/.test(l.msg), 5000).then(() => true, () => false);
    return {
      name: 'network-cut',
      fault: 'every provider\'s port dropped (a TCP relay in front of each loopback fake stops listening and resets its connections: what a REJECT rule gives; no iptables/nft here), then restored',
      seed: SEED_TARGETS.networkPartition,
      detectionMs: (await detected) - faultAt,
      recoveryMs: allAnsweredAt - liftedAt,
      recoveryMeans: `network back -> every message accepted during the cut answered (first after ${Math.round(firstAnsweredAt - liftedAt)} ms)`,
      acceptedDuringFault: during.length,
      accepted: ledger.accepted().length,
      lost: ledger.lost().length,
      inOrder: orderKept(ledger, fakes, 'net'),
      checks: {
        'messages were accepted during the cut': during.length > 0,
        'messages sent during the cut were deferred (not failed)': during.some((s) => s.deferredAt !== null),
        'survival mode announced': await survival,
        'recovery noticed (log line)': ended,
      },
      notes: [
        ...lostNotes(ledger),
        ...[orderBroken(ledger, fakes, 'net')].filter((x) => x !== null).map((x) => `order: ${x}`),
        `refused during the cut: ${ledger.sent.filter((s) => s.acceptedAt === null && s.postedAt >= faultAt && s.postedAt <= liftedAt).length}`,
        'recovery waits for survival mode\'s probe (5 s doubling, assistant.survival.retry_base_ms) or the client\'s recovery probe (1 s doubling): the time depends on how long the cut lasted',
      ],
      findings: [],
    };
  } finally {
    traffic.pause();
    await host.stop();
    for (const r of relays) await r.close();
    for (const f of fakes) await f.close();
  }
}
