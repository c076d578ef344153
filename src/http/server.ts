import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../core/logger.ts';
import type { SecretRedactor } from '../core/secrets-redactor.ts';
import { NxsError, errorMessage, systemErrorCode } from '../core/errors.ts';
import { httpStatusFor } from '../error-registry.ts';
import { hasCapability } from '../core/capabilities.ts';
import { bearerToken, type TokenAuthority } from './auth.ts';
import type { Router } from './router.ts';
import { STREAMED, type ErrorStyle, type Route } from './route.ts';
import { ERROR_CODE_HEADER, errorBody, sendJson } from './respond.ts';
import { UPSTREAM_TIME_HEADER } from './upstream-time.ts';
import { answerPreflight, applyCors } from './cors-gate.ts';
import { connectionBudget, guardConnections, readNofileLimit, type ConnectionGuard } from './connection-guard.ts';
import type { ServerLimits } from '../config/schema.ts';

export interface HttpServerDeps {
  log: Logger;
  redactor: SecretRedactor;
  auth: TokenAuthority;
  router: Router;
  maxBodyBytes: number;
  limits: ServerLimits;
  isReady(): boolean;
  /** Told of every answered request (the host's metrics): its route pattern, never the raw URL. */
  observer?: RequestObserver;
}

export interface RequestObserver {
  /** `upstreamSeconds`: what the route said it waited on an upstream (UPSTREAM_TIME_HEADER), when it said. */
  observe(o: { method: string; route: string; status: number; seconds: number; upstreamSeconds?: number }): void;
}

export interface RunningServer {
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

/** Starts the API server. EADDRINUSE becomes NXS_ERR_PORT_IN_USE with the fix in its message. */
export async function startHttpServer(deps: HttpServerDeps, host: string, port: number): Promise<RunningServer> {
  // Each request in flight, so a stop can cancel them (streams end, upstream calls are cut). A Set
  // rather than a listener per request on one shared signal: adding and removing an EventTarget
  // listener cost the door's path ~3 us a request.
  const inFlight = new Set<AbortController>();
  const { limits } = deps;
  const server = process.getBuiltinModule('node:http').createServer(
    {
      // requestTimeout 0 also turned the headers timeout off: a socket could dribble headers forever.
      // Both bound only receiving the request; answers (streams, long completions) are not cut by them.
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // Node checks those two timeouts on this interval only (30 s by default): half the headers
      // timeout cuts a stalled request within 1.5x of it. At the default 20 s that is one timer tick
      // every 10 s (it was 30 s): a cheap price for a bound that holds.
      connectionsCheckingInterval: Math.min(30_000, Math.max(50, Math.floor(limits.headersTimeoutMs / 2))),
    },
    (req, res) => {
      guard.answering(req.socket, res);
      void handle(deps, req, res, inFlight, guard);
    },
  );
  const budget = connectionBudget(limits.maxConnections > 0 ? null : readNofileLimit(), limits.maxConnections);
  const guard = guardConnections(server, budget, limits.idleTimeoutMs);
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => {
      const code = systemErrorCode(err);
      if (code === 'EADDRINUSE') {
        reject(new NxsError('NXS_ERR_PORT_IN_USE', `port ${port} on ${host} is already in use; choose another with --port N (or NXS_PORT, or 0 for any free port)`, { host, port }));
      } else if (code === 'EACCES') {
        reject(new NxsError('NXS_ERR_PORT_IN_USE', `not allowed to listen on ${host}:${port}; ports below 1024 need privileges, choose another with --port N`, { host, port }));
      } else if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
        reject(new NxsError('NXS_ERR_CONFIG_INVALID', `server.host ${host} is not an address of this machine`, { host }));
      } else reject(err);
    };
    server.once('error', onError);
    server.listen({ host, port }, () => {
      server.off('error', onError);
      resolve();
    });
  });
  deps.log.debug({ connections: budget.normal, reserve: budget.reserve, nofile: budget.nofile }, 'connection bound');
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}`,
    port: address.port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        const stopping = new Error('host stopping');
        for (const request of inFlight) request.abort(stopping);
        server.close(() => resolve());
        server.closeIdleConnections();
        // Streams (SSE) end when their request is aborted above; anything left is cut.
        setTimeout(() => server.closeAllConnections(), 200).unref();
      }),
  };
}

async function handle(deps: HttpServerDeps, req: IncomingMessage, res: ServerResponse, inFlight: Set<AbortController>, guard: ConnectionGuard): Promise<void> {
  let style: ErrorStyle = (req.url ?? '').startsWith('/v1') ? 'openai' : 'nxs';
  const observed = deps.observer ? observeAnswer(deps.observer, req, res) : null;
  try {
    const url = parseTarget(req.url ?? '/');
    const match = deps.router.match(req.method ?? 'GET', url.pathname);
    if (match.kind === 'none') throw new NxsError('NXS_ERR_NOT_FOUND', `no route ${req.method} ${url.pathname}`);
    if (match.kind === 'wrong-method') {
      if (req.method === 'OPTIONS' && answerPreflight(deps.router, match.allowed, url.pathname, req, res)) return;
      res.setHeader('allow', match.allowed.join(', '));
      throw new NxsError('NXS_ERR_METHOD_NOT_ALLOWED', `${url.pathname} does not accept ${req.method}; it accepts ${match.allowed.join(', ')}`);
    }
    const { route, params } = match;
    if (observed) observed.route = route.path;
    style = route.errorStyle ?? style;
    if (route.cors) applyCors(route.cors, req, res);
    const principal = authenticate(deps, route, req, params);
    if (principal && guard.onReserve(req.socket) && !hasCapability(principal.capabilities, 'ADMIN')) {
      res.setHeader('connection', 'close');
      throw new NxsError('NXS_ERR_TOO_MANY_CONNECTIONS', 'the host holds as many connections as its open-file limit allows; this one is kept for health checks and the operator; retry shortly', { retryAfterSeconds: 1 });
    }
    if (!route.beforeReady && !deps.isReady()) throw new NxsError('NXS_ERR_NOT_READY', 'the host is not ready yet; retry shortly');
    const body = await readJsonBody(req, deps.maxBodyBytes);
    const abort = new AbortController();
    // 'close' also fires after every finished response: only a response cut short means the client left
    // (and building an Error per request for nothing cost a stack capture on the hot path).
    const onGone = (): void => {
      if (!res.writableFinished) abort.abort(new Error('client went away'));
    };
    res.once('close', onGone);
    inFlight.add(abort);
    try {
      const result = await route.handler({ params, query: url.searchParams, body, principal, raw: req, res, signal: abort.signal });
      if (result === STREAMED) return;
      if (!res.headersSent) sendJson(res, result.status ?? 200, result.body, result.headers, route.scrubAnswer ? deps.redactor : undefined);
    } finally {
      inFlight.delete(abort);
    }
  } catch (err) {
    respondError(deps, res, style, err);
  }
}

// A plain path (segments of letters, digits, _ and -, no query) is its own pathname: WHATWG URL
// parsing of it would change nothing and costs about 0.6 us per request. Anything else (a query,
// dots, %-escapes, `//`, backslashes) goes through URL as before.
const PLAIN_PATH = /^(?:(?:\/[\w-]+)+\/?|\/)$/;

function parseTarget(target: string): { pathname: string; searchParams: URLSearchParams } {
  if (PLAIN_PATH.test(target)) return { pathname: target, searchParams: new URLSearchParams() };
  return new URL(target, 'http://nxs.invalid');
}

function authenticate(deps: HttpServerDeps, route: Route, req: IncomingMessage, params: Record<string, string>) {
  const access = route.access;
  if (access.kind === 'public') return null;
  const token = bearerToken(headerValue(req, 'authorization'));
  // Without a token, the console's session cookie is the other credential (src/console/session-auth.ts).
  const principal = token ? deps.auth.resolve(token) : deps.auth.resolveSession(req);
  if (!token && !principal) throw new NxsError('NXS_ERR_UNAUTHORIZED', 'missing bearer token: send "Authorization: Bearer <token>" (the token is in the data folder\'s api-token file), or sign in to the console with a link from nxs console');
  if (!principal) throw new NxsError('NXS_ERR_UNAUTHORIZED', 'the bearer token is not valid for this host');
  if (access.kind === 'capability' && !hasCapability(principal.capabilities, access.capability)) {
    deps.auth.reportDenied({ principal, capability: access.capability, method: req.method ?? 'GET', route: route.path, params });
    throw new NxsError('NXS_ERR_FORBIDDEN', `Insufficient capabilities: ${access.capability} required`, { capability: access.capability });
  }
  return principal;
}

/**
 * A request header's value, read off rawHeaders: `req.headers` builds an object of every header
 * on first use (~8k instructions), and the server itself needs only these two. The first value
 * wins, as in req.headers for authorization (duplicates dropped) and content-length (llhttp
 * refuses differing duplicates).
 */
function headerValue(req: IncomingMessage, name: string): string | undefined {
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const key = raw[i]!;
    if (key.length === name.length && key.toLowerCase() === name) return raw[i + 1];
  }
  return undefined;
}

function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'DELETE') {
    req.resume();
    return Promise.resolve(undefined);
  }
  const declared = Number(headerValue(req, 'content-length') ?? 0);
  if (declared > limit) {
    req.resume();
    return Promise.reject(new NxsError('NXS_ERR_PAYLOAD_TOO_LARGE', `request body of ${declared} bytes exceeds the limit of ${limit} bytes (server.max_body_bytes)`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new NxsError('NXS_ERR_PAYLOAD_TOO_LARGE', `request body exceeds the limit of ${limit} bytes (server.max_body_bytes)`));
        return;
      }
      chunks.push(c);
    });
    req.on('error', reject);
    req.on('end', () => {
      if (size > limit) return;
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') return resolve(undefined);
      try {
        resolve(JSON.parse(text));
      } catch (err) {
        reject(new NxsError('NXS_ERR_BAD_REQUEST', `request body is not valid JSON: ${errorMessage(err)}`));
      }
    });
  });
}

function respondError(deps: HttpServerDeps, res: ServerResponse, style: ErrorStyle, err: unknown): void {
  const status = httpStatusFor(err);
  const code = err instanceof NxsError ? err.code : 'NXS_ERR_INTERNAL';
  const message = deps.redactor.scrub(err instanceof NxsError ? err.message : 'internal error; see the host log');
  if (!(err instanceof NxsError)) deps.log.error({ err: deps.redactor.scrub(errorMessage(err)), stack: err instanceof Error ? deps.redactor.scrub(err.stack ?? '') : undefined }, 'request failed');
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const headers: Record<string, string> = { [ERROR_CODE_HEADER]: code };
  if (err instanceof NxsError && typeof err.details?.retryAfterSeconds === 'number') headers['retry-after'] = String(err.details.retryAfterSeconds);
  sendJson(res, status, errorBody(style, status, code, message), headers);
}

/**
 * Reports the request once its answer is over ('close' fires after every response, finished or
 * cut), whichever path answered it (a route, an error, a preflight). `route` stays `unmatched`
 * for a path no route knows, so a scan of random URLs adds one series, not one per URL.
 */
function observeAnswer(observer: RequestObserver, req: IncomingMessage, res: ServerResponse): { route: string } {
  const started = performance.now();
  const seen = { route: 'unmatched' };
  res.once('close', () => {
    const seconds = (performance.now() - started) / 1000;
    const upstream = res.getHeader(UPSTREAM_TIME_HEADER);
    observer.observe({ method: req.method ?? 'GET', route: seen.route, status: res.statusCode, seconds, ...(typeof upstream === 'string' ? { upstreamSeconds: Number(upstream) / 1000 } : {}) });
  });
  return seen;
}
