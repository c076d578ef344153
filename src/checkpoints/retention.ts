export interface RetentionItem {
  id: string;
  /** Agent id, or null for whole-host checkpoints: `keep` applies per subject. */
  subject: string | null;
  createdAt: number;
  bytes: number;
  /** Imported from another host. Imports never count against, or push out, this host's own checkpoints. */
  imported?: boolean;
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
 *
 * Imports are subjects of their own (an imported file chooses its agent id and
 * its created_at, so three imports dated in the future once pushed an agent's
 * own checkpoints out of `keep`), and the size pass removes imports before any
 * checkpoint made here.
 */
export function planRetention(items: readonly RetentionItem[], policy: RetentionPolicy, now: number): string[] {
  const doomed = new Set<string>();
  const newestFirst = [...items].sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
  const seen = new Map<string, number>();
  const newestOf = new Set<string>();
  for (const it of newestFirst) {
    const subject = `${it.imported ? 'import' : 'local'}:${it.subject ?? ''}:${it.subject === null ? 'host' : 'agent'}`;
    const n = (seen.get(subject) ?? 0) + 1;
    seen.set(subject, n);
    if (n === 1) newestOf.add(it.id);
    if (n > policy.keep) doomed.add(it.id);
    else if (n > 1 && now - it.createdAt > policy.maxAgeDays * 86_400_000) doomed.add(it.id);
  }
  let total = newestFirst.filter((it) => !doomed.has(it.id)).reduce((s, it) => s + it.bytes, 0);
  const oldestFirst = [...newestFirst].reverse();
  for (const it of [...oldestFirst.filter((i) => i.imported), ...oldestFirst.filter((i) => !i.imported)]) {
    if (total <= policy.maxBytes) break;
    if (doomed.has(it.id) || newestOf.has(it.id)) continue;
    doomed.add(it.id);
    total -= it.bytes;
  }
  return [...doomed];
}
