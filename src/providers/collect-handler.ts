import type { Dispatcher } from 'undici';

export interface Collected {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/**
 * An undici dispatch handler that gathers a whole answer into one string. For
 * plain (non-streaming) calls it replaces `request()` + `body.text()`, which
 * build an AsyncResource, a Readable stream and an abort listener per call:
 * measured on the bench's door request, 70k fewer instructions (of 400k) in a
 * bare proxy. Methods live on the prototype: no closures per call.
 */
export class CollectHandler implements Dispatcher.DispatchHandler {
  /** Settles once: the answer (an error answer even if its body was cut), or the error undici or nxs aborted with. */
  readonly settled: Promise<Collected>;
  private resolve!: (c: Collected) => void;
  private reject!: (err: unknown) => void;
  private controller: Dispatcher.DispatchController | null = null;
  private pendingAbort: Error | null = null;
  private done = false;
  private status = 0;
  private headers: Record<string, string | string[] | undefined> = {};
  private chunks: Buffer[] = [];
  private size = 0;
  private readonly errorBodyLimit: number;
  private readonly onHeaders: () => void;

  /** `errorBodyLimit`: an answer that is not 2xx is kept only up to this many bytes, then the call is cut. */
  constructor(errorBodyLimit: number, onHeaders: () => void) {
    this.errorBodyLimit = errorBodyLimit;
    this.onHeaders = onHeaders;
    this.settled = new Promise<Collected>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  /** Cuts the call (timeouts, the caller's signal); before undici has started it, as soon as it does. */
  abort(reason: Error): void {
    if (this.done) return;
    if (this.controller) this.controller.abort(reason);
    else this.pendingAbort = reason;
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    if (this.pendingAbort) controller.abort(this.pendingAbort);
    else this.controller = controller;
  }

  onResponseStart(_c: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    // 1xx are interim answers: the real one follows.
    if (statusCode < 200) return;
    this.status = statusCode;
    this.headers = headers;
    this.onHeaders();
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.done) return;
    this.chunks.push(chunk);
    this.size += chunk.length;
    if (this.size > this.errorBodyLimit && (this.status < 200 || this.status >= 300)) {
      // An error body is only a detail: keep its head and drop the connection rather than read on.
      this.finish();
      controller.abort(new Error('nxs: error body over the limit'));
    }
  }

  onResponseEnd(): void {
    this.finish();
  }

  onResponseError(_c: Dispatcher.DispatchController | null, err: Error): void {
    if (this.done) return;
    // An error answer cut while its body was read: the status already says what happened.
    if (this.status >= 300) return this.finish();
    this.done = true;
    this.chunks = [];
    this.reject(err);
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    const text = this.chunks.length === 1 ? this.chunks[0]!.toString('utf8') : Buffer.concat(this.chunks, this.size).toString('utf8');
    this.chunks = [];
    this.resolve({ status: this.status, headers: this.headers, text });
  }
}
