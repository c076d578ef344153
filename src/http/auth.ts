import { timingSafeEqual, hash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { CAPABILITIES, type Capability } from '../core/capabilities.ts';

/** Who is calling: the operator (ADMIN), or a token with its own capabilities. */
export interface Principal {
  /** Stable id for the audit trail: `operator` or `token:<id>`. */
  id: string;
  capabilities: ReadonlySet<Capability>;
  /** A token bound to an agent acts as that agent. */
  agentId?: string;
  /** Set when the caller came in with a console session cookie (src/console), not a bearer token. */
  sessionId?: string;
}

/**
 * Answers for tokens it knows. `digest` is the token's SHA-256, computed once per
 * request by TokenAuthority, so a resolver that looks tokens up by digest does not hash again.
 */
export type TokenResolver = (token: string, digest: Buffer) => Principal | null;

/**
 * Answers for a request without a bearer token from its other credential (the console's session
 * cookie): null when it carries none, throws an NxsError for a bad one.
 */
export type SessionResolver = (req: IncomingMessage) => Principal | null;

/** A request refused for a missing capability, before its handler ran. */
export interface Denial {
  principal: Principal;
  capability: Capability;
  method: string;
  route: string;
  params: Record<string, string>;
}

/**
 * Resolves bearer tokens. The operator's token (config, NXS_API_TOKEN, or the
 * generated file) carries ADMIN; further resolvers (the supervisor's token
 * table) answer for tokens made with `nxs token create`.
 */
export class TokenAuthority {
  private readonly operatorDigest: Buffer;
  private readonly resolvers: TokenResolver[] = [];
  constructor(operatorToken: string) {
    this.operatorDigest = digest(operatorToken);
  }
  addResolver(resolver: TokenResolver): void {
    this.resolvers.push(resolver);
  }
  private sessions: SessionResolver | null = null;
  /** The console's session cookie as a second credential (the console boot step sets it). */
  useSessions(resolver: SessionResolver): void {
    this.sessions = resolver;
  }
  /** The principal of a request that sent no bearer token; null when it has no other credential either. */
  resolveSession(req: IncomingMessage): Principal | null {
    return this.sessions ? this.sessions(req) : null;
  }
  /** Listeners told of every capability denial (the supervisor's audit trail). */
  private readonly deniedListeners: ((d: Denial) => void)[] = [];
  onDenied(listener: (d: Denial) => void): void {
    this.deniedListeners.push(listener);
  }
  reportDenied(d: Denial): void {
    for (const l of this.deniedListeners) l(d);
  }
  resolve(token: string): Principal | null {
    const tokenDigest = digest(token);
    if (timingSafeEqual(tokenDigest, this.operatorDigest)) {
      return OPERATOR;
    }
    for (const r of this.resolvers) {
      const p = r(token, tokenDigest);
      if (p) return p;
    }
    return null;
  }
}

// The operator's principal never changes: one object, not a Set of every capability per request.
const OPERATOR: Principal = Object.freeze({ id: 'operator', capabilities: new Set<Capability>(CAPABILITIES) });

// Comparing digests keeps the comparison constant-time whatever the lengths. The one-shot hash()
// builds no Hash object (a third of auth's cost per request with createHash).
function digest(s: string): Buffer {
  return hash('sha256', s, 'buffer');
}

export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1]! : null;
}
