import { hash, randomBytes } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
import type { Capability } from '../core/capabilities.ts';
import type { LinkGrant } from './login-codes.ts';

export interface SessionLimits {
  /** A session ends this long after login whatever happens (a working day). */
  ttlMs: number;
  /** ... or after this long without a request. */
  idleMs: number;
}

export const SESSION_LIMITS: SessionLimits = { ttlMs: 12 * 3_600_000, idleMs: 2 * 3_600_000 };
/** Live sessions at once; the oldest is dropped beyond it (each login is a person at a browser: 64 is plenty). */
const MAX_SESSIONS = 64;

export interface ConsoleSession {
  /** A handle for lists and revocation: a prefix of the cookie's digest, never the cookie. */
  id: string;
  grant: LinkGrant;
  createdAt: number;
  expiresAt: number;
  lastSeenAt: number;
}

/**
 * Console sessions, in memory: a restart of the host ends them all (a cookie never outlives the
 * process that issued it), and the store on disk holds nothing a stolen copy could replay. The
 * cookie's value is 32 random bytes; only its SHA-256 is the key, so lookups compare digests.
 */
export class SessionStore {
  private readonly byDigest = new Map<string, ConsoleSession>();
  private readonly clock: Clock;
  private readonly limits: SessionLimits;

  constructor(clock: Clock, limits: SessionLimits = SESSION_LIMITS) {
    this.clock = clock;
    this.limits = limits;
  }

  get ttlMs(): number {
    return this.limits.ttlMs;
  }

  open(grant: LinkGrant): { cookie: string; session: ConsoleSession } {
    this.sweep();
    while (this.byDigest.size >= MAX_SESSIONS) this.byDigest.delete(this.byDigest.keys().next().value!);
    const cookie = randomBytes(32).toString('base64url');
    const key = digest(cookie);
    const now = this.clock.now();
    const session: ConsoleSession = { id: key.slice(0, 16), grant, createdAt: now, expiresAt: now + this.limits.ttlMs, lastSeenAt: now };
    this.byDigest.set(key, session);
    return { cookie, session };
  }

  /** The live session for a cookie value, its idle timer renewed; null when unknown, expired or idle too long. */
  find(cookie: string): ConsoleSession | null {
    const key = digest(cookie);
    const s = this.byDigest.get(key);
    if (!s) return null;
    const now = this.clock.now();
    if (s.expiresAt <= now || s.lastSeenAt + this.limits.idleMs <= now) {
      this.byDigest.delete(key);
      return null;
    }
    s.lastSeenAt = now;
    return s;
  }

  /** Ends the session with this handle; false when none is live. */
  revoke(id: string): boolean {
    for (const [k, s] of this.byDigest) {
      if (s.id === id) {
        this.byDigest.delete(k);
        return true;
      }
    }
    return false;
  }

  list(): { id: string; capabilities: readonly Capability[]; created_at: string; expires_at: string; last_seen_at: string }[] {
    this.sweep();
    return [...this.byDigest.values()].map((s) => ({
      id: s.id,
      capabilities: s.grant.capabilities,
      created_at: new Date(s.createdAt).toISOString(),
      expires_at: new Date(s.expiresAt).toISOString(),
      last_seen_at: new Date(s.lastSeenAt).toISOString(),
    }));
  }

  private sweep(): void {
    const now = this.clock.now();
    for (const [k, s] of this.byDigest) if (s.expiresAt <= now || s.lastSeenAt + this.limits.idleMs <= now) this.byDigest.delete(k);
  }
}

function digest(s: string): string {
  return hash('sha256', s, 'hex');
}
