import { describe, it, expect } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startTestHost } from '../helpers/test-host.ts';
import { startFakeProvider } from '../helpers/fake-provider.ts';
import { REPO_ROOT } from '../helpers/test-context.ts';
import { CAPABILITIES, type Capability } from '../../src/core/capabilities.ts';
import { routeMatrix } from '../../src/http/route-matrix.ts';
import type { Route } from '../../src/http/route.ts';

// Issue 14 item 9: every route the host registers is in one capability matrix, docs/security-matrix.md
// shows exactly that matrix, and each row holds against real tokens: no token is 401, a token without the
// row's capability is 403 with seed 004's body, a token with it (or any token, on rows that need none)
// gets past the gate. A route added without a row changes the generated matrix and fails here.

const MATRIX_FILE = path.join(REPO_ROOT, 'docs', 'security-matrix.md');

// Bodies that keep a permitted call cheap (the selftest would otherwise run 100 jobs); every other
// write gets `{}`, which the handlers refuse with a 400 after the gate.
const BODIES: Record<string, unknown> = { 'POST /api/queue/selftest': { n: 1, groups: 0 } };

function target(r: Route): string {
  return r.path.replace(/:[A-Za-z_]+/g, '999999');
}

describe('the route matrix', () => {
  it('covers every registered route, matches docs/security-matrix.md, and holds for real tokens', async () => {
    await using fake = await startFakeProvider({ name: 'fake' });
    await using host = await startTestHost({ config: { providers: [{ name: 'fake', base_url: fake.url, model: 'fake-model', credential: { none: true }, retries: 0 }] } });
    const routes = host.routes();
    expect(routes.length).toBeGreaterThan(50);

    const matrix = routeMatrix(routes);
    if (process.env.NXS_WRITE_MATRIX === '1') writeFileSync(MATRIX_FILE, matrix);
    // Line by line, so a stale row shows in the diff.
    expect(readFileSync(MATRIX_FILE, 'utf8').split('\n'), 'docs/security-matrix.md is stale: rerun this test with NXS_WRITE_MATRIX=1 and review the diff').toEqual(matrix.split('\n'));

    // Only these go without a token, each for a reason that holds without one:
    // - /healthz, /readyz: health checks for supervisors, no data beyond ready-or-not;
    // - GET /, /login, /console/:file: the console's static page, script and style, the same bytes
    //   for everyone; the page has no data until the API (which checks its session) answers;
    // - POST /api/console/login: the one-time code in its body is the credential (256 random bits,
    //   one use, one minute; console-login.test.ts attacks it);
    // - POST /api/console/logout: only ends the session its own cookie names, and clears the cookie.
    expect(routes.filter((r) => r.access.kind === 'public').map((r) => `${r.method} ${r.path}`).sort()).toEqual(
      ['GET /', 'GET /console/:file', 'GET /healthz', 'GET /login', 'GET /readyz', 'POST /api/console/login', 'POST /api/console/logout'],
    );

    const tokens = new Map<string, string>();
    const tokenWith = async (caps: readonly Capability[]): Promise<string> => {
      const key = [...caps].sort().join(',');
      const known = tokens.get(key);
      if (known) return known;
      const res = await host.api('/api/tokens', { method: 'POST', json: { capabilities: caps, name: `matrix-${tokens.size}` } });
      expect(res.status).toBe(201);
      const { token } = (await res.json()) as { token: string };
      tokens.set(key, token);
      return token;
    };
    const low = await tokenWith(['ALLOC_MEMORY']);
    const call = (r: Route, token: string | null): Promise<Response> => {
      const write = r.method !== 'GET' && r.method !== 'DELETE';
      const body = BODIES[`${r.method} ${r.path}`] ?? {};
      return host.api(target(r), { method: r.method, token, ...(write ? { json: body } : {}) });
    };

    const failures: string[] = [];
    const expectStatus = (r: Route, who: string, status: number, ok: (s: number) => boolean, wanted: string): void => {
      if (!ok(status)) failures.push(`${r.method} ${r.path} with ${who}: got ${status}, wanted ${wanted}`);
    };
    for (const r of routes) {
      const access = r.access;
      if (access.kind === 'public') {
        const res = await call(r, null);
        await res.arrayBuffer();
        expectStatus(r, 'no token', res.status, (s) => s !== 401 && s !== 403, 'an answer');
        continue;
      }
      const none = await call(r, null);
      await none.arrayBuffer();
      expectStatus(r, 'no token', none.status, (s) => s === 401, '401');

      if (access.kind === 'capability') {
        const cap = access.capability;
        const without = await tokenWith(CAPABILITIES.filter((c) => c !== cap && c !== 'ADMIN'));
        const denied = await call(r, without);
        const body = (await denied.json()) as unknown;
        expectStatus(r, `every capability but ${cap}`, denied.status, (s) => s === 403, '403');
        const message = `Insufficient capabilities: ${cap} required`;
        const seedBody = r.errorStyle === 'openai' ? { error: { message, type: 'permission_error', code: 'NXS_ERR_FORBIDDEN', param: null } } : { success: false, error: message };
        if (JSON.stringify(body) !== JSON.stringify(seedBody)) failures.push(`${r.method} ${r.path}: the 403 body was ${JSON.stringify(body)}, not seed 004's ${JSON.stringify(seedBody)}`);
        const allowed = await call(r, await tokenWith([cap]));
        await allowed.arrayBuffer();
        expectStatus(r, `only ${cap}`, allowed.status, (s) => s !== 401 && s !== 403, 'past the gate');
      } else if (access.kind === 'any-token') {
        const res = await call(r, low);
        await res.arrayBuffer();
        expectStatus(r, 'an ALLOC_MEMORY token', res.status, (s) => s !== 401 && s !== 403, 'past the gate');
      } else {
        // Own-only rows: any token is let in (what it sees is low-privilege-token.test.ts's subject); ADMIN sees all.
        const res = await call(r, low);
        await res.arrayBuffer();
        expectStatus(r, 'an ALLOC_MEMORY token', res.status, (s) => s !== 401, 'not 401');
        const admin = await call(r, await tokenWith(['ADMIN']));
        await admin.arrayBuffer();
        expectStatus(r, 'an ADMIN token', admin.status, (s) => s !== 401 && s !== 403, 'past the gate');
      }
    }
    expect(failures).toEqual([]);
  });
});
