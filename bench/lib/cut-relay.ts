// bench/lib/cut-relay.ts: a TCP relay in front of a loopback fake provider whose port can be dropped
// and brought back: the network drill's stand-in for a partition when no netfilter tool is installed
// (no iptables/nft here). cut() stops listening and resets every open connection, so nxs sees what a
// REJECT rule gives it (connection refused, reset mid-answer); restore() listens on the same port again.
import { createServer, connect, type Server, type Socket } from 'node:net';

export class CutRelay {
  port = 0;
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private readonly target: { host: string; port: number };

  constructor(targetUrl: string) {
    const u = new URL(targetUrl);
    this.target = { host: u.hostname, port: Number(u.port) };
  }

  /** The base URL nxs is given: the fake's path, through the relay's port. */
  url(targetUrl: string): string {
    const u = new URL(targetUrl);
    u.port = String(this.port);
    return u.toString().replace(/\/$/, '');
  }

  async listen(): Promise<void> {
    const server = createServer((inbound) => {
      const outbound = connect(this.target.port, this.target.host);
      for (const s of [inbound, outbound]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {
          inbound.destroy();
          outbound.destroy();
        });
      }
      inbound.pipe(outbound).pipe(inbound);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const s of this.sockets) s.resetAndDestroy();
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }

  restore(): Promise<void> {
    return this.listen();
  }

  close(): Promise<void> {
    return this.cut();
  }
}
