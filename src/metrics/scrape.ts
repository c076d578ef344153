import type { HostMetrics } from './host-metrics.ts';
import { CONTENT_TYPES, render } from './exposition.ts';
import { chooseFormat } from './negotiate.ts';

export interface ScrapeAnswer {
  contentType: string;
  body: string;
}

/** One scrape: the collectors set the state gauges, then every family is written in the format asked for. */
export async function scrape(m: HostMetrics, accept: string | undefined, onCollectError: (err: unknown) => void): Promise<ScrapeAnswer> {
  await m.registry.collect((err) => {
    m.collectErrors.inc();
    onCollectError(err);
  });
  const format = chooseFormat(accept);
  return { contentType: CONTENT_TYPES[format], body: render(m.registry.list(), format) };
}
