import { hash, randomBytes } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
import type { Capability } from '../core/capabilities.ts';
import { NxsError } from '../core/errors.ts';

/** What a login link grants: the minting token (kept in memory only) and the capabilities asked for. */
export interface LinkGrant {
  /** The token that minted the link; each request of the session re-resolves it, so revoking it ends the session. */
  token: string;
  capabilities: readonly Capability[];
}

/** A code lives this long: enough to click a link just printed, too short to be worth stealing from scrollback. */
export const CODE_TTL_MS = 60_000;
/** Live codes at once; minting more drops the oldest, so a caller minting in a loop cannot grow the host's memory. */
const MAX_CODES = 32;

/**
 * One-time login codes. A code is 32 random bytes (base64url); only its SHA-256 is kept, so the map
 * cannot be read back into working codes. `take` consumes it: a second use, or one after
 * CODE_TTL_MS, is NXS_ERR_CONSOLE_CODE_INVALID, the same answer as an unknown code.
 */
export class LoginCodes {
  private readonly codes = new Map<string, { grant: LinkGrant; expiresAt: number }>();
  private readonly clock: Clock;

  constructor(clock: Clock) {
    this.clock = clock;
  }

  mint(grant: LinkGrant): { code: string; expiresAt: number } {
    this.sweep();
    while (this.codes.size >= MAX_CODES) this.codes.delete(this.codes.keys().next().value!);
    const code = randomBytes(32).toString('base64url');
    const expiresAt = this.clock.now() + CODE_TTL_MS;
    this.codes.set(digest(code), { grant, expiresAt });
    return { code, expiresAt };
  }

  take(code: unknown): LinkGrant {
    const key = typeof code === 'string' && /^[A-Za-z0-9_-]{43}$/.test(code) ? digest(code) : null;
    const entry = key === null ? undefined : this.codes.get(key);
    if (key !== null) this.codes.delete(key);
    if (!entry || entry.expiresAt <= this.clock.now()) {
      throw new NxsError('NXS_ERR_CONSOLE_CODE_INVALID', 'this login link is not valid: it was already used, has expired (links work once, within a minute) or was never issued; run nxs console for a new one');
    }
    return entry.grant;
  }

  private sweep(): void {
    const now = this.clock.now();
    for (const [k, v] of this.codes) if (v.expiresAt <= now) this.codes.delete(k);
  }
}

function digest(s: string): string {
  return hash('sha256', s, 'hex');
}
