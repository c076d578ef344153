import { describe, it, expect } from 'vitest';
import { MetricsRegistry, MAX_SERIES_PER_FAMILY, OVERFLOW_LABEL } from '../../../src/metrics/registry.ts';
import { render, escapeLabelValue, escapeHelp, formatValue } from '../../../src/metrics/exposition.ts';
import { chooseFormat } from '../../../src/metrics/negotiate.ts';

describe('the text exposition', () => {
  it('escapes backslash, double quote and line feed in label values, and nothing else', () => {
    expect(escapeLabelValue('plain-name_1.2')).toBe('plain-name_1.2');
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    expect(escapeLabelValue('tab\there ünï')).toBe('tab\there ünï');
    const r = new MetricsRegistry();
    r.counter('x_total', 'X.', ['route']).inc(['/a"b\\c\nd']);
    expect(render(r.list(), 'prometheus')).toContain('x_total{route="/a\\"b\\\\c\\nd"} 1\n');
  });

  it('escapes HELP as each format says: 0.0.4 leaves the double quote, OpenMetrics escapes it', () => {
    expect(escapeHelp('say "hi"\nback\\slash', false)).toBe('say "hi"\\nback\\\\slash');
    expect(escapeHelp('say "hi"\nback\\slash', true)).toBe('say \\"hi\\"\\nback\\\\slash');
  });

  it('writes special values as Prometheus reads them', () => {
    expect([NaN, Infinity, -Infinity, 0, 1.5, 1e21].map(formatValue)).toEqual(['NaN', '+Inf', '-Inf', '0', '1.5', '1e+21']);
  });

  it('writes histogram buckets cumulative, with +Inf, _sum and _count', () => {
    const r = new MetricsRegistry();
    const h = r.histogram('lat_seconds', 'Latency.', ['p'], [0.1, 1, 0.5]);
    for (const v of [0.05, 0.1, 0.3, 0.7, 5]) h.observe(['a'], v);
    expect(render(r.list(), 'prometheus')).toBe(
      [
        '# HELP lat_seconds Latency.',
        '# TYPE lat_seconds histogram',
        'lat_seconds_bucket{p="a",le="0.1"} 2',
        'lat_seconds_bucket{p="a",le="0.5"} 3',
        'lat_seconds_bucket{p="a",le="1"} 4',
        'lat_seconds_bucket{p="a",le="+Inf"} 5',
        'lat_seconds_sum{p="a"} 6.15',
        'lat_seconds_count{p="a"} 5',
        '',
      ].join('\n'),
    );
  });

  it('names a counter family without _total in OpenMetrics and ends with # EOF; 0.0.4 has no EOF', () => {
    const r = new MetricsRegistry();
    r.counter('jobs_total', 'Jobs.', ['queue']).inc(['q'], 2);
    r.gauge('depth', 'Depth.').set([], 3);
    const om = render(r.list(), 'openmetrics');
    expect(om).toBe('# HELP jobs Jobs.\n# TYPE jobs counter\njobs_total{queue="q"} 2\n# HELP depth Depth.\n# TYPE depth gauge\ndepth 3\n# EOF\n');
    const text = render(r.list(), 'prometheus');
    expect(text).toContain('# TYPE jobs_total counter\njobs_total{queue="q"} 2\n');
    expect(text).not.toContain('# EOF');
  });

  it('shows an unlabelled counter at 0 before its first event, a labelled one only once seen', () => {
    const r = new MetricsRegistry();
    r.counter('a_total', 'A.');
    r.counter('b_total', 'B.', ['x']);
    expect(render(r.list(), 'prometheus')).toBe('# HELP a_total A.\n# TYPE a_total counter\na_total 0\n# HELP b_total B.\n# TYPE b_total counter\n');
  });
});

describe('the registry refuses what Prometheus would', () => {
  const r = () => new MetricsRegistry();
  it.each([
    ['a bad metric name', () => r().gauge('1bad', 'x')],
    ['a bad label name', () => r().gauge('ok', 'x', ['bad-label'])],
    ['a reserved label name', () => r().gauge('ok', 'x', ['__name'])],
    ['a repeated label', () => r().gauge('ok', 'x', ['a', 'a'])],
    ['a counter without _total', () => r().counter('jobs', 'x')],
    ['le on a histogram', () => r().histogram('h', 'x', ['le'], [1])],
    ['a histogram without buckets', () => r().histogram('h', 'x', [], [])],
    ['no help text', () => r().gauge('ok', ' ')],
  ])('%s', (_name, make) => {
    expect(make).toThrow(expect.objectContaining({ code: 'NXS_ERR_INTERNAL' }));
  });

  it('names that would collide in either format', () => {
    const reg = r();
    reg.counter('jobs_total', 'x');
    expect(() => reg.gauge('jobs', 'y')).toThrow(/collides/);
    reg.histogram('lat', 'x', [], [1]);
    expect(() => reg.gauge('lat_count', 'y')).toThrow(/collides/);
  });

  it('the wrong number of label values, and a counter going down', () => {
    const c = r().counter('c_total', 'x', ['a', 'b']);
    expect(() => c.inc(['only-one'])).toThrow(/takes labels \(a, b\)/);
    expect(() => c.inc(['a', 'b'], -1)).toThrow(/only go up/);
  });

  it('folds label sets past the cap into one overflow series', () => {
    const reg = r();
    const c = reg.counter('c_total', 'x', ['id']);
    for (let i = 0; i < MAX_SERIES_PER_FAMILY + 50; i++) c.inc([String(i)]);
    expect(c.size).toBe(MAX_SERIES_PER_FAMILY + 1);
    expect(c.get([OVERFLOW_LABEL])).toBe(50);
  });

  it('advanceTo never moves a counter back', () => {
    const c = r().counter('cpu_total', 'x');
    c.advanceTo([], 2);
    c.advanceTo([], 1);
    expect(c.get()).toBe(2);
  });
});

describe('format negotiation', () => {
  it.each([
    [undefined, 'prometheus'],
    ['*/*', 'prometheus'],
    ['text/plain; version=0.0.4', 'prometheus'],
    ['application/openmetrics-text', 'openmetrics'],
    ['application/openmetrics-text; version=1.0.0; charset=utf-8', 'openmetrics'],
    // Prometheus 2.x's own header.
    ['application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1', 'openmetrics'],
    ['text/plain;q=1, application/openmetrics-text;q=0.5', 'prometheus'],
    ['application/openmetrics-text; version=2.0.0', 'prometheus'],
    ['application/openmetrics-text;q=0', 'prometheus'],
    ['garbage;;;,', 'prometheus'],
  ] as const)('%s -> %s', (accept, format) => {
    expect(chooseFormat(accept)).toBe(format);
  });
});
