import type { Dispatcher, Pool } from 'undici';
import type { Clock } from '../core/clock.ts';
import { NxsError } from '../core/errors.ts';
import type { ProviderSpec } from './provider-spec.ts';
import { parseRetryAfter, type ProviderFailure } from './classify.ts';
import { UpstreamFailure, networkCode } from './upstream-failure.ts';

export interface OpenResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Dispatcher.ResponseData['body'];
  /** Call when the body has been read or abandoned: stops the whole-request timer. */
  done(): void;
  /** Aborts the upstream request; the body iterator then throws an UpstreamFailure with this phase. */
  abortFor(phase: 'stall' | 'malformed'): void;
  /** Why the request was aborted by nxs itself (timeouts), if it was. */
  failureOf(err: unknown): UpstreamFailure | NxsError;
}

const ERROR_BODY_LIMIT = 64 * 1024;

/**
 * One undici Pool per provider origin, kept alive across calls. undici is
 * imported lazily: the single file may start from a V8 startup snapshot, and
 * undici at module top level breaks the snapshot.
 */
export class Transport {
  // Keyed by base URL and connect timeout: the pool and the base path are worked out once, not per request.
  private readonly targets = new Map<string, { pool: Pool; basePath: string }>();
  private readonly clock: Clock;
  private undici: typeof import('undici') | null = null;
  constructor(clock: Clock) {
    this.clock = clock;
  }

  private async target(p: ProviderSpec): Promise<{ pool: Pool; basePath: string }> {
    const key = `${p.baseUrl}|${p.timeouts.connectMs}`;
    const hit = this.targets.get(key);
    if (hit) return hit;
    this.undici ??= await import('undici');
    const again = this.targets.get(key);
    if (again) return again;
    const url = new URL(p.baseUrl);
    // Timeouts past connect run on the injected clock (below), so undici's own are off.
    const pool = new this.undici.Pool(url.origin, { connections: 64, keepAliveTimeout: 30_000, connect: { timeout: p.timeouts.connectMs, noDelay: true }, headersTimeout: 0, bodyTimeout: 0 });
    const t = { pool, basePath: url.pathname.replace(/\/+$/, '') };
    this.targets.set(key, t);
    return t;
  }

  /**
   * Sends a request and resolves once headers arrive. First-byte and whole-request
   * timers run on the clock; the caller's signal aborts everything.
   */
  async open(p: ProviderSpec, method: 'GET' | 'POST', pathname: string, body: unknown, apiKey: string | undefined, signal: AbortSignal | undefined): Promise<OpenResult> {
    const { pool, basePath } = await this.target(p);
    const ac = new AbortController();
    let why: ProviderFailure | null = null;
    const abortWith = (f: ProviderFailure): void => {
      if (why || ac.signal.aborted) return;
      why = f;
      ac.abort(new Error(`nxs: ${f.kind}`));
    };
    const onCaller = (): void => {
      if (!ac.signal.aborted) ac.abort(signal?.reason);
    };
    if (signal?.aborted) throw abortedError(signal);
    signal?.addEventListener('abort', onCaller, { once: true });
    let headersIn = false;
    // A first-byte bound no shorter than the whole request's cannot fire first: one timer, not two,
    // naming the phase it cut (before headers: first_byte).
    const total = this.clock.setTimeout(() => abortWith({ kind: 'timeout', phase: headersIn || p.timeouts.firstByteMs < p.timeouts.totalMs ? 'total' : 'first_byte' }), p.timeouts.totalMs);
    const firstByte = p.timeouts.firstByteMs < p.timeouts.totalMs ? this.clock.setTimeout(() => abortWith({ kind: 'timeout', phase: 'first_byte' }), p.timeouts.firstByteMs) : null;
    const done = (): void => {
      this.clock.clearTimeout(total);
      if (firstByte) this.clock.clearTimeout(firstByte);
      signal?.removeEventListener('abort', onCaller);
    };
    const failureOf = (err: unknown): UpstreamFailure | NxsError => {
      if (err instanceof UpstreamFailure || err instanceof NxsError) return err;
      if (why) return new UpstreamFailure(why, why.kind === 'timeout' ? `timed out (${why.phase})` : 'malformed stream');
      if (signal?.aborted) return abortedError(signal);
      const code = networkCode(err);
      return new UpstreamFailure(code === 'UND_ERR_CONNECT_TIMEOUT' ? { kind: 'timeout', phase: 'connect' } : { kind: 'network', code }, `network error ${code}`);
    };
    const headers: Record<string, string> = { accept: 'application/json, text/event-stream', ...p.headers };
    if (apiKey) headers.authorization = `Bearer ${apiKey}`;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    if (payload !== undefined) headers['content-type'] = 'application/json';
    try {
      const res = await pool.request({ path: basePath + pathname, method, headers, body: payload ?? null, signal: ac.signal });
      headersIn = true;
      if (firstByte) this.clock.clearTimeout(firstByte);
      return {
        status: res.statusCode,
        headers: res.headers,
        body: res.body,
        done,
        abortFor: (phase) => abortWith(phase === 'stall' ? { kind: 'timeout', phase: 'stall' } : { kind: 'malformed', detail: 'bad stream chunk' }),
        failureOf,
      };
    } catch (err) {
      done();
      throw failureOf(err);
    }
  }

  /** Reads an error response into a failure (status, Retry-After, the provider's error code and message). */
  async httpFailure(r: OpenResult): Promise<UpstreamFailure> {
    let text = '';
    try {
      for await (const chunk of r.body) {
        text += (chunk as Buffer).toString('utf8');
        if (text.length > ERROR_BODY_LIMIT) break;
      }
    } catch {
      // The error body is only a detail; the status already says what happened.
    } finally {
      r.done();
    }
    let errorCode: string | undefined;
    let errorType: string | undefined;
    let message: string | undefined = text.slice(0, 500) || undefined;
    try {
      const parsed = JSON.parse(text) as { error?: { message?: unknown; code?: unknown; type?: unknown } | string; message?: unknown };
      const e = parsed.error;
      if (typeof e === 'string') message = e;
      else if (e && typeof e === 'object') {
        if (typeof e.message === 'string') message = e.message;
        if (typeof e.code === 'string') errorCode = e.code;
        if (typeof e.type === 'string') errorType = e.type;
      } else if (typeof parsed.message === 'string') message = parsed.message;
    } catch {
      // Not JSON: keep the text.
    }
    const ra = r.headers['retry-after'];
    const failure: ProviderFailure = { kind: 'http', status: r.status, retryAfterMs: parseRetryAfter(Array.isArray(ra) ? ra[0] : ra, this.clock.now()), errorCode, errorType, message };
    return new UpstreamFailure(failure, `HTTP ${r.status}`);
  }

  async close(): Promise<void> {
    const targets = [...this.targets.values()];
    this.targets.clear();
    await Promise.all(targets.map((t) => t.pool.destroy().catch(() => undefined)));
  }
}

export function abortedError(signal: AbortSignal): NxsError {
  const reason = signal.reason instanceof Error ? signal.reason.message : 'cancelled';
  return new NxsError('NXS_ERR_PROVIDER_ABORTED', `the LLM call was cancelled (${reason})`);
}
