// bench/lib/lean-client.ts: the measuring client of bench:gateway. One keep-alive HTTP/1.1
// connection, the request's bytes built once, the answer read off the socket with as little
// JavaScript as will do (status line, content-length or chunked body), in the manner of wrk.
//
// Why not fetch: the client is the instrument, and an instrument that allocates a lot
// (undici's fetch builds a Request, a Response, Headers and a web stream per call) runs its
// garbage collector, timers and finalisation tasks whenever its event loop is idle. A direct
// call never leaves the client idle, a proxied one does (while the proxy works), so the client's
// own pauses land inside proxied requests only and read as latency the proxy added. Measured:
// with fetch, nginx and both Node proxies show 1-3 ms more at p99 than with this client
// (docs/benchmarks/gateway.md). BENCH_CLIENT=fetch keeps the old instrument for comparison.
import { connect, type Socket } from 'node:net';

export interface LeanAnswer {
  status: number;
  body: string;
}

interface Pending {
  resolve(a: LeanAnswer): void;
  reject(err: Error): void;
}

/** One connection to `url`'s origin, one request at a time (a sequential client, as the bench's are). */
export class LeanClient {
  private readonly port: number;
  private readonly host: string;
  private socket: Socket | null = null;
  private connecting: Promise<Socket> | null = null;
  private buf: Buffer = Buffer.alloc(0);
  private pending: Pending | null = null;
  private lastRequest: Buffer | null = null;
  /** Connections the server closed between requests (nginx ends one after keepalive_requests). */
  reconnects = 0;

  constructor(url: string) {
    const u = new URL(url);
    if (u.protocol !== 'http:') throw new Error(`lean client: only http:// targets, got ${url}`);
    this.host = u.hostname;
    this.port = Number(u.port || 80);
  }

  /** The bytes of one POST with a JSON body; build once, send many times. */
  static post(url: string, headers: Record<string, string>, body: string): Buffer {
    const u = new URL(url);
    const lines = [`POST ${u.pathname}${u.search} HTTP/1.1`, `host: ${u.host}`, 'content-type: application/json', `content-length: ${Buffer.byteLength(body)}`];
    for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() !== 'content-type') lines.push(`${k}: ${v}`);
    return Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body}`);
  }

  /** Sends `request` (from post()) and resolves with the whole answer. */
  async send(request: Buffer): Promise<LeanAnswer> {
    if (this.pending) throw new Error('lean client: one request at a time');
    const socket = this.socket ?? (await this.open());
    return new Promise<LeanAnswer>((resolve, reject) => {
      this.pending = { resolve, reject };
      this.lastRequest = request;
      socket.write(request);
    });
  }

  close(): void {
    this.socket?.destroy();
    this.socket = null;
  }

  private open(): Promise<Socket> {
    this.connecting ??= new Promise<Socket>((resolve, reject) => {
      const s = connect(this.port, this.host);
      s.setNoDelay(true);
      s.once('connect', () => {
        s.off('error', reject);
        this.socket = s;
        this.connecting = null;
        s.on('data', (d: Buffer) => this.onData(d));
        // An error of a connection already replaced belongs to no request of ours.
        s.on('error', (err) => {
          if (this.socket === s) this.fail(err);
        });
        s.on('close', () => this.onClose(s));
        resolve(s);
      });
      s.once('error', (err) => {
        this.connecting = null;
        reject(err);
      });
    });
    return this.connecting;
  }

  private onClose(s: Socket): void {
    if (this.socket !== s) return;
    this.socket = null;
    this.buf = Buffer.alloc(0);
    // A keep-alive connection the server ended while a request was on it: send it again on a new
    // one, as any HTTP client does for an idempotent retry of a request the server never answered.
    if (this.pending && this.lastRequest) {
      this.reconnects++;
      const request = this.lastRequest;
      void this.open().then((n) => n.write(request), (err: Error) => this.fail(err));
    }
  }

  private fail(err: Error): void {
    const p = this.pending;
    this.pending = null;
    p?.reject(err);
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
    const answer = parseAnswer(this.buf);
    if (!answer) return;
    this.buf = this.buf.subarray(answer.used);
    const p = this.pending;
    this.pending = null;
    // A server that answers twice would skew every figure after it: stop the bench loudly.
    if (!p) throw new Error('lean client: an answer nobody asked for');
    p.resolve({ status: answer.status, body: answer.body });
  }
}

/** One whole HTTP/1.1 answer at the start of `buf`, or null while it is incomplete. */
export function parseAnswer(buf: Buffer): { status: number; body: string; used: number } | null {
  const headEnd = buf.indexOf('\r\n\r\n');
  if (headEnd < 0) return null;
  const head = buf.toString('latin1', 0, headEnd);
  const status = Number(head.slice(9, 12));
  if (!head.startsWith('HTTP/1.') || !Number.isInteger(status)) throw new Error(`lean client: not an HTTP answer: ${JSON.stringify(head.slice(0, 40))}`);
  const start = headEnd + 4;
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (length) {
    const end = start + Number(length[1]);
    return buf.length < end ? null : { status, body: buf.toString('utf8', start, end), used: end };
  }
  if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) return parseChunked(buf, start, status);
  throw new Error('lean client: an answer with neither content-length nor chunked encoding');
}

function parseChunked(buf: Buffer, from: number, status: number): { status: number; body: string; used: number } | null {
  const parts: Buffer[] = [];
  let at = from;
  for (;;) {
    const lineEnd = buf.indexOf('\r\n', at);
    if (lineEnd < 0) return null;
    const size = parseInt(buf.toString('latin1', at, lineEnd), 16);
    if (!Number.isFinite(size)) throw new Error('lean client: a bad chunk size');
    const dataStart = lineEnd + 2;
    if (size === 0) {
      // No trailers are sent by the servers measured: the last chunk ends with one empty line.
      if (buf.length < dataStart + 2) return null;
      return { status, body: Buffer.concat(parts).toString('utf8'), used: dataStart + 2 };
    }
    if (buf.length < dataStart + size + 2) return null;
    parts.push(buf.subarray(dataStart, dataStart + size));
    at = dataStart + size + 2;
  }
}
