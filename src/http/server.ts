import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../core/logger.ts';
import type { SecretRedactor } from '../core/secrets-redactor.ts';
import { NxsError, errorMessage, systemErrorCode } from '../core/errors.ts';
import { httpStatusFor } from '../core/error-registry.ts';
import { hasCapability } from '../core/capabilities.ts';
import { bearerToken, type TokenAuthority } from './auth.ts';
import type { Router } from './router.ts';
import { STREAMED, type ErrorStyle, type Route } from './route.ts';
import { ERROR_CODE_HEADER, errorBody, sendJson } from './respond.ts';

export interface HttpServerDeps {
  log: Logger;
  redactor: SecretRedactor;
  auth: TokenAuthority;
  router: Router;
  maxBodyBytes: number;
  isReady(): boolean;
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
  const server = process.getBuiltinModule('node:http').createServer({ keepAliveTimeout: 5_000, requestTimeout: 0 }, (req, res) => {
    void handle(deps, req, res, inFlight);
  });
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

async function handle(deps: HttpServerDeps, req: IncomingMessage, res: ServerResponse, inFlight: Set<AbortController>): Promise<void> {
  let style: ErrorStyle = (req.url ?? '').startsWith('/v1') ? 'openai' : 'nxs';
  try {
    const url = parseTarget(req.url ?? '/');
    const match = deps.router.match(req.method ?? 'GET', url.pathname);
    if (match.kind === 'none') throw new NxsError('NXS_ERR_NOT_FOUND', `no route ${req.method} ${url.pathname}`);
    if (match.kind === 'wrong-method') {
      res.setHeader('allow', match.allowed.join(', '));
      throw new NxsError('NXS_ERR_METHOD_NOT_ALLOWED', `${url.pathname} does not accept ${req.method}; it accepts ${match.allowed.join(', ')}`);
    }
    const { route, params } = match;
    style = route.errorStyle ?? style;
    const principal = authenticate(deps, route, req, params);
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
  if (route.auth === 'public') return null;
  const token = bearerToken(headerValue(req, 'authorization'));
  if (!token) throw new NxsError('NXS_ERR_UNAUTHORIZED', 'missing bearer token: send "Authorization: Bearer <token>" (the token is in the data folder\'s api-token file)');
  const principal = deps.auth.resolve(token);
  if (!principal) throw new NxsError('NXS_ERR_UNAUTHORIZED', 'the bearer token is not valid for this host');
  if (route.capability && !hasCapability(principal.capabilities, route.capability)) {
    deps.auth.reportDenied({ principal, capability: route.capability, method: req.method ?? 'GET', route: route.path, params });
    throw new NxsError('NXS_ERR_FORBIDDEN', `Insufficient capabilities: ${route.capability} required`, { capability: route.capability });
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
