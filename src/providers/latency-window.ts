import type { ProviderObserver } from './observer.ts';

/** How many answered attempts each provider keeps: enough for a steady p95 (13 above it), 2 KB per provider. */
export const LATENCY_WINDOW_SIZE = 256;

export interface LatencySummary {
  /** Answered attempts in the window (at most LATENCY_WINDOW_SIZE). */
  samples: number;
  p50_ms: number;
  p95_ms: number;
}

/**
 * The latencies of each provider's last answered attempts, for `GET /api/providers` and the console.
 * A fixed ring per provider, written where attempts end (it is a ProviderObserver beside the metrics'
 * one) and sorted only when read: nothing runs between reads, no timer. Only answered attempts
 * count: a timeout or a refusal says how the provider failed, not how fast it answers, and would
 * pull p50 towards the timeout. For a stream the figure is the time until its event stream opened.
 */
export class LatencyWindows {
  private readonly size: number;
  private readonly rings = new Map<string, { ms: Float64Array; next: number; count: number }>();

  constructor(size = LATENCY_WINDOW_SIZE) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`size must be a positive integer; got ${size}`);
    this.size = size;
  }

  record(provider: string, ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    let ring = this.rings.get(provider);
    if (!ring) this.rings.set(provider, (ring = { ms: new Float64Array(this.size), next: 0, count: 0 }));
    ring.ms[ring.next] = ms;
    ring.next = (ring.next + 1) % this.size;
    ring.count = Math.min(ring.count + 1, this.size);
  }

  /** p50 and p95 of the provider's window, or null before its first answer. */
  summary(provider: string): LatencySummary | null {
    const ring = this.rings.get(provider);
    if (!ring || ring.count === 0) return null;
    const sorted = ring.ms.slice(0, ring.count).sort();
    return { samples: ring.count, p50_ms: round(nearestRank(sorted, 0.5)), p95_ms: round(nearestRank(sorted, 0.95)) };
  }

  /** Feeds the window from the fallback client's attempts (seconds in, milliseconds kept). */
  readonly observer: ProviderObserver = {
    attempt: (provider, outcome, seconds) => {
      if (outcome === 'ok') this.record(provider, seconds * 1000);
    },
    firstByte: () => undefined,
    failover: () => undefined,
    tokens: () => undefined,
  };
}

/** The nearest-rank percentile: always a latency that was measured, never an interpolation between two. */
export function nearestRank(sorted: Float64Array, q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
