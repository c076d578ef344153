import { cpus, freemem, totalmem } from 'node:os';
import type { Clock, TimerHandle } from '../core/clock.ts';
import { readDiskSpace } from '../detect/disk-space.ts';

export interface ResourceReading {
  /** The whole box's CPU busy share since the previous reading (the first: since the box booted). */
  cpu_percent: number | null;
  memory_used_bytes: number;
  memory_total_bytes: number;
  disk_used_bytes: number | null;
  disk_total_bytes: number | null;
  rss_bytes: number;
}
export type ResourceSample = ResourceReading & { at: number };

const WINDOW_MS = 3_600_000;

/**
 * The box's CPU, memory and disk (the data folder's filesystem) over the last hour, for the
 * console's chart. One reading per resource-monitor interval of the tier (15 s full, 30 s standard,
 * 60 s minimal): the host already wakes that often, and an hour is then 60 to 240 points.
 */
export class ResourceHistory {
  private readonly list: ResourceSample[] = [];
  private timer: TimerHandle | null = null;
  private stopped = false;
  private readonly d: { clock: Clock; intervalMs: () => number; read: () => Promise<ResourceReading> };

  constructor(d: { clock: Clock; intervalMs: () => number; read: () => Promise<ResourceReading> }) {
    this.d = d;
  }

  start(): void {
    void this.take();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) this.d.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  samples(): readonly ResourceSample[] {
    const since = this.d.clock.now() - WINDOW_MS;
    while (this.list.length > 0 && this.list[0]!.at < since) this.list.shift();
    return this.list;
  }

  private async take(): Promise<void> {
    if (this.stopped) return;
    const reading = await this.d.read();
    if (this.stopped) return;
    this.list.push({ at: this.d.clock.now(), ...reading });
    this.samples();
    this.timer = this.d.clock.setTimeout(() => void this.take(), this.d.intervalMs());
    this.timer.unref();
  }
}

/** Reads the box: os counters for CPU and memory, the disk under `dataDir` (readDiskSpace). */
export function boxReader(dataDir: string): () => Promise<ResourceReading> {
  let last = { busy: 0, total: 0 };
  return async () => {
    let busy = 0;
    let total = 0;
    for (const c of cpus()) {
      const t = c.times;
      busy += t.user + t.nice + t.sys + t.irq;
      total += t.user + t.nice + t.sys + t.irq + t.idle;
    }
    const cpu = total > last.total ? Math.round(((busy - last.busy) / (total - last.total)) * 1000) / 10 : null;
    last = { busy, total };
    let disk: { used: number; total: number } | null = null;
    try {
      const space = await readDiskSpace(dataDir);
      disk = { used: space.usedBytes, total: space.totalBytes };
    } catch {
      // The data folder's filesystem is gone: the chart shows no disk line; the store says why, louder.
    }
    const memTotal = totalmem();
    return {
      cpu_percent: cpu,
      memory_used_bytes: memTotal - freemem(),
      memory_total_bytes: memTotal,
      disk_used_bytes: disk?.used ?? null,
      disk_total_bytes: disk?.total ?? null,
      rss_bytes: process.memoryUsage.rss(),
    };
  };
}
