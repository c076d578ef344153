import { CAPABILITIES, hasCapability, isCapability, type Capability } from '../core/capabilities.ts';
import { NxsError } from '../core/errors.ts';
import { bearerToken, type TokenAuthority } from '../http/auth.ts';
import { anyToken, needs, publicAccess, type Route } from '../http/route.ts';
import type { LoginCodes } from './login-codes.ts';
import type { SessionStore } from './sessions.ts';
import { checkSameOrigin, clearedCookie, readSessionCookie, sessionCookie } from './session-auth.ts';

export interface LoginDeps {
  auth: TokenAuthority;
  codes: LoginCodes;
  sessions: SessionStore;
}

/** The console's sign-in: links minted by a token, exchanged once for a session cookie; whoami, logout and revocation. */
export function loginRoutes(d: LoginDeps): Route[] {
  return [
    {
      method: 'POST',
      path: '/api/console/links',
      access: anyToken('mints a one-time console link carrying at most the capabilities of the token that asks'),
      handler: ({ body, principal, raw }) => {
        // A session minting links could renew itself forever: only a token (the CLI) mints.
        const token = bearerToken(raw.headers.authorization);
        if (principal!.sessionId !== undefined || !token) throw new NxsError('NXS_ERR_CONSOLE_NEEDS_TOKEN', 'a console session cannot mint console links; run nxs console with an API token');
        const asked = (body as { capabilities?: unknown } | undefined)?.capabilities;
        if (asked !== undefined && (!Array.isArray(asked) || asked.length === 0 || !asked.every(isCapability))) {
          throw new NxsError('NXS_ERR_BAD_REQUEST', `capabilities must be a non-empty list of ${CAPABILITIES.join(', ')}; got ${JSON.stringify(asked)}`, { field: 'capabilities' });
        }
        const held = principal!.capabilities;
        const capabilities: Capability[] = asked === undefined ? [...held] : [...new Set(asked as Capability[])];
        const missing = capabilities.find((c) => !hasCapability(held, c));
        if (missing) throw new NxsError('NXS_ERR_FORBIDDEN', `Insufficient capabilities: ${missing} required`, { capability: missing });
        const { code, expiresAt } = d.codes.mint({ token, capabilities });
        return { status: 201, body: { path: `/login#${code}`, code, capabilities, expires_at: new Date(expiresAt).toISOString() } };
      },
    },
    {
      method: 'POST',
      path: '/api/console/login',
      access: publicAccess('exchanges a one-time code (itself the credential: 256 random bits, one use, one minute) for a session cookie'),
      handler: ({ body, raw }) => {
        const code = (body as { code?: unknown } | undefined)?.code;
        if (typeof code !== 'string') throw new NxsError('NXS_ERR_BAD_REQUEST', 'body must be {"code": "<the code from the login link>"}', { field: 'code' });
        // Another origin could otherwise sign this browser in to a session of its choosing.
        checkSameOrigin(raw);
        const grant = d.codes.take(code);
        const base = d.auth.resolve(grant.token);
        if (!base) throw new NxsError('NXS_ERR_CONSOLE_CODE_INVALID', 'this login link is not valid: the token that made it was revoked; run nxs console for a new one');
        const { cookie, session } = d.sessions.open(grant);
        // The same body as GET /api/console/session: the page starts without asking again.
        return {
          body: { principal: base.id, capabilities: grant.capabilities, session: { id: session.id, expires_at: new Date(session.expiresAt).toISOString() } },
          headers: { 'set-cookie': sessionCookie(cookie, d.sessions.ttlMs), 'cache-control': 'no-store' },
        };
      },
    },
    {
      method: 'POST',
      path: '/api/console/logout',
      access: publicAccess('ends the session its cookie names (if any) and clears the cookie; an expired session can still log out'),
      handler: ({ raw }) => {
        const cookie = readSessionCookie(raw);
        if (cookie !== null) {
          checkSameOrigin(raw);
          const session = d.sessions.find(cookie);
          if (session) d.sessions.revoke(session.id);
        }
        return { body: { success: true }, headers: { 'set-cookie': clearedCookie() } };
      },
    },
    {
      method: 'GET',
      path: '/api/console/session',
      access: anyToken('who the caller is: principal id, capabilities and, for a console session, its expiry'),
      handler: ({ principal }) => {
        const p = principal!;
        const s = p.sessionId === undefined ? undefined : d.sessions.list().find((x) => x.id === p.sessionId);
        return { body: { principal: p.id, capabilities: [...p.capabilities], session: s ? { id: s.id, expires_at: s.expires_at } : null } };
      },
    },
    {
      method: 'GET',
      path: '/api/console/sessions',
      access: needs('ADMIN'),
      handler: () => ({ body: { sessions: d.sessions.list() } }),
    },
    {
      method: 'DELETE',
      path: '/api/console/sessions/:id',
      access: needs('ADMIN'),
      handler: ({ params }) => {
        if (!d.sessions.revoke(params.id!)) throw new NxsError('NXS_ERR_CONSOLE_SESSION_NOT_FOUND', `no live console session ${params.id}; see GET /api/console/sessions`);
        return { body: { success: true } };
      },
    },
  ];
}
