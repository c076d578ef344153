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

export interface Route {
  method: Method;
  /** `/api/agents/:id`: `:name` matches one path segment. */
  path: string;
  /** `public` routes skip the bearer token (health checks only). */
  auth: 'public' | 'token';
  /** Checked before the handler runs; denial is 403 with seed 004's body. */
  capability?: Capability;
  errorStyle?: ErrorStyle;
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
