// Secret scrubbing: the cost of SecretRedactor.scrub on one 4 KB JSON log line
// (no secret in it, and with two planted), for 0, 10 and 1000 registered
// secrets and for one 33 KB secret with the operator token, beside the single alternation regex it
// replaced (which cannot compile past 32 KB of pattern: "n/a"). Figures are
// microseconds per line, the median of RUNS batches of LINES scrubs each.
//
//   node bench/scrub.ts            (env BENCH_RUNS=9 BENCH_LINES=2000)
import { SecretRedactor } from '../src/core/secrets-redactor.ts';

const RUNS = Number(process.env.BENCH_RUNS) || 9;
const LINES = Number(process.env.BENCH_LINES) || 2000;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}
const random = rng(4);
const token = (prefix: string, n: number) => prefix + Array.from({ length: n }, () => 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'[Math.floor(random() * 62)]).join('');

// A pino-like line: fields, then a message padded with ordinary words to 4 KB.
function logLine(planted: string[]): string {
  const words = 'provider answered request in ms with status code after retry the queue job group tier'.split(' ');
  let msg = planted.map((p) => `key ${p} seen`).join(' ');
  while (msg.length < 3900) msg += ` ${words[Math.floor(random() * words.length)]}`;
  return JSON.stringify({ level: 30, time: 1_700_000_000_000, pid: 4242, provider: 'groq', msg }) + '\n';
}

function oldRegex(secrets: string[]): ((t: string) => string) | null {
  if (secrets.length === 0) return (t) => t;
  const source = [...secrets].sort((a, b) => b.length - a.length).map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
  const re = new RegExp(source, 'g');
  try {
    'probe'.replace(re, '');
  } catch {
    return null; // "Regular expression too large": the old host crashed here
  }
  return (t) => t.replace(re, '[REDACTED]');
}

function perLineMicros(fn: (t: string) => string, line: string): number {
  for (let i = 0; i < 200; i++) fn(line);
  const xs: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    for (let i = 0; i < LINES; i++) fn(line);
    xs.push(((performance.now() - t0) * 1000) / LINES);
  }
  xs.sort((a, b) => a - b);
  return Math.round(xs[Math.floor(xs.length / 2)]! * 10) / 10;
}

const cases: { name: string; secrets: string[] }[] = [
  { name: '0 secrets', secrets: [] },
  { name: '10 secrets', secrets: Array.from({ length: 10 }, () => token('sk-proj-', 40)) },
  { name: '1000 secrets', secrets: Array.from({ length: 1000 }, () => token('sk-proj-', 40)) },
  // With the operator's token beside it, as on every host: the old alternation of the two did not compile.
  { name: 'one 33 KB secret + the token', secrets: [token('', 33 * 1024), token('nxs_', 32)] },
];

const rows: Record<string, unknown>[] = [];
console.log('| secrets | line | nxs scrub (us/line) | old regex (us/line) |');
console.log('| --- | --- | --- | --- |');
for (const c of cases) {
  const r = new SecretRedactor();
  for (const s of c.secrets) r.add(s);
  const old = oldRegex(c.secrets);
  for (const planted of [false, true]) {
    const line = logLine(planted && c.secrets.length ? [c.secrets[0]!, c.secrets.at(-1)!] : []);
    if (planted && !c.secrets.length) continue;
    const label = planted ? `${line.length} B, 2 planted` : `${line.length} B, clean`;
    const ours = perLineMicros((t) => r.scrub(t), line);
    const theirs = old ? perLineMicros(old, line) : null;
    console.log(`| ${c.name} | ${label} | ${ours} | ${theirs ?? 'n/a (does not compile)'} |`);
    rows.push({ case: c.name, planted, bytes: line.length, scrub_us: ours, old_regex_us: theirs });
  }
}
console.log(JSON.stringify({ bench: 'scrub', runs: RUNS, lines: LINES, rows }));
