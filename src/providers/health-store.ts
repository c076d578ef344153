import type { Db } from '../store/database.ts';
import type { Statement } from 'better-sqlite3';
import { freshHealth, type ProviderHealth } from './breaker.ts';

interface Row {
  name: string;
  state: ProviderHealth['state'];
  failures: number;
  opens: number;
  open_until: number;
  credential_fp: string | null;
  last_error: string | null;
  last_ok_at: number | null;
}

/** Breaker state in memory, written through to the store on every change and reloaded at boot. */
export class HealthStore {
  private readonly db: Db;
  private readonly now: () => number;
  private readonly map = new Map<string, ProviderHealth>();
  private upsert: Statement<unknown[]> | null = null;

  constructor(db: Db, now: () => number) {
    this.db = db;
    this.now = now;
    for (const r of db.prepare('SELECT * FROM provider_health').all() as Row[]) {
      this.map.set(r.name, { name: r.name, state: r.state, failures: r.failures, opens: r.opens, openUntil: r.open_until, credentialFp: r.credential_fp, lastError: r.last_error, lastOkAt: r.last_ok_at });
    }
  }

  get(name: string): ProviderHealth {
    return this.map.get(name) ?? freshHealth(name);
  }

  set(h: ProviderHealth): void {
    const before = this.map.get(h.name);
    this.map.set(h.name, h);
    if (before && sameState(before, h)) return;
    this.upsert ??= this.db.prepare(`INSERT INTO provider_health (name, state, failures, opens, open_until, credential_fp, last_error, last_ok_at, updated_at)
        VALUES (@name, @state, @failures, @opens, @openUntil, @credentialFp, @lastError, @lastOkAt, @updatedAt)
        ON CONFLICT (name) DO UPDATE SET state=excluded.state, failures=excluded.failures, opens=excluded.opens, open_until=excluded.open_until,
          credential_fp=excluded.credential_fp, last_error=excluded.last_error, last_ok_at=excluded.last_ok_at, updated_at=excluded.updated_at`);
    this.upsert
      .run({ ...h, updatedAt: this.now() });
  }
}

// lastOkAt changes on every success; writing it each call would cost a fsync per answer for nothing.
function sameState(a: ProviderHealth, b: ProviderHealth): boolean {
  return a.state === b.state && a.failures === b.failures && a.opens === b.opens && a.openUntil === b.openUntil && a.credentialFp === b.credentialFp && a.lastError === b.lastError;
}
