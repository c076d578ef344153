export interface RetentionItem {
  id: string;
  /** Agent id, or null for whole-host checkpoints: `keep` applies per subject. */
  subject: string | null;
  createdAt: number;
  bytes: number;
}

export interface RetentionPolicy {
  keep: number;
  maxAgeDays: number;
  maxBytes: number;
}

/**
 * Which checkpoints to delete: beyond the latest `keep` per subject, older than
 * `maxAgeDays`, then the oldest until the total fits `maxBytes`. The newest
 * checkpoint of each subject survives age and size so a long-idle agent is
 * never left without one. Pure: tested as a table.
 */
export function planRetention(items: readonly RetentionItem[], policy: RetentionPolicy, now: number): string[] {
  const doomed = new Set<string>();
  const newestFirst = [...items].sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
  const seen = new Map<string | null, number>();
  const newestOf = new Set<string>();
  for (const it of newestFirst) {
    const n = (seen.get(it.subject) ?? 0) + 1;
    seen.set(it.subject, n);
    if (n === 1) newestOf.add(it.id);
    if (n > policy.keep) doomed.add(it.id);
    else if (n > 1 && now - it.createdAt > policy.maxAgeDays * 86_400_000) doomed.add(it.id);
  }
  let total = newestFirst.filter((it) => !doomed.has(it.id)).reduce((s, it) => s + it.bytes, 0);
  for (const it of [...newestFirst].reverse()) {
    if (total <= policy.maxBytes) break;
    if (doomed.has(it.id) || newestOf.has(it.id)) continue;
    doomed.add(it.id);
    total -= it.bytes;
  }
  return [...doomed];
}
