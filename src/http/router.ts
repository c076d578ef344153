import { NxsError } from '../core/errors.ts';
import type { Method, Route } from './route.ts';

interface Compiled {
  route: Route;
  segments: string[];
  score: number;
}

export type Match = { kind: 'found'; route: Route; params: Record<string, string> } | { kind: 'wrong-method'; allowed: Method[] } | { kind: 'none' };

/** A small segment router: static segments and `:params`, static beating param at equal length. */
export class Router {
  private readonly routes: Compiled[] = [];
  // Routes without params by exact path and method: such a route is the first match for its path
  // (no route scores higher on the same segments), so the hot paths skip the scan of every route.
  private readonly exact = new Map<string, Map<string, Route>>();

  add(route: Route): void {
    // The type requires an access rule; this catches a route built around the compiler (a cast, plain JS),
    // which would otherwise answer with no check at all.
    const kind = (route as Partial<Route>).access?.kind;
    if (kind !== 'public' && kind !== 'capability' && kind !== 'any-token' && kind !== 'owner') {
      throw new NxsError('NXS_ERR_INTERNAL', `route ${route.method} ${route.path} declares no access rule (see Access in src/http/route.ts)`);
    }
    const segments = split(route.path);
    const compiled = { route, segments, score: score(segments) };
    // Static segments first so `/api/agents/restore` wins over `/api/agents/:id`:
    // inserted after every route of equal or higher score, so equal scores keep
    // their order of registration (what a stable sort after each push gave).
    let at = this.routes.length;
    while (at > 0 && this.routes[at - 1]!.score < compiled.score) at--;
    this.routes.splice(at, 0, compiled);
    if (!segments.some((s) => s.startsWith(':'))) {
      const key = `/${segments.join('/')}`;
      const byMethod = this.exact.get(key) ?? new Map<string, Route>();
      // The first registered keeps the path, as the scan below would find it first.
      if (!byMethod.has(route.method)) byMethod.set(route.method, route);
      this.exact.set(key, byMethod);
    }
  }

  addAll(routes: readonly Route[]): void {
    for (const r of routes) this.add(r);
  }

  /** Every route that can answer, once per method and path (the first registered wins, as in match). */
  list(): Route[] {
    const seen = new Set<string>();
    const out: Route[] = [];
    for (const c of this.routes) {
      const key = `${c.route.method} ${c.route.path}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(c.route);
    }
    return out;
  }

  match(method: string, pathname: string): Match {
    const hit = this.exact.get(pathname)?.get(method);
    if (hit) return { kind: 'found', route: hit, params: {} };
    const parts = split(pathname);
    const allowed: Method[] = [];
    for (const c of this.routes) {
      const params = matchSegments(c.segments, parts);
      if (!params) continue;
      if (c.route.method === method) return { kind: 'found', route: c.route, params };
      allowed.push(c.route.method);
    }
    return allowed.length ? { kind: 'wrong-method', allowed } : { kind: 'none' };
  }
}

function split(p: string): string[] {
  return p.split('/').filter(Boolean);
}

function score(segments: string[]): number {
  return segments.reduce((s, seg, i) => s + (seg.startsWith(':') ? 0 : 1 / (i + 1)), 0);
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | null {
  if (pattern.length !== parts.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    const v = parts[i]!;
    if (p.startsWith(':')) {
      try {
        params[p.slice(1)] = decodeURIComponent(v);
      } catch {
        return null;
      }
    } else if (p !== v) return null;
  }
  return params;
}
