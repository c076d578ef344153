import { readdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { HostMetrics } from '../host-metrics.ts';
import { readNofileLimit } from '../../http/connection-guard.ts';

/**
 * Process and Node runtime figures, read when a scrape asks. The event-loop lag is sampled the
 * way prom-client does it: how late a callback queued as the scrape arrives runs. A standing
 * sampler (monitorEventLoopDelay) would wake an idle host every 10 ms, which nxs refuses.
 */
export function runtimeCollector(m: HostMetrics, fdDir = '/proc/self/fd'): () => Promise<void> {
  // The open-file limit is read once: nxs never changes it while running.
  const maxFds = readNofileLimit();
  if (maxFds !== null) m.maxFds.set([], maxFds);
  m.startTime.set([], Math.round(performance.timeOrigin) / 1000);
  return async () => {
    // First, before this scrape's own work: what is measured is the loop's backlog, not the scrape.
    const queued = performance.now();
    m.loopLag.set([], (await new Promise<number>((resolve) => setImmediate(() => resolve(performance.now() - queued)))) / 1000);
    const cpu = process.cpuUsage();
    m.cpuUser.advanceTo([], cpu.user / 1e6);
    m.cpuSystem.advanceTo([], cpu.system / 1e6);
    m.cpuTotal.advanceTo([], (cpu.user + cpu.system) / 1e6);
    const mem = process.memoryUsage();
    m.rss.set([], mem.rss);
    m.heapUsed.set([], mem.heapUsed);
    m.heapTotal.set([], mem.heapTotal);
    m.external.set([], mem.external);
    m.loopActive.advanceTo([], performance.eventLoopUtilization().active / 1000);
    const fds = openFds(fdDir);
    if (fds !== null) m.openFds.set([], fds);
  };
}

/** Entries of /proc/self/fd, less the one readdir itself holds open; null without /proc. */
function openFds(dir: string): number | null {
  try {
    return readdirSync(dir).length - 1;
  } catch {
    return null;
  }
}
