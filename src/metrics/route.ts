import type { ServerResponse } from 'node:http';
import type { Logger } from '../core/logger.ts';
import { errorMessage } from '../core/errors.ts';
import { STREAMED, needs, type Route, type RouteResult } from '../http/route.ts';
import type { HostMetrics } from './host-metrics.ts';
import { scrape } from './scrape.ts';

/** `GET /metrics` on the API port: Prometheus text, or OpenMetrics when `Accept` asks; a token holding READ_METRICS. */
export function metricsRoute(m: HostMetrics, log: Logger): Route {
  return {
    method: 'GET',
    path: '/metrics',
    access: needs('READ_METRICS'),
    // A scraper sees the host start: what is up so far is worth a sample.
    beforeReady: true,
    async handler({ raw, res }): Promise<RouteResult> {
      await answerScrape(m, log, raw.headers.accept, res);
      return STREAMED;
    },
  };
}

export async function answerScrape(m: HostMetrics, log: Logger, accept: string | undefined, res: ServerResponse): Promise<void> {
  const { contentType, body } = await scrape(m, accept, (err) => log.warn({ err: errorMessage(err) }, 'metrics: a collector failed; its gauges are left out of this scrape'));
  res.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
}
