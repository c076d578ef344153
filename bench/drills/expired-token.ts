// Drill "expired token": the primary provider starts answering 401 while messages flow. nxs must
// skip it at once for the secondary (seed 000 §8.1: 5-10 s), lose nothing, and go back to the
// primary as soon as its key is rotated (a new key in PRIMARY_API_KEY_FILE, read within a second).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startFakeProvider } from '../../test/helpers/fake-provider.ts';
import { baseConfig, remoteProvider, startHost, tempDir } from '../lib/drill-host.ts';
import { Ledger, lostNotes } from '../lib/message-client.ts';
import { orderBroken, orderKept, sleepMs, stampArrivals, Traffic, type DrillOptions } from '../lib/drill-traffic.ts';
import { SEED_TARGETS, type DrillResult } from './report.ts';

const EXPIRED = { kind: 'status', status: 401, body: { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } } } as const;

export async function expiredTokenDrill(o: DrillOptions): Promise<DrillResult> {
  const primary = await startFakeProvider({ name: 'primary' });
  const secondary = await startFakeProvider({ name: 'secondary' });
  stampArrivals(primary);
  stampArrivals(secondary);
  const dir = tempDir('nxs-drill-token-');
  const keyFile = path.join(dir, 'primary.key');
  writeFileSync(keyFile, 'sk-primary-old-key-0123456789', { mode: 0o600 });
  const host = await startHost({
    home: o.home,
    dataDir: path.join(dir, 'data'),
    config: baseConfig([remoteProvider('primary', primary.url, { api_key: undefined, credential: { env: 'PRIMARY_API_KEY' } }), remoteProvider('secondary', secondary.url)]),
    env: { PRIMARY_API_KEY_FILE: keyFile },
  });
  const ledger = new Ledger();
  const traffic = new Traffic(ledger, { url: () => host.url, conversations: ['token-a', 'token-b'], gapMs: 100, label: 'token' }).start();
  const phase = o.short ? 1000 : 3000;
  try {
    await sleepMs(phase);
    o.say('expired-token: the primary now answers 401');
    primary.fallback = EXPIRED;
    const faultAt = performance.now();
    const firstRefused = primary.nextRequest().then(() => performance.now());
    const logged = host.waitLog((l) => l.msg.includes('refused its credential')).then(() => performance.now());
    const refusedAt = await firstRefused;
    // The first message the primary refused: answered once the secondary has answered it.
    const refusedN = Number(/#(\d+)/.exec(JSON.stringify(primary.requests.at(-1)?.body?.messages?.at(-1)?.content ?? ''))?.[1]);
    await sleepMs(phase);
    o.say('expired-token: the key is rotated (new key in PRIMARY_API_KEY_FILE)');
    writeFileSync(keyFile, 'sk-primary-new-key-9876543210');
    primary.fallback = { kind: 'ok' };
    const rotatedAt = performance.now();
    const backOnPrimary = waitForOk(primary).then(() => performance.now());
    const liftedAt = performance.now();
    const back = await Promise.race([backOnPrimary, sleepMs(o.short ? 10_000 : 30_000).then(() => null)]);
    await sleepMs(o.short ? 300 : 1000);
    await traffic.stop();
    const refusedMsg = ledger.sent.find((s) => s.n === refusedN);
    const afterRotation = primary.requests.filter((r) => ((r as { at?: number }).at ?? 0) > rotatedAt).length;
    return {
      name: 'expired-token',
      fault: 'primary provider answers 401 invalid_api_key mid-traffic (loopback fake), secondary healthy; then the key file is rotated',
      seed: SEED_TARGETS.expiredToken,
      detectionMs: (await logged) - faultAt,
      recoveryMs: refusedMsg?.doneAt ? refusedMsg.doneAt - refusedAt : null,
      recoveryMeans: 'first 401 served -> that message answered by the secondary',
      acceptedDuringFault: ledger.acceptedBetween(faultAt, liftedAt),
      accepted: ledger.accepted().length,
      lost: ledger.lost().length,
      inOrder: orderKept(ledger, [primary, secondary], 'token'),
      checks: {
        'the secondary answered during the fault': secondary.requests.length > 0,
        'the primary was asked once per message at most after the 401 (skipped, not retried)': primary.requests.filter((r) => r.step === 'status').length <= 2,
      },
      findings:
        back !== null && afterRotation > 0
          ? []
          : ['the primary is not used again after its key was rotated while traffic flows: every call re-arms the recovery probe (src/providers/recovery-probe.ts arm() clears the timer and sets it delayMs from now), so with a message more often than every second the probe never fires and the chain stays on the secondary'],
      notes: [
        ...lostNotes(ledger),
        ...[orderBroken(ledger, [primary, secondary], 'token')].filter((x) => x !== null).map((x) => `order: ${x}`),
        `primary back ${back === null ? `never (${o.short ? 10 : 30} s)` : `${Math.round(back - rotatedAt)} ms`} after the key file changed (credentials are re-read at most once a second)`,
        `primary refused ${primary.requests.filter((r) => r.step === 'status').length} request(s) in all; detection = fault set -> log line "refused its credential" (the next message after the fault)`,
      ],
    };
  } finally {
    traffic.pause();
    await host.stop();
    await primary.close();
    await secondary.close();
  }
}

/** Resolves at the first request the fake answers with its normal answer. */
async function waitForOk(fake: Awaited<ReturnType<typeof startFakeProvider>>): Promise<void> {
  for (;;) {
    const r = await fake.nextRequest();
    if (r.step === 'ok') return;
  }
}
