// The packager comparison behind the build's choice (BENCHMARKS.md): the same
// bundle as Node's own SEA (stripped, with code cache; what ships) and as
// `@yao-pkg/pkg --sea` (build/pkg-sea.ts), each started warm from the same
// unpacked runtime folder, exec to /readyz 200, median of N runs.
//   node build/pkg-sea.ts && node bench/packagers.ts [--runs 9]
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { median, round } from './lib/stats.ts';
import { startToReady } from './lib/start-to-ready.ts';

const root = path.resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { runs: { type: 'string', default: '9' } } });
const runtime = path.join(root, '.build/x64/runtime');
const variants = { 'node-sea': path.join(runtime, 'bin/nxs'), 'pkg-sea': path.join(root, '.build/pkg/nxs-pkg') };
for (const [name, file] of Object.entries(variants)) {
  if (!existsSync(file)) {
    console.error(`bench: ${name} binary ${file} is missing (npm run build; node build/pkg-sea.ts)`);
    process.exit(2);
  }
}

async function once(file: string, home: string): Promise<number> {
  const started = await startToReady(file, { HOME: home, NXS_RUNTIME_DIR: runtime, NXS_LOG_LEVEL: 'warn', PATH: '/usr/bin:/bin' });
  await started.stop();
  return started.ms;
}

const result: Record<string, unknown> = { bench: 'packagers', runs: Number(values.runs) };
for (const [name, file] of Object.entries(variants)) {
  const home = mkdtempSync(path.join(tmpdir(), 'nxs-pk-'));
  await once(file, home);
  const xs: number[] = [];
  for (let i = 0; i < Number(values.runs); i++) xs.push(await once(file, home));
  rmSync(home, { recursive: true, force: true });
  result[name] = { size_bytes: statSync(file).size, ready_ms_median: round(median(xs)), ready_ms_all: xs.map((x) => round(x)) };
  console.error(`${name}: ${(statSync(file).size / 1e6).toFixed(1)} MB, exec to ready ${round(median(xs))} ms (median of ${xs.length})`);
}
console.log(JSON.stringify(result));
