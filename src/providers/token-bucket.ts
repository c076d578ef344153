/**
 * A token bucket of `perMinute` units that refills continuously, computed on demand from when it
 * was last touched: no timer runs for it, an idle caller costs nothing, and a fake clock moves it.
 * The level may go below zero (tokens are debited after the answer, when they are known): the
 * caller then waits until it is back above what the next request needs.
 */
export interface Bucket {
  level: number;
  at: number;
}

/** The bucket's level at `now`: full for a bucket never used. Pure. */
export function levelAt(b: Bucket | undefined, now: number, perMinute: number): number {
  if (!b) return perMinute;
  return Math.min(perMinute, b.level + (Math.max(0, now - b.at) * perMinute) / 60_000);
}

export type Take = { ok: true; bucket: Bucket } | { ok: false; waitMs: number };

/**
 * Takes `n` units when at least `need` are there (need >= n: a token bucket admits a request
 * while it holds one token, and debits the rest later); otherwise says how long until it will. Pure.
 */
export function takeFrom(b: Bucket | undefined, now: number, perMinute: number, n: number, need = n): Take {
  const level = levelAt(b, now, perMinute);
  if (level >= need) return { ok: true, bucket: { level: level - n, at: now } };
  return { ok: false, waitMs: Math.ceil(((need - level) * 60_000) / perMinute) };
}

/** The bucket after `n` more units were spent (it may go below zero). Pure. */
export function debit(b: Bucket | undefined, now: number, perMinute: number, n: number): Bucket {
  return { level: levelAt(b, now, perMinute) - n, at: now };
}
