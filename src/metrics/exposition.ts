import { escapeLabelValue, type AnyFamily, type HistogramSeries, type Series } from './registry.ts';

export { escapeLabelValue };

/**
 * The text formats Prometheus scrapes: its own 0.0.4 text, and OpenMetrics 1.0 when the scraper
 * asks for it (Prometheus 2.x does by default). The two differ in small ways that matter to a
 * strict parser: OpenMetrics names a counter's family without `_total`, escapes `"` in HELP,
 * and ends with `# EOF`.
 */
export type ExpositionFormat = 'prometheus' | 'openmetrics';

export const CONTENT_TYPES: Readonly<Record<ExpositionFormat, string>> = {
  prometheus: 'text/plain; version=0.0.4; charset=utf-8',
  openmetrics: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
};

export function render(families: readonly AnyFamily[], format: ExpositionFormat): string {
  const om = format === 'openmetrics';
  let out = '';
  for (const f of families) {
    const family = om && f.type === 'counter' ? f.name.slice(0, -'_total'.length) : f.name;
    out += `# HELP ${family} ${escapeHelp(f.help, om)}\n# TYPE ${family} ${f.type}\n`;
    if (f.type === 'histogram') {
      for (const s of f.all()) out += histogramLines(f.name, f.buckets, s);
    } else {
      for (const s of f.all() as Iterable<Series>) out += `${f.name}${s.pairs === '' ? '' : `{${s.pairs}}`} ${formatValue(s.value)}\n`;
    }
  }
  return om ? `${out}# EOF\n` : out;
}

function histogramLines(name: string, buckets: readonly number[], s: HistogramSeries): string {
  const bucket = `${name}_bucket{${s.pairs === '' ? '' : `${s.pairs},`}le="`;
  const plain = s.pairs === '' ? '' : `{${s.pairs}}`;
  let out = '';
  let cumulative = 0;
  for (let i = 0; i < buckets.length; i++) {
    cumulative += s.counts[i]!;
    out += `${bucket}${formatValue(buckets[i]!)}"} ${cumulative}\n`;
  }
  out += `${bucket}+Inf"} ${s.count}\n`;
  out += `${name}_sum${plain} ${formatValue(s.sum)}\n`;
  out += `${name}_count${plain} ${s.count}\n`;
  return out;
}

/** 0.0.4 escapes backslash and line feed in HELP; OpenMetrics also the double quote. */
export function escapeHelp(help: string, openMetrics: boolean): string {
  const escaped = help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
  return openMetrics ? escaped.replace(/"/g, '\\"') : escaped;
}

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}
