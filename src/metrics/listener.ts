import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../core/logger.ts';
import { NxsError, errorMessage, systemErrorCode } from '../core/errors.ts';
import type { HostMetrics } from './host-metrics.ts';
import { answerScrape } from './route.ts';

export interface MetricsListener {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * The optional second port (`metrics.listen`) for scrapers that cannot send a token: it answers
 * `GET /metrics` and nothing else, with no authentication, so config keeps it on loopback unless
 * the operator sets metrics.allow_non_loopback. It shares nothing with the API server.
 */
export async function startMetricsListener(m: HostMetrics, log: Logger, host: string, port: number): Promise<MetricsListener> {
  const server: Server = process.getBuiltinModule('node:http').createServer({ headersTimeout: 10_000, requestTimeout: 10_000, keepAliveTimeout: 5_000 }, (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: this port answers GET /metrics only\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET', 'content-type': 'text/plain; charset=utf-8' }).end(`/metrics does not accept ${req.method}; it accepts GET\n`);
      return;
    }
    answerScrape(m, log, req.headers.accept, res).catch((err: unknown) => {
      log.error({ err: errorMessage(err) }, 'metrics: scrape failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('scrape failed; see the host log\n');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => {
      const code = systemErrorCode(err);
      if (code === 'EADDRINUSE' || code === 'EACCES') {
        reject(new NxsError('NXS_ERR_PORT_IN_USE', `metrics.listen: cannot listen on ${host}:${port} (${code === 'EACCES' ? 'not allowed' : 'already in use'}); choose another port`, { host, port }));
      } else if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
        reject(new NxsError('NXS_ERR_CONFIG_INVALID', `metrics.listen: ${host} is not an address of this machine`, { host }));
      } else reject(err);
    });
    server.listen({ host, port }, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shown}:${address.port}/metrics`,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
