// Drill "memory pressure": the host is moved into a memory cgroup whose limit is then lowered to
// leave it under 5% of room (tier_policy.min_available_percent), while messages flow. The tier must
// step down (the smaller profile applied without a restart), nothing may crash or be lost, and the
// tier must come back once the limit is lifted. Seed 000 §8.1, "Memory pressure": 5-15 s.
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startFakeProvider } from '../../test/helpers/fake-provider.ts';
import { baseConfig, remoteProvider, startHost, tempDir } from '../lib/drill-host.ts';
import { getJson, Ledger, lostNotes } from '../lib/message-client.ts';
import { orderBroken, orderKept, sleepMs, stampArrivals, Traffic, type DrillOptions } from '../lib/drill-traffic.ts';
import { SEED_TARGETS, type DrillResult } from './report.ts';

/** cgroup v1's memory controller (this machine's); v2 hosts use memory.max in the unified tree. */
const V1 = '/sys/fs/cgroup/memory';
const V2 = '/sys/fs/cgroup';

interface Cgroup {
  kind: 'v1' | 'v2';
  dir: string;
  usage(): number;
  limit(bytes: number | null): void;
  remove(): void;
}

function makeCgroup(name: string): Cgroup | null {
  const v1 = path.join(V1, name);
  if (existsSync(path.join(V1, 'memory.limit_in_bytes'))) {
    try {
      mkdirSync(v1);
      return {
        kind: 'v1',
        dir: v1,
        usage: () => Number(readFileSync(path.join(v1, 'memory.usage_in_bytes'), 'utf8')),
        limit: (b) => writeFileSync(path.join(v1, 'memory.limit_in_bytes'), b === null ? '-1' : String(b)),
        remove: () => rmdirSync(v1),
      };
    } catch {
      return null;
    }
  }
  const v2 = path.join(V2, name);
  if (existsSync(path.join(V2, 'cgroup.controllers'))) {
    try {
      mkdirSync(v2);
      return {
        kind: 'v2',
        dir: v2,
        usage: () => Number(readFileSync(path.join(v2, 'memory.current'), 'utf8')),
        limit: (b) => writeFileSync(path.join(v2, 'memory.max'), b === null ? 'max' : String(b)),
        remove: () => rmdirSync(v2),
      };
    } catch {
      return null;
    }
  }
  return null;
}

export async function memoryPressureDrill(o: DrillOptions): Promise<DrillResult> {
  const cg = makeCgroup(`nxs-drill-${process.pid}-${Date.now()}`);
  if (!cg) throw new Error('memory-pressure: cannot create a memory cgroup (needs root and a writable cgroupfs); no other pressure source is honest enough to time');
  const provider = await startFakeProvider({ name: 'primary' });
  stampArrivals(provider);
  const dir = tempDir('nxs-drill-mem-');
  const stepUpMs = o.short ? 2000 : 10_000;
  const host = await startHost({
    // A fresh NXS_HOME: the header unpacks the runtime inside the group, so its pages are charged there as
    // in a container started fresh. With the shared home those pages belong to an earlier drill's group,
    // the group holds only ~45 MiB, 4% of room is under 2 MiB, and the kernel's OOM killer ends the host
    // long before the monitor's next look (seen: SIGKILL; see docs/survival.md).
    home: tempDir('nxs-drill-mem-home-'),
    dataDir: path.join(dir, 'data'),
    config: baseConfig([remoteProvider('primary', provider.url)], { tier_policy: { step_up_after_ms: stepUpMs } }),
    cgroupProcs: path.join(cg.dir, 'cgroup.procs'),
  });
  const ledger = new Ledger();
  const traffic = new Traffic(ledger, { url: () => host.url, conversations: ['mem-a', 'mem-b'], gapMs: 250, label: 'mem' }).start();
  const findings: string[] = [];
  try {
    await sleepMs(o.short ? 1000 : 3000);
    const before = (await getJson(host.url, '/api/status')).tier as string;
    const faultAt = performance.now();
    // 4% of room left: under min_available_percent (5%), with enough slack that the kernel reclaims cache
    // rather than kill. A lower limit makes the kernel drop page cache, which frees room again: tighten
    // until the room left stays under 5%.
    let usage = cg.usage();
    let limit = 0;
    for (let i = 0; i < 8; i++) {
      limit = Math.ceil(usage / 0.96 / 4096) * 4096;
      cg.limit(limit);
      await sleepMs(200);
      usage = cg.usage();
      if ((limit - usage) / limit < 0.045) break;
    }
    o.say(`memory-pressure: ${cg.kind} limit ${Math.round(limit / 1048576)} MiB over ${Math.round(usage / 1048576)} MiB in use (tier ${before})`);
    // The host may not live to see it: a limit this tight can end in the kernel's OOM killer first.
    const died = host.exited.then((e) => {
      throw new Error(`the host died under the limit (${e.signal ?? `exit ${e.code}`}) before it reported pressure`);
    });
    const pressure = await Promise.race([host.waitLog((l) => l.msg === 'memory pressure', 120_000), died]);
    const detectedAt = performance.now();
    const down = await Promise.race([host.waitLog((l) => l.msg === 'tier changed' && l.from === before, 10_000), died]);
    const steppedAt = performance.now();
    const during = (await getJson(host.url, '/api/status')).tier as string;
    await sleepMs(o.short ? 500 : 2000);
    o.say('memory-pressure: limit lifted');
    cg.limit(null);
    const liftedAt = performance.now();
    const up = await host.waitLog((l) => l.msg === 'tier changed' && l.to === before && performance.now() > liftedAt, 180_000).then(() => performance.now(), () => null);
    await traffic.stop();
    const alive = host.child.exitCode === null && host.child.signalCode === null;
    if (detectedAt - faultAt > 1500)
      findings.push(`pressure seen ${Math.round((detectedAt - faultAt) / 1000)} s after the limit fell: on cgroup v1 (and for the available-memory and RSS signals on v2) the resource monitor only looks every monitorIntervalMs (30 s at standard, 60 s at minimal); only cgroup v2 memory.events wakes it at once (src/detect/monitor.ts)`);
    return {
      name: 'memory-pressure',
      fault: `host started in a ${cg.kind} memory cgroup (as in a container) whose limit is lowered to leave 4% room (below min_available_percent 5%), then lifted`,
      seed: SEED_TARGETS.memoryPressure,
      detectionMs: detectedAt - faultAt,
      recoveryMs: steppedAt - faultAt,
      recoveryMeans: `limit lowered -> tier stepped down (${before} -> ${String(down.to)}); back to ${before} ${up === null ? 'never' : `${Math.round(up - liftedAt)} ms`} after the limit was lifted (step_up_after_ms ${stepUpMs})`,
      acceptedDuringFault: ledger.acceptedBetween(faultAt, liftedAt),
      accepted: ledger.accepted().length,
      lost: ledger.lost().length,
      inOrder: orderKept(ledger, [provider], 'mem'),
      checks: {
        'the tier stepped down': during !== before,
        'the host did not crash': alive,
        'the tier came back after the limit was lifted': up !== null,
      },
      notes: [
        ...lostNotes(ledger),
        ...[orderBroken(ledger, [provider], 'mem')].filter((x) => x !== null).map((x) => `order: ${x}`),
        `pressure reading: ${String(pressure.detail)}`, `features at ${String(down.to)}: the smaller profile (src/detect/profile.ts) applied without a restart`],
      findings,
    };
  } finally {
    traffic.pause();
    await host.stop();
    await provider.close();
    try {
      cg.remove();
    } catch {
      // The group empties once the host's exit has been accounted; a leftover empty group is harmless.
    }
  }
}
