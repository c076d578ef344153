import type { HostMetrics } from '../host-metrics.ts';
import type { ClientMode } from '../../providers/types.ts';

/** What the collector reads of the fallback client: its mode and each provider's breaker (in memory). */
export interface ProvidersView {
  mode(): ClientMode;
  views(): { name: string; state: 'closed' | 'open' | 'half-open'; available: string; open_until: string | null }[];
}

const STATES = ['closed', 'open', 'half-open'] as const;
const MODES: readonly ClientMode[] = ['normal', 'degraded', 'emergency'];

/** Breaker state, availability and cooldown left per provider, and the client's mode. */
export function providersCollector(m: HostMetrics, now: () => number, client: () => ProvidersView | undefined): () => void {
  return () => {
    const c = client();
    m.breakerState.reset();
    m.providerUp.reset();
    m.cooldown.reset();
    m.clientMode.reset();
    if (!c) return;
    const mode = c.mode();
    for (const each of MODES) m.clientMode.set([each], each === mode ? 1 : 0);
    const at = now();
    for (const v of c.views()) {
      for (const s of STATES) m.breakerState.set([v.name, s], v.state === s ? 1 : 0);
      m.providerUp.set([v.name], v.available === 'usable' || v.available === 'probe' ? 1 : 0);
      const until = v.open_until === null ? 0 : Date.parse(v.open_until);
      m.cooldown.set([v.name], until > at ? (until - at) / 1000 : 0);
    }
  };
}
