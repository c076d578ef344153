/** Seed 004's capability names. A token or an agent holds a set of them. */
export const CAPABILITIES = [
  'SPAWN_AGENT',
  'KILL_AGENT',
  'ALLOC_MEMORY',
  'ACCESS_FS',
  'ACCESS_NET',
  'ACCESS_GPU',
  'ACCESS_IO',
  // Not in seed 004: scraping GET /metrics, so a Prometheus token need not hold ADMIN.
  'READ_METRICS',
  'ADMIN',
] as const;
export type Capability = (typeof CAPABILITIES)[number];

/** What a newly spawned agent gets unless it asks for (and may be granted) more. */
export const DEFAULT_AGENT_CAPABILITIES: readonly Capability[] = ['SPAWN_AGENT', 'ALLOC_MEMORY'];

export function isCapability(value: unknown): value is Capability {
  return typeof value === 'string' && (CAPABILITIES as readonly string[]).includes(value);
}

/** ADMIN implies every capability. */
export function hasCapability(held: ReadonlySet<Capability>, needed: Capability): boolean {
  return held.has(needed) || held.has('ADMIN');
}
