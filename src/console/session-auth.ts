import type { IncomingMessage } from 'node:http';
import { hasCapability } from '../core/capabilities.ts';
import { NxsError } from '../core/errors.ts';
import type { Principal, TokenAuthority } from '../http/auth.ts';
import type { SessionStore } from './sessions.ts';

export const COOKIE_NAME = 'nxs_console';

/**
 * The session cookie. HttpOnly: page script never sees it. SameSite=Strict: no other site's page
 * makes the browser send it. Path=/: the page and the API share it. No Secure: the host serves
 * plain http on loopback, where a Secure cookie is either refused (a LAN address set in
 * server.host) or protects nothing (loopback traffic never leaves the machine); TLS in front
 * of nxs is the place for Secure.
 */
export function sessionCookie(value: string, maxAgeMs: number): string {
  return `${COOKIE_NAME}=${value}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${Math.floor(maxAgeMs / 1000)}`;
}

export function clearedCookie(): string {
  return `${COOKIE_NAME}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`;
}

/** The console cookie's value from a Cookie header; null when absent. */
export function readSessionCookie(req: IncomingMessage): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === COOKIE_NAME) return part.slice(eq + 1).trim();
  }
  return null;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A cookie travels with every request the browser makes to this host, whoever's page made it:
 * SameSite=Strict stops other sites, not other ports of 127.0.0.1 (same site, other origin).
 * So a request with the cookie must come from the console's own origin: fetch metadata, where the
 * browser sends it, must say same-origin (or none: the owner typed or opened the URL), and a
 * state-changing request must name its Origin and it must be this host's, or say
 * Sec-Fetch-Site: same-origin when a browser leaves Origin out.
 */
export function checkSameOrigin(req: IncomingMessage): void {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    throw new NxsError('NXS_ERR_CONSOLE_ORIGIN', `a console request from another origin was refused (Sec-Fetch-Site: ${site}); open the console from its own address`);
  }
  if (SAFE_METHODS.has(req.method ?? 'GET')) return;
  const origin = req.headers.origin;
  const own = `http://${req.headers.host ?? ''}`;
  if (origin !== undefined ? origin !== own : site !== 'same-origin') {
    throw new NxsError('NXS_ERR_CONSOLE_ORIGIN', `a state-changing console request must come from the console's own origin ${own}; it came from ${origin ?? 'an unnamed origin'}`);
  }
}

/**
 * The second way in besides a bearer token: the console's session cookie. Null when the request
 * carries none (the server then asks for a token); a cookie that names no live session, or whose
 * minting token was revoked, is NXS_ERR_CONSOLE_SESSION_INVALID. The session acts as the token that
 * minted it, with the capabilities its link asked for that the token still holds.
 */
export function sessionResolver(store: SessionStore, auth: TokenAuthority): (req: IncomingMessage) => Principal | null {
  return (req) => {
    const cookie = readSessionCookie(req);
    if (cookie === null) return null;
    checkSameOrigin(req);
    const session = store.find(cookie);
    if (!session) throw new NxsError('NXS_ERR_CONSOLE_SESSION_INVALID', 'the console session is not valid: it expired, was revoked or logged out, or the cookie was not issued by this host; run nxs console for a new link');
    const base = auth.resolve(session.grant.token);
    if (!base) {
      store.revoke(session.id);
      throw new NxsError('NXS_ERR_CONSOLE_SESSION_INVALID', 'the console session ended: the token that opened it was revoked; run nxs console for a new link');
    }
    return {
      id: base.id,
      capabilities: new Set(session.grant.capabilities.filter((c) => hasCapability(base.capabilities, c))),
      ...(base.agentId !== undefined ? { agentId: base.agentId } : {}),
      sessionId: session.id,
    };
  };
}
