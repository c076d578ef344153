import type { TierName } from '../config/schema.ts';
import { readText } from './probe.ts';
import { readCgroupChain, readCgroupPlacement, type CgroupPlacement } from './probes/cgroup.ts';
import { probeMemory } from './probes/memory.ts';
import type { PressureReading } from './monitor-decision.ts';
import type { TierPolicy } from './tier-policy.ts';
import { readDiskSpace } from './disk-space.ts';

/** Seed 000 §11: the most RAM nxs itself may hold in each tier. */
export const RSS_BUDGET_MB: Readonly<Record<TierName, number>> = { minimal: 512, standard: 1536, full: 3072 };

export interface PressureSources {
  root: string;
  dataDir: string;
  /** Resident set size of this process (process.memoryUsage().rss in production). */
  rss: () => number;
}

/**
 * Reads the box's memory pressure from the best source present, all of them
 * cheap file reads: cgroup v2 memory.events counters (high/max/oom grew since
 * last time), PSI (`some avg10`), available memory against the effective total,
 * and our own RSS against the tier's budget. Any one is enough to call it pressure.
 */
export class PressureReader {
  private placement: CgroupPlacement | null = null;
  private lastEvents: Map<string, number> | null = null;
  private readonly src: PressureSources;

  constructor(src: PressureSources) {
    this.src = src;
  }

  /** The cgroup v2 memory.events file, for fs.watch: the kernel signals it on every change. */
  async eventsFile(): Promise<string | null> {
    const placement = await this.where();
    if (placement.v2Path === null || placement.v1.has('memory')) return null;
    const p = placement.v2Path === '/' ? '' : placement.v2Path;
    const file = `/sys/fs/cgroup${p}/memory.events`;
    return (await readText(this.src.root, file)) === null ? null : file;
  }

  async read(tier: TierName, policy: TierPolicy): Promise<PressureReading> {
    const why: string[] = [];
    const placement = await this.where();
    const events = await readCgroupChain(this.src.root, placement, 'memory', 'memory.events');
    if (events?.version === 2 && events.values[0] !== undefined) {
      const now = parseCounters(events.values[0]);
      if (this.lastEvents) {
        const grew = ['oom_kill', 'oom', 'max', 'high'].filter((k) => (now.get(k) ?? 0) > (this.lastEvents!.get(k) ?? 0)).map((k) => `${k} +${(now.get(k) ?? 0) - (this.lastEvents!.get(k) ?? 0)}`);
        if (grew.length > 0) why.push(`cgroup memory.events ${grew.join(', ')}`);
      }
      this.lastEvents = now;
    }
    const psiFile = (await readCgroupChain(this.src.root, placement, 'memory', 'memory.pressure'))?.values[0] ?? (await readText(this.src.root, '/proc/pressure/memory'));
    const avg10 = psiFile ? Number(/^some\b.*\bavg10=([\d.]+)/m.exec(psiFile)?.[1]) : NaN;
    if (Number.isFinite(avg10) && avg10 >= policy.psiSomeAvg10Percent) why.push(`PSI some avg10=${avg10}% >= ${policy.psiSomeAvg10Percent}%`);
    try {
      const mem = await probeMemory({ root: this.src.root, env: {}, dataDir: this.src.dataDir });
      const pct = (mem.effectiveAvailableBytes / mem.effectiveTotalBytes) * 100;
      if (pct < policy.minAvailablePercent) why.push(`available memory ${pct.toFixed(1)}% < ${policy.minAvailablePercent}%`);
    } catch {
      // No meminfo: the other signals still count.
    }
    const rssMb = Math.round(this.src.rss() / 1048576);
    if (rssMb > RSS_BUDGET_MB[tier]) why.push(`resident ${rssMb} MiB > ${tier} budget ${RSS_BUDGET_MB[tier]} MiB`);

    let diskFreeBytes: number | null = null;
    try {
      diskFreeBytes = (await readDiskSpace(this.src.dataDir)).freeBytes;
    } catch {
      // The data folder vanished or its filesystem is gone: the store will say so louder.
    }
    return { memoryPressure: why.length > 0 ? why.join('; ') : null, diskFreeBytes };
  }

  private async where(): Promise<CgroupPlacement> {
    this.placement ??= await readCgroupPlacement(this.src.root);
    return this.placement;
  }
}

function parseCounters(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && Number.isFinite(Number(v))) m.set(k, Number(v));
  }
  return m;
}
