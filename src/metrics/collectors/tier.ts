import type { HostMetrics } from '../host-metrics.ts';

/** The tier in force and the one detection chose (they differ when forced, or after the monitor stepped down). */
export function tierCollector(m: HostMetrics, current: () => string, detected: () => string | undefined): () => void {
  return () => {
    m.tier.reset();
    m.tier.set([current(), detected() ?? 'unknown'], 1);
  };
}
