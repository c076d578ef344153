import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventEmitter, once } from 'node:events';

/** A webhook endpoint on loopback that records JSON posts; `status` scripts its answer. */
export async function startWebhookReceiver(): Promise<{ url: string; got: any[]; status: number; next(): Promise<any>; close(): Promise<void>; [Symbol.asyncDispose](): Promise<void> }> {
  const events = new EventEmitter();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.writeHead(r.status).end();
      if (r.status < 300) {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        r.got.push(body);
        events.emit('post', body);
      }
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const r = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    got: [] as any[],
    status: 200,
    next: async () => (await once(events, 'post'))[0],
    close: () => new Promise<void>((ok) => server.close(() => ok())),
    [Symbol.asyncDispose]: () => r.close(),
  };
  return r;
}
