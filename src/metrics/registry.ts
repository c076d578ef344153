import { NxsError } from '../core/errors.ts';

/**
 * The host's metric families: counters, gauges and histograms with fixed label names, kept as
 * plain numbers in maps. Nothing here runs between scrapes: an event site increments a series,
 * and the collectors (registered with `onCollect`) set the state gauges when a scrape asks.
 *
 * Written by hand rather than with prom-client 15: this and the exposition minify to 5.5 KB where
 * prom-client (with the @opentelemetry/api it pulls in) is 67.5 KB, and writing the same 414
 * samples costs ~40-70 us of CPU where prom-client's registry.metrics() costs ~290-350 us
 * (BENCHMARKS.md, "Metrics").
 */

export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface Series {
  readonly labels: readonly string[];
  /** `name="value",...` escaped, made once with the series: a scrape writes it, never rebuilds it. */
  readonly pairs: string;
  value: number;
}

export interface HistogramSeries {
  readonly labels: readonly string[];
  readonly pairs: string;
  /** Observations per bucket, not cumulative (the exposition sums them). */
  readonly counts: number[];
  sum: number;
  count: number;
}

/**
 * Past this many label sets a family folds new ones into one `_overflow` series: a label fed by
 * something unbounded by mistake then costs a fixed amount, not the host's memory.
 */
export const MAX_SERIES_PER_FAMILY = 500;
export const OVERFLOW_LABEL = '_overflow';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

abstract class Family<S> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  abstract readonly type: MetricType;
  protected readonly series = new Map<string, S>();

  constructor(name: string, help: string, labelNames: readonly string[]) {
    if (!METRIC_NAME.test(name)) throw new NxsError('NXS_ERR_INTERNAL', `metric name "${name}" must match ${METRIC_NAME}`);
    for (const l of labelNames) {
      if (!LABEL_NAME.test(l) || l.startsWith('__')) throw new NxsError('NXS_ERR_INTERNAL', `label "${l}" of ${name} must match ${LABEL_NAME} and not start with __`);
    }
    if (new Set(labelNames).size !== labelNames.length) throw new NxsError('NXS_ERR_INTERNAL', `metric ${name} repeats a label name`);
    if (help.trim() === '') throw new NxsError('NXS_ERR_INTERNAL', `metric ${name} needs a help text`);
    this.name = name;
    this.help = help;
    this.labelNames = labelNames;
  }

  /** Every series, in the order first seen. */
  all(): Iterable<S> {
    return this.series.values();
  }

  get size(): number {
    return this.series.size;
  }

  /** Drops every series (a state gauge before its collector sets what exists now). */
  reset(): void {
    this.series.clear();
  }

  protected seriesFor(values: readonly string[], make: (labels: readonly string[], pairs: string) => S): S {
    if (values.length !== this.labelNames.length) {
      throw new NxsError('NXS_ERR_INTERNAL', `metric ${this.name} takes labels (${this.labelNames.join(', ')}); got ${values.length} value(s)`);
    }
    const key = values.length === 0 ? '' : values.length === 1 ? values[0]! : values.join('\u0000');
    let s = this.series.get(key);
    if (s === undefined) {
      if (this.series.size >= MAX_SERIES_PER_FAMILY) return this.overflow(make);
      s = make([...values], this.pairsOf(values));
      this.series.set(key, s);
    }
    return s;
  }

  private overflow(make: (labels: readonly string[], pairs: string) => S): S {
    const labels = this.labelNames.map(() => OVERFLOW_LABEL);
    const key = labels.join('\u0000');
    let s = this.series.get(key);
    if (s === undefined) {
      s = make(labels, this.pairsOf(labels));
      this.series.set(key, s);
    }
    return s;
  }

  private pairsOf(values: readonly string[]): string {
    return this.labelNames.map((n, i) => `${n}="${escapeLabelValue(values[i]!)}"`).join(',');
  }
}

export class Counter extends Family<Series> {
  readonly type = 'counter';

  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    if (!name.endsWith('_total')) throw new NxsError('NXS_ERR_INTERNAL', `counter ${name} must end in _total`);
    super(name, help, labelNames);
    // An unlabelled counter shows 0 from the start, so rate() has a first point.
    if (labelNames.length === 0) this.inc([], 0);
  }

  inc(labels: readonly string[] = [], by = 1): void {
    if (!(by >= 0)) throw new NxsError('NXS_ERR_INTERNAL', `counter ${this.name} can only go up; got ${by}`);
    this.seriesFor(labels, (labels, pairs) => ({ labels, pairs, value: 0 })).value += by;
  }

  /**
   * Moves the counter up to a total read from a source that only grows (the process's CPU time):
   * a reading below the last one (which such a source never gives) leaves it where it is.
   */
  advanceTo(labels: readonly string[], total: number): void {
    const s = this.seriesFor(labels, (labels, pairs) => ({ labels, pairs, value: 0 }));
    if (total > s.value) s.value = total;
  }

  /** Creates the series at 0 if absent (a known label set shows up before its first event). */
  touch(labels: readonly string[]): void {
    this.inc(labels, 0);
  }

  get(labels: readonly string[] = []): number {
    return this.seriesFor(labels, (labels, pairs) => ({ labels, pairs, value: 0 })).value;
  }
}

export class Gauge extends Family<Series> {
  readonly type = 'gauge';

  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    super(name, help, labelNames);
  }

  set(labels: readonly string[], value: number): void {
    this.seriesFor(labels, (labels, pairs) => ({ labels, pairs, value: 0 })).value = value;
  }

  inc(labels: readonly string[] = [], by = 1): void {
    this.seriesFor(labels, (labels, pairs) => ({ labels, pairs, value: 0 })).value += by;
  }
}

export class Histogram extends Family<HistogramSeries> {
  readonly type = 'histogram';
  /** Upper bounds, ascending; +Inf is implicit. */
  readonly buckets: readonly number[];

  constructor(name: string, help: string, labelNames: readonly string[], buckets: readonly number[]) {
    if (labelNames.includes('le')) throw new NxsError('NXS_ERR_INTERNAL', `histogram ${name} cannot use the label "le"`);
    super(name, help, labelNames);
    const sorted = [...buckets].filter((b) => Number.isFinite(b)).sort((a, b) => a - b);
    if (sorted.length === 0 || new Set(sorted).size !== sorted.length) throw new NxsError('NXS_ERR_INTERNAL', `histogram ${name} needs distinct finite bucket bounds`);
    this.buckets = sorted;
  }

  observe(labels: readonly string[], value: number): void {
    const s = this.seriesFor(labels, (labels, pairs) => ({ labels, pairs, counts: new Array<number>(this.buckets.length + 1).fill(0), sum: 0, count: 0 }));
    let i = 0;
    while (i < this.buckets.length && value > this.buckets[i]!) i++;
    s.counts[i]!++;
    s.sum += value;
    s.count++;
  }
}

export type AnyFamily = Counter | Gauge | Histogram;

/** What a collector is: it sets state gauges from what the host holds now (one query each). */
export type Collector = () => void | Promise<void>;

export class MetricsRegistry {
  private readonly families = new Map<string, AnyFamily>();
  /** Every sample name a family writes, in either format, and who writes it. */
  private readonly taken = new Map<string, string>();
  private readonly collectors: Collector[] = [];

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.add(new Counter(name, help, labelNames));
  }

  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
    return this.add(new Gauge(name, help, labelNames));
  }

  histogram(name: string, help: string, labelNames: readonly string[], buckets: readonly number[]): Histogram {
    return this.add(new Histogram(name, help, labelNames, buckets));
  }

  onCollect(collector: Collector): void {
    this.collectors.push(collector);
  }

  /** Runs every collector; one that throws leaves its gauges empty and the scrape goes on. */
  async collect(onError: (err: unknown) => void): Promise<void> {
    for (const c of this.collectors) {
      try {
        await c();
      } catch (err) {
        onError(err);
      }
    }
  }

  list(): AnyFamily[] {
    return [...this.families.values()];
  }

  private add<F extends AnyFamily>(family: F): F {
    // Counters' OpenMetrics family drops `_total`; histograms add `_bucket`, `_sum`, `_count`: no two may collide.
    const names = familyNames(family);
    for (const name of names) {
      const other = this.taken.get(name);
      if (other !== undefined) throw new NxsError('NXS_ERR_INTERNAL', `metric ${family.name} collides with ${other}`);
    }
    for (const name of names) this.taken.set(name, family.name);
    this.families.set(family.name, family);
    return family;
  }
}

function familyNames(f: AnyFamily): string[] {
  if (f.type === 'counter') return [f.name, f.name.slice(0, -'_total'.length)];
  if (f.type === 'histogram') return [f.name, `${f.name}_bucket`, `${f.name}_sum`, `${f.name}_count`];
  return [f.name];
}

/** Both text formats: backslash, double quote and line feed are escaped in a label value. */
export function escapeLabelValue(v: string): string {
  return /[\\"\n]/.test(v) ? v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : v;
}
