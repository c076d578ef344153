import { describe, it, expect } from 'vitest';
import { Router } from '../../../src/http/router.ts';
import { anyToken, type Route } from '../../../src/http/route.ts';

const route = (method: Route['method'], p: string): Route => ({ method, path: p, access: anyToken('a test route'), handler: () => ({ body: p }) });

describe('Router', () => {
  const r = new Router();
  r.addAll([route('GET', '/api/agents/:id'), route('POST', '/api/agents/restore'), route('POST', '/api/agents/:id/checkpoint'), route('DELETE', '/api/agents/:id')]);

  it('prefers static segments over params', () => {
    const m = r.match('POST', '/api/agents/restore');
    expect(m.kind === 'found' && m.route.path).toBe('/api/agents/restore');
  });

  it('extracts and decodes params', () => {
    const m = r.match('GET', '/api/agents/a%20b');
    expect(m).toMatchObject({ kind: 'found', params: { id: 'a b' } });
  });

  it('reports the allowed methods for a known path', () => {
    expect(r.match('PUT', '/api/agents/7')).toEqual({ kind: 'wrong-method', allowed: ['GET', 'DELETE'] });
  });

  it('answers none for unknown paths and bad escapes', () => {
    expect(r.match('GET', '/api/nothing')).toEqual({ kind: 'none' });
    expect(r.match('GET', '/api/agents/%E0%A4%A')).toEqual({ kind: 'none' });
  });

  it('finds static paths by exact lookup with the same answers as the scan', () => {
    const s = new Router();
    const first = route('GET', '/v1/models');
    s.addAll([route('GET', '/v1/:what'), first, route('GET', '/v1/models'), route('POST', '/v1/chat/completions')]);
    // The first registered of two equal routes answers, as the scan would.
    expect(s.match('GET', '/v1/models')).toEqual({ kind: 'found', route: first, params: {} });
    // A trailing slash or doubled slash misses the exact table and still matches through the scan.
    expect(s.match('GET', '/v1//models/')).toMatchObject({ kind: 'found', route: first });
    // A static path asked with another method falls back to the scan: the param route answers, or wrong-method.
    expect(s.match('GET', '/v1/chat/completions')).toEqual({ kind: 'wrong-method', allowed: ['POST'] });
    expect(s.match('POST', '/v1/models')).toEqual({ kind: 'wrong-method', allowed: ['GET', 'GET', 'GET'] });
    expect(s.match('GET', '/v1/other')).toMatchObject({ kind: 'found', params: { what: 'other' } });
  });

  it('refuses a route that declares no access rule', () => {
    const bare = { method: 'GET', path: '/api/open', handler: () => ({ body: null }) } as unknown as Route;
    expect(() => new Router().add(bare)).toThrow(/GET \/api\/open declares no access rule/);
  });

  it('lists every route once per method and path, the first registered as match finds it', () => {
    const s = new Router();
    const first = route('GET', '/v1/models');
    s.addAll([route('GET', '/v1/:what'), first, route('GET', '/v1/models'), route('POST', '/v1/models')]);
    const listed = s.list();
    expect(listed.map((x) => `${x.method} ${x.path}`).sort()).toEqual(['GET /v1/:what', 'GET /v1/models', 'POST /v1/models']);
    expect(listed.find((x) => x.method === 'GET' && x.path === '/v1/models')).toBe(first);
  });
});
