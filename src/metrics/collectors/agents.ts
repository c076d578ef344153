import type { HostMetrics } from '../host-metrics.ts';
import type { AgentState, Supervisor } from '../../supervisor/types.ts';

const STATES: readonly AgentState[] = ['starting', 'running', 'restarting', 'parked', 'stopped'];

/** Agents by state, from the supervisor's store (one query). */
export function agentsCollector(m: HostMetrics, supervisor: () => Pick<Supervisor, 'list'> | undefined): () => void {
  return () => {
    const s = supervisor();
    m.agents.reset();
    if (!s) return;
    const counts = new Map<AgentState, number>(STATES.map((st) => [st, 0]));
    for (const a of s.list()) counts.set(a.state, (counts.get(a.state) ?? 0) + 1);
    for (const [state, n] of counts) m.agents.set([state], n);
  };
}
