import type { ExpositionFormat } from './exposition.ts';

/**
 * The format a scraper asked for in `Accept`: OpenMetrics when it lists
 * application/openmetrics-text with a weight at least that of every text/plain
 * or wildcard entry; the 0.0.4 text otherwise (also for no header, curl's `*\/*`,
 * and anything unparsable: every scraper reads it).
 */
export function chooseFormat(accept: string | undefined): ExpositionFormat {
  if (!accept) return 'prometheus';
  let om = -1;
  let text = -1;
  for (const entry of accept.split(',')) {
    const [type = '', ...params] = entry.split(';').map((p) => p.trim().toLowerCase());
    const q = weight(params);
    if (type === 'application/openmetrics-text') {
      // A version we do not speak (only 1.0.0 and the draft 0.0.1 Prometheus also lists) is not a match.
      const version = params.find((p) => p.startsWith('version='))?.slice('version='.length);
      if (version === undefined || version === '1.0.0' || version === '0.0.1') om = Math.max(om, q);
    } else if (type === 'text/plain' || type === '*/*' || type === 'text/*') {
      text = Math.max(text, q);
    }
  }
  return om > 0 && om >= text ? 'openmetrics' : 'prometheus';
}

function weight(params: string[]): number {
  const q = params.find((p) => p.startsWith('q='));
  if (q === undefined) return 1;
  const n = Number(q.slice(2));
  return Number.isFinite(n) && n >= 0 && n <= 1 ? n : 0;
}
