import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Capability } from '../core/capabilities.ts';
import type { Principal } from './auth.ts';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** How a route's errors are shaped: seed 004's `{success:false,error}` or OpenAI's `{error:{...}}`. */
export type ErrorStyle = 'nxs' | 'openai';

export interface RouteRequest {
  params: Record<string, string>;
  query: URLSearchParams;
  /** The parsed JSON body (undefined for none). Malformed JSON never reaches a handler. */
  body: unknown;
  principal: Principal | null;
  raw: IncomingMessage;
  res: ServerResponse;
  /** Aborted when the client goes away or the host stops. */
  signal: AbortSignal;
}

/** A handler returns a JSON body (status 200 unless given), or `STREAMED` after writing `res` itself. */
export type RouteResult = { status?: number; body: unknown; headers?: Record<string, string> } | typeof STREAMED;
export const STREAMED = Symbol('streamed');

/**
 * A route's access rule. `capability` is checked before the handler runs (denial: 403 with seed
 * 004's body); `owner` passes any token to a handler that shows the caller only what it created or
 * is (ADMIN sees all, see ownership.ts); `any-token` and `public` say why no more is needed.
 */
export type Access =
  | { kind: 'public'; why: string }
  | { kind: 'capability'; capability: Capability }
  | { kind: 'any-token'; why: string }
  | { kind: 'owner'; scope: string };

/** A token holding `capability` (ADMIN holds every one). */
export const needs = (capability: Capability): Access => ({ kind: 'capability', capability });
/** Any valid token; `why` is shown in the matrix. */
export const anyToken = (why: string): Access => ({ kind: 'any-token', why });
/** Any valid token, scoped by the handler to what `scope` names; ADMIN sees everything. */
export const ownerScoped = (scope: string): Access => ({ kind: 'owner', scope });
/** No token: health checks, and the console's static page and sign-in (src/console). */
export const publicAccess = (why: string): Access => ({ kind: 'public', why });

/**
 * A route's answer to browsers on other origins: the headers for an answer to `origin`, and for
 * the preflight a browser sends first (OPTIONS, without a token); null when the origin is not allowed.
 */
export interface CorsPolicy {
  answer(origin: string): Record<string, string> | null;
  preflight(origin: string, requestedHeaders: string | undefined): Record<string, string> | null;
}

export interface Route {
  method: Method;
  /** `/api/agents/:id`: `:name` matches one path segment. */
  path: string;
  /**
   * Who may call it. Required, so a route without a rule does not compile; the matrix in
   * docs/security-matrix.md is built from these (test/security/route-matrix.test.ts).
   */
  access: Access;
  errorStyle?: ErrorStyle;
  /** Cross-origin (browser) callers: set only when the route's part allows some origin (cors-gate.ts). */
  cors?: CorsPolicy;
  /**
   * The answer carries text from outside nxs (a provider's completion): registered secrets are
   * scrubbed from the serialized body before it leaves, as the door's streamed chunks are. Not for
   * every route: `POST /api/tokens` must hand its new (registered) token to the caller.
   */
  scrubAnswer?: boolean;
  /** Routes that must answer while the host is still starting (health, status). */
  beforeReady?: boolean;
  handler(req: RouteRequest): Promise<RouteResult> | RouteResult;
}
