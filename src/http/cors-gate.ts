import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CorsPolicy } from './route.ts';
import type { Router } from './router.ts';

/**
 * CORS at the server, for routes whose part declares a policy (Route.cors):
 * the headers go on every answer of such a route, its errors included (set
 * before the token is checked, so a browser can read a 401), and a preflight
 * (OPTIONS, which browsers send without a token) is answered from the policy
 * of the route it asks about, without becoming a route of its own.
 */
export function applyCors(policy: CorsPolicy, req: IncomingMessage, res: ServerResponse): void {
  const origin = rawHeader(req, 'origin');
  if (!origin) return;
  const headers = policy.answer(origin);
  if (headers) for (const k in headers) res.setHeader(k, headers[k]!);
}

/** Answers a preflight for `pathname` when one of its routes has a policy; false leaves the request to the caller (a 405). */
export function answerPreflight(router: Router, allowed: readonly string[], pathname: string, req: IncomingMessage, res: ServerResponse): boolean {
  const origin = rawHeader(req, 'origin');
  const wanted = rawHeader(req, 'access-control-request-method');
  for (const method of allowed) {
    if (wanted && method !== wanted) continue;
    const hit = router.match(method, pathname);
    if (hit.kind !== 'found' || !hit.route.cors) continue;
    const headers = origin ? hit.route.cors.preflight(origin, rawHeader(req, 'access-control-request-headers')) : null;
    req.resume();
    // A refused origin still gets an answer, without the headers: the browser then blocks the call.
    res.writeHead(204, headers ?? {});
    res.end();
    return true;
  }
  return false;
}

function rawHeader(req: IncomingMessage, name: string): string | undefined {
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.length === name.length && raw[i]!.toLowerCase() === name) return raw[i + 1];
  }
  return undefined;
}
