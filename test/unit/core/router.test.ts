import { describe, it, expect } from 'vitest';
import { Router } from '../../../src/http/router.ts';
import type { Route } from '../../../src/http/route.ts';

const route = (method: Route['method'], p: string): Route => ({ method, path: p, auth: 'token', handler: () => ({ body: p }) });

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
});
