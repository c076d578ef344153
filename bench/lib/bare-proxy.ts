// bench/lib/bare-proxy.ts <upstream base URL>: the bare Node proxy bench:gateway measures beside nxs.
// Prints {"url": ...} once it listens.
// The floor: the least a Node proxy can do (node:http in, one undici Pool out through a plain
// dispatch handler, the JSON parsed and re-serialised once each way, no auth, no routing, no
// failover). Not a product: a reference so the added latency of nxs reads against what any Node
// process in the path costs on this machine. (Until 2026-11-22 it used pool.request() + body.text(),
// about 70k instructions per request more than this.)
export async function serveBare(upstream: string): Promise<void> {
  const { createServer } = await import('node:http');
  const { Pool } = await import('undici');
  type Res = import('node:http').ServerResponse;
  const u = new URL(upstream);
  const pool = new Pool(u.origin, { connections: 64 });
  const base = u.pathname.replace(/\/+$/, '');
  class Collect {
    chunks: Buffer[] = [];
    status = 0;
    res: Res;
    constructor(res: Res) {
      this.res = res;
    }
    onRequestStart(): void {}
    onResponseStart(_c: unknown, status: number): void {
      this.status = status;
    }
    onResponseData(_c: unknown, chunk: Buffer): void {
      this.chunks.push(chunk);
    }
    onResponseEnd(): void {
      const text = JSON.stringify(JSON.parse(Buffer.concat(this.chunks).toString('utf8')));
      this.res.writeHead(this.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      this.res.end(text);
    }
    onResponseError(_c: unknown, err: Error): void {
      this.res.destroy(err);
    }
  }
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      pool.dispatch({ path: `${base}/chat/completions`, method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sk-up' }, body: JSON.stringify(body) }, new Collect(res));
    });
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}` }) + '\n'));
}

if (import.meta.main) await serveBare(process.argv[2]!);
