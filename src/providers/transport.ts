import type { Dispatcher, Pool } from 'undici';
import type { Clock, TimerHandle } from '../core/clock.ts';
import { NxsError } from '../core/errors.ts';
import type { ProviderSpec } from './provider-spec.ts';
import { parseRetryAfter, type ProviderFailure } from './classify.ts';
import { UpstreamFailure, networkCode } from './upstream-failure.ts';
import { CollectHandler, type Collected } from './collect-handler.ts';
import { passedOnHeaders } from './upstream-headers.ts';

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
  /**
   * Scrubs registered secrets from a provider's text. Applied to the whole text before anything cuts it:
   * a key cut first is no longer whole, and a short enough piece of it would pass the scrubber.
   */
  readonly scrub: (text: string) => string;
  private undici: typeof import('undici') | null = null;
  constructor(clock: Clock, scrub: (text: string) => string = (t) => t) {
    this.clock = clock;
    this.scrub = scrub;
  }

  /** The provider's pool, without an await once it exists (every call after the first). */
  private target(p: ProviderSpec): { pool: Pool; basePath: string } | Promise<{ pool: Pool; basePath: string }> {
    return this.targets.get(`${p.baseUrl}|${p.timeouts.connectMs}`) ?? this.newTarget(p);
  }

  private async newTarget(p: ProviderSpec): Promise<{ pool: Pool; basePath: string }> {
    const key = `${p.baseUrl}|${p.timeouts.connectMs}`;
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
   * Sends a request and resolves once headers arrive, the body left to the caller as a
   * stream (streaming calls). First-byte and whole-request timers run on the clock; the
   * caller's signal aborts everything.
   */
  async open(p: ProviderSpec, method: 'GET' | 'POST', pathname: string, body: unknown, apiKey: string | undefined, signal: AbortSignal | undefined): Promise<OpenResult> {
    const t = this.target(p);
    const { pool, basePath } = t instanceof Promise ? await t : t;
    if (signal?.aborted) throw abortedError(signal);
    const ac = new AbortController();
    const g = new CallGuard(this.clock, p, signal, (reason) => ac.abort(reason));
    const payload = body === undefined ? undefined : JSON.stringify(body);
    try {
      const res = await pool.request({ path: basePath + pathname, method, headers: requestHeaders(p, apiKey, payload), body: payload ?? null, signal: ac.signal });
      g.headersArrived();
      return {
        status: res.statusCode,
        headers: res.headers,
        body: res.body,
        done: () => g.done(),
        abortFor: (phase) => g.abortWith(phase === 'stall' ? { kind: 'timeout', phase: 'stall' } : { kind: 'malformed', detail: 'bad stream chunk' }),
        failureOf: (err) => g.failureOf(err),
      };
    } catch (err) {
      const failure = g.failureOf(err);
      g.done();
      throw failure;
    }
  }

  /**
   * Sends a request and reads the whole answer (plain calls), with the same bounds as open().
   * An answer that is not 2xx resolves too (its body cut at 64 KiB): the caller turns it
   * into a failure with httpFailureOf.
   */
  async call(p: ProviderSpec, method: 'GET' | 'POST', pathname: string, body: unknown, apiKey: string | undefined, signal: AbortSignal | undefined): Promise<Collected> {
    const t = this.target(p);
    const { pool, basePath } = t instanceof Promise ? await t : t;
    if (signal?.aborted) throw abortedError(signal);
    const h: CollectHandler = new CollectHandler(ERROR_BODY_LIMIT, () => g.headersArrived());
    const g = new CallGuard(this.clock, p, signal, (reason) => h.abort(reason instanceof Error ? reason : new Error('nxs: cancelled')));
    const payload = body === undefined ? undefined : JSON.stringify(body);
    try {
      pool.dispatch({ path: basePath + pathname, method, headers: requestHeaders(p, apiKey, payload), body: payload ?? null }, h);
      return await h.settled;
    } catch (err) {
      throw g.failureOf(err);
    } finally {
      g.done();
    }
  }

  /** Reads an error response (streaming calls) into a failure. */
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
    return this.httpFailureOf(r.status, r.headers, text);
  }

  /** An error answer as a failure: status, Retry-After, the provider's error code and message (scrubbed, then cut). */
  httpFailureOf(status: number, headers: Record<string, string | string[] | undefined>, text: string): UpstreamFailure {
    let errorCode: string | undefined;
    let errorType: string | undefined;
    let errorParam: string | undefined;
    let message: string | undefined = this.scrub(text).slice(0, 500) || undefined;
    const said = (v: string): string => this.scrub(v);
    try {
      const parsed = JSON.parse(text) as { error?: { message?: unknown; code?: unknown; type?: unknown; param?: unknown } | string; message?: unknown };
      const e = parsed.error;
      if (typeof e === 'string') message = said(e);
      else if (e && typeof e === 'object') {
        if (typeof e.message === 'string') message = said(e.message);
        if (typeof e.code === 'string') errorCode = said(e.code);
        if (typeof e.type === 'string') errorType = said(e.type);
        if (typeof e.param === 'string') errorParam = said(e.param);
      } else if (typeof parsed.message === 'string') message = said(parsed.message);
    } catch {
      // Not JSON: keep the text.
    }
    const ra = headers['retry-after'];
    const failure: ProviderFailure = { kind: 'http', status, retryAfterMs: parseRetryAfter(Array.isArray(ra) ? ra[0] : ra, this.clock.now()), errorCode, errorType, errorParam, message, headers: passedOnHeaders(headers) };
    return new UpstreamFailure(failure, `HTTP ${status}`);
  }

  async close(): Promise<void> {
    const targets = [...this.targets.values()];
    this.targets.clear();
    await Promise.all(targets.map((t) => t.pool.destroy().catch(() => undefined)));
  }
}

function requestHeaders(p: ProviderSpec, apiKey: string | undefined, payload: string | undefined): Record<string, string> {
  const headers: Record<string, string> = { accept: 'application/json, text/event-stream', ...p.headers };
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  if (payload !== undefined) headers['content-type'] = 'application/json';
  return headers;
}

/**
 * One call's bounds: the first-byte and whole-request timers on the clock, the caller's
 * signal (this object is the listener: no closure per call), and why nxs cut the call.
 */
class CallGuard {
  private why: ProviderFailure | null = null;
  private cut = false;
  private headersIn = false;
  private readonly clock: Clock;
  private readonly signal: AbortSignal | undefined;
  private sink: (reason: unknown) => void;
  private readonly total: TimerHandle;
  private readonly firstByte: TimerHandle | null;

  constructor(clock: Clock, p: ProviderSpec, signal: AbortSignal | undefined, sink: (reason: unknown) => void) {
    this.clock = clock;
    this.signal = signal;
    this.sink = sink;
    signal?.addEventListener('abort', this, { once: true });
    // A first-byte bound no shorter than the whole request's cannot fire first: one timer, not two,
    // naming the phase it cut (before headers: first_byte).
    const split = p.timeouts.firstByteMs < p.timeouts.totalMs;
    this.total = clock.setTimeout(() => this.abortWith({ kind: 'timeout', phase: this.headersIn || split ? 'total' : 'first_byte' }), p.timeouts.totalMs);
    this.firstByte = split ? clock.setTimeout(() => this.abortWith({ kind: 'timeout', phase: 'first_byte' }), p.timeouts.firstByteMs) : null;
  }

  /** The caller's signal fired. */
  handleEvent(): void {
    this.cutWith(this.signal?.reason);
  }

  abortWith(f: ProviderFailure): void {
    if (this.why || this.cut) return;
    this.why = f;
    this.cutWith(new Error(`nxs: ${f.kind}`));
  }

  headersArrived(): void {
    this.headersIn = true;
    if (this.firstByte) this.clock.clearTimeout(this.firstByte);
  }

  /** The body has been read or abandoned: stop the timers, let go of the signal. */
  done(): void {
    this.clock.clearTimeout(this.total);
    if (this.firstByte) this.clock.clearTimeout(this.firstByte);
    this.signal?.removeEventListener('abort', this);
    // Something inside Node keeps a listener once registered on the door's per-request signal
    // alive past its removal until a full GC (not found; measured with --trace-gc-nvp). Through the
    // sink it held the whole upstream call (undici request, headers, body): 1.4-3 MB survived each
    // scavenge and pauses grew to 5-15 ms. Letting go of the sink leaves only this small object.
    this.sink = NOOP;
  }

  failureOf(err: unknown): UpstreamFailure | NxsError {
    if (err instanceof UpstreamFailure || err instanceof NxsError) return err;
    if (this.why) return new UpstreamFailure(this.why, this.why.kind === 'timeout' ? `timed out (${this.why.phase})` : 'malformed stream');
    if (this.signal?.aborted) return abortedError(this.signal);
    const code = networkCode(err);
    return new UpstreamFailure(code === 'UND_ERR_CONNECT_TIMEOUT' ? { kind: 'timeout', phase: 'connect' } : { kind: 'network', code }, `network error ${code}`);
  }

  private cutWith(reason: unknown): void {
    if (this.cut) return;
    this.cut = true;
    this.sink(reason);
  }
}

const NOOP = (): void => {};

export function abortedError(signal: AbortSignal): NxsError {
  const reason = signal.reason instanceof Error ? signal.reason.message : 'cancelled';
  return new NxsError('NXS_ERR_PROVIDER_ABORTED', `the LLM call was cancelled (${reason})`);
}
