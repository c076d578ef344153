/**
 * `nxs status` for humans: the host's own facts, then one block per part (detect, queue,
 * assistant, ...) with its fields on aligned lines. `--json` prints the data as the host sent it.
 * Nested objects read as dotted keys; a list of records (the providers) one line each.
 */

/** Fields the first block shows in its own words. */
const HOST_KEYS = ['version', 'pid', 'boot_id', 'uptime_ms', 'data_dir', 'tier', 'memory_rss_bytes', 'memory_heap_used_bytes'];

/** Too long to read here, with a command of their own. */
const ELSEWHERE: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  detect: { facts: '(nxs detect shows them)' },
};

function scalar(v: unknown): string {
  if (v === null || v === undefined || v === '') return '-';
  return typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A record on one line: `name=a state=up`; nested values as JSON. */
function inline(r: Record<string, unknown>): string {
  return Object.entries(r)
    .map(([k, v]) => `${k}=${scalar(v)}`)
    .join(' ');
}

/** [key, text] rows of one section, nested records flattened to dotted keys. */
export function sectionRows(value: unknown, prefix = '', elsewhere: Readonly<Record<string, string>> = {}): [string, string][] {
  if (!isRecord(value)) return [[prefix || 'value', scalar(value)]];
  const rows: [string, string][] = [];
  for (const [k, v] of Object.entries(value)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (!prefix && elsewhere[k] !== undefined) rows.push([key, elsewhere[k]]);
    else if (isRecord(v) && Object.keys(v).length) rows.push(...sectionRows(v, key));
    else if (Array.isArray(v) && v.some(isRecord)) {
      if (v.length === 0) rows.push([key, '-']);
      v.forEach((item, i) => rows.push([`${key}.${i}`, isRecord(item) ? inline(item) : scalar(item)]));
    } else if (Array.isArray(v)) rows.push([key, v.length ? v.map(scalar).join('; ') : '-']);
    else rows.push([key, isRecord(v) ? '-' : scalar(v)]);
  }
  return rows;
}

function aligned(rows: readonly [string, string][], indent: string): string[] {
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${indent}${k.padEnd(width)}  ${v}`.trimEnd());
}

/** The whole status as text; `url` is where the host answered. */
export function statusLines(status: Record<string, unknown>, url: string): string {
  const mib = (n: unknown): number => Math.round(Number(n) / 1048576);
  const heap = status.memory_heap_used_bytes;
  const host: [string, string][] = [
    ['boot', `${scalar(status.boot_id)}, up ${Math.round(Number(status.uptime_ms) / 1000)} s`],
    ['data', scalar(status.data_dir)],
    ['tier', scalar(status.tier)],
    ['memory', `${mib(status.memory_rss_bytes)} MiB resident${heap === undefined ? '' : `, ${mib(heap)} MiB V8 heap`}`],
  ];
  const sections: [string, unknown][] = [];
  for (const [key, value] of Object.entries(status)) {
    if (HOST_KEYS.includes(key)) continue;
    if (isRecord(value)) sections.push([key, value]);
    else host.push([key, Array.isArray(value) ? value.map(scalar).join('; ') || '-' : scalar(value)]);
  }
  const lines = [`nxs ${scalar(status.version)} running at ${url} (pid ${scalar(status.pid)})`, ...aligned(host, '  ')];
  for (const [name, value] of sections) {
    const rows = sectionRows(value, '', ELSEWHERE[name]);
    lines.push(name, ...(rows.length ? aligned(rows, '  ') : ['  -']));
  }
  return lines.join('\n') + '\n';
}
