import { describe, it, expect } from 'vitest';
import { startTestHost, type TestHost } from '../helpers/test-host.ts';
import { FakeClock } from '../helpers/fake-clock.ts';

// Issue 18: the console signs a browser in with a one-time link (`nxs console`), exchanged for an
// HttpOnly, SameSite=Strict session cookie. Each attack on that exchange is performed here: a code
// used twice, a code used after its minute, a forged cookie, a cookie past its expiry, a cookie
// after logout, revocation or the revocation of the token that opened it. Each must be refused with
// its documented status and code, and the host must keep answering.

const ORIGIN_OF = (host: TestHost): string => host.url;

async function mint(host: TestHost, token?: string, body: unknown = {}): Promise<{ code: string; path: string; capabilities: string[] }> {
  const res = await host.api('/api/console/links', { method: 'POST', json: body, ...(token ? { token } : {}) });
  expect(res.status).toBe(201);
  return (await res.json()) as { code: string; path: string; capabilities: string[] };
}

/** What the page does with the code from the link's fragment: POST it from the console's own origin. */
function exchange(host: TestHost, code: unknown): Promise<Response> {
  return host.api('/api/console/login', { method: 'POST', token: null, json: { code }, headers: { origin: ORIGIN_OF(host), 'sec-fetch-site': 'same-origin' } });
}

function cookieOf(res: Response): string {
  const set = res.headers.getSetCookie().find((c) => c.startsWith('nxs_console='));
  expect(set).toBeDefined();
  return set!.split(';')[0]!;
}

function asSession(host: TestHost, cookie: string, pathname: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set('cookie', cookie);
  if (init.method && init.method !== 'GET' && !headers.has('origin')) headers.set('origin', ORIGIN_OF(host));
  return host.api(pathname, { ...init, token: null, headers });
}

async function expectRefused(res: Response, status: number, code: string): Promise<string> {
  expect(res.status).toBe(status);
  expect(res.headers.get('x-nxs-error-code')).toBe(code);
  return ((await res.json()) as { error: string }).error;
}

describe('console login links', () => {
  it('signs in once: the cookie is HttpOnly and SameSite=Strict, and a reused code is refused with 401', async () => {
    await using host = await startTestHost();
    const link = await mint(host);
    expect(link.path).toBe(`/login#${link.code}`);
    // The link never carries the API token.
    expect(link.path).not.toContain(host.token);

    const first = await exchange(host, link.code);
    expect(first.status).toBe(200);
    const set = first.headers.getSetCookie().join('\n');
    expect(set).toMatch(/nxs_console=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=\/; Max-Age=\d+/);
    expect(set).not.toContain(host.token);
    const me = await asSession(host, cookieOf(first), '/api/console/session');
    expect(me.status).toBe(200);
    expect(((await me.json()) as { principal: string }).principal).toBe('operator');

    const again = await exchange(host, link.code);
    expect(await expectRefused(again, 401, 'NXS_ERR_CONSOLE_CODE_INVALID')).toMatch(/already used, has expired/);
    expect(again.headers.getSetCookie()).toEqual([]);
    // Unknown and malformed codes get the same answer; a body without a code is a 400 naming the field.
    await expectRefused(await exchange(host, 'A'.repeat(43)), 401, 'NXS_ERR_CONSOLE_CODE_INVALID');
    await expectRefused(await exchange(host, '../../etc/passwd'), 401, 'NXS_ERR_CONSOLE_CODE_INVALID');
    expect(await expectRefused(await exchange(host, 42), 400, 'NXS_ERR_BAD_REQUEST')).toContain('"code"');
    expect((await host.api('/healthz', { token: null })).status).toBe(200);
  });

  it('refuses a code after its minute (the clock is injected)', async () => {
    const clock = new FakeClock(Date.now());
    await using host = await startTestHost({ clock });
    const late = await mint(host);
    const inTime = await mint(host);
    await clock.advance(59_000);
    expect((await exchange(host, inTime.code)).status).toBe(200);
    await clock.advance(1_000);
    expect(await expectRefused(await exchange(host, late.code), 401, 'NXS_ERR_CONSOLE_CODE_INVALID')).toMatch(/expired/);
  });

  it('refuses a forged cookie, an expired one, one after logout, after revocation, and after its token was revoked', async () => {
    const clock = new FakeClock(Date.now());
    await using host = await startTestHost({ clock });
    const signIn = async (token?: string): Promise<string> => cookieOf(await exchange(host, (await mint(host, token)).code));

    // Forged: well-formed, never issued. And a page that adds a bearer-looking cookie gets nothing either.
    for (const forged of ['nxs_console=' + 'x'.repeat(43), 'nxs_console=', `nxs_console=${host.token}`]) {
      expect(await expectRefused(await asSession(host, forged, '/api/status'), 401, 'NXS_ERR_CONSOLE_SESSION_INVALID')).toMatch(/not valid/);
    }

    // Expired: a session ends 12 h after login even while in use, and after 2 h without a request.
    const busy = await signIn();
    for (let h = 0; h < 11; h++) {
      await clock.advance(3_600_000);
      expect((await asSession(host, busy, '/api/status')).status).toBe(200);
    }
    await clock.advance(3_600_000);
    await expectRefused(await asSession(host, busy, '/api/status'), 401, 'NXS_ERR_CONSOLE_SESSION_INVALID');
    const idle = await signIn();
    await clock.advance(2 * 3_600_000);
    await expectRefused(await asSession(host, idle, '/api/status'), 401, 'NXS_ERR_CONSOLE_SESSION_INVALID');

    // Logout: the cookie is cleared and the session it named is gone, even if the browser kept it.
    const out = await signIn();
    const bye = await asSession(host, out, '/api/console/logout', { method: 'POST' });
    expect(bye.status).toBe(200);
    expect(bye.headers.getSetCookie().join('\n')).toMatch(/nxs_console=; HttpOnly; SameSite=Strict; Path=\/; Max-Age=0/);
    await expectRefused(await asSession(host, out, '/api/status'), 401, 'NXS_ERR_CONSOLE_SESSION_INVALID');

    // Revoked by the operator.
    const victim = await signIn();
    const list = (await (await host.api('/api/console/sessions')).json()) as { sessions: { id: string }[] };
    const id = list.sessions.at(-1)!.id;
    // The list names sessions by a digest prefix, never by the cookie that would replay them.
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(JSON.stringify(list)).not.toContain(victim.slice('nxs_console='.length));
    expect((await host.api(`/api/console/sessions/${id}`, { method: 'DELETE' })).status).toBe(200);
    await expectRefused(await asSession(host, victim, '/api/status'), 401, 'NXS_ERR_CONSOLE_SESSION_INVALID');
    await expectRefused(await host.api(`/api/console/sessions/${id}`, { method: 'DELETE' }), 404, 'NXS_ERR_CONSOLE_SESSION_NOT_FOUND');

    // The token that opened a session is revoked: the session ends with it.
    const made = (await (await host.api('/api/tokens', { method: 'POST', json: { capabilities: ['ALLOC_MEMORY'], name: 'console' } })).json()) as { token: string; token_id: string };
    const borrowed = await signIn(made.token);
    expect((await asSession(host, borrowed, '/api/queue/stats')).status).toBe(200);
    expect((await host.api(`/api/tokens/${made.token_id}`, { method: 'DELETE' })).status).toBe(200);
    expect(await expectRefused(await asSession(host, borrowed, '/api/queue/stats'), 401, 'NXS_ERR_CONSOLE_SESSION_INVALID')).toMatch(/token that opened it was revoked/);

    expect((await host.api('/healthz', { token: null })).status).toBe(200);
  });

  it('serves the page with a strict CSP and without the token anywhere in it', async () => {
    await using host = await startTestHost();
    for (const p of ['/', '/login', '/console/app.js', '/console/app.css']) {
      const res = await host.api(p, { token: null });
      expect(res.status, p).toBe(200);
      const csp = res.headers.get('content-security-policy')!;
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      const text = await res.text();
      expect(text).not.toContain(host.token);
      // No inline script: every <script> names a same-origin src.
      for (const tag of text.match(/<script\b[^>]*>/g) ?? []) expect(tag).toMatch(/src="\/console\/[a-z]+\.js"/);
      expect(text).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    }
    expect((await host.api('/console/index.html', { token: null })).status).toBe(404);
    expect((await host.api('/console/..%2Fapi-token', { token: null })).status).toBe(404);
  });
});
