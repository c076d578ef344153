// bench/drills/runner.ts (`npm run drills`): seed 000 §8.1's failure table, one drill per row, each
// against the built dist/nxs with real processes and loopback fakes. Prints per drill the fault, the
// time to detection and to recovery, the messages accepted during the fault and the messages lost,
// next to the seed's figure and the target (a tenth of it). Ends with a Markdown table and one
// JSON line. Exit 1 when a drill lost a message or a behaviour check failed (times never fail it).
//
//   npm run drills                       # every drill, full phases (a few minutes)
//   npm run drills -- --short            # CI's variant: every drill, shorter phases
//   npm run drills -- --only disk-full,memory-pressure
//
// Needs dist/nxs (npm run build). Root is needed for the disk drill (a tmpfs mount) and the memory
// drill (a cgroup); without it those drills say so and use the closest honest alternative.
import { existsSync } from 'node:fs';
import { diskFullDrill } from './disk-full.ts';
import { expiredTokenDrill } from './expired-token.ts';
import { hostKillDrill } from './host-kill.ts';
import { memoryPressureDrill } from './memory-pressure.ts';
import { networkCutDrill } from './network-cut.ts';
import { newBoxDrill } from './new-box.ts';
import { markdownTable, passed, printResult, SEED_TARGETS, type DrillResult } from './report.ts';
import { NXS, tempDir } from '../lib/drill-host.ts';
import type { DrillOptions } from '../lib/drill-traffic.ts';

export const DRILLS: Record<string, (o: DrillOptions) => Promise<DrillResult>> = {
  'expired-token': expiredTokenDrill,
  'host-kill': hostKillDrill,
  'network-cut': networkCutDrill,
  'disk-full': diskFullDrill,
  'memory-pressure': memoryPressureDrill,
  'new-box': newBoxDrill,
};

function failedRow(name: string, err: Error): DrillResult {
  const seed = { 'expired-token': SEED_TARGETS.expiredToken, 'host-kill': SEED_TARGETS.hostCrash, 'network-cut': SEED_TARGETS.networkPartition, 'disk-full': SEED_TARGETS.diskFull, 'memory-pressure': SEED_TARGETS.memoryPressure, 'new-box': SEED_TARGETS.newBox }[name]!;
  return { name, fault: '(the drill did not finish)', seed, detectionMs: null, recoveryMs: null, recoveryMeans: 'n/a', acceptedDuringFault: 0, accepted: 0, lost: 0, inOrder: true, checks: { 'the drill finished': false }, notes: [err.message], findings: [] };
}

/** Runs the named drills one after another (they share the machine's 2 cores; never in parallel). */
export async function runDrills(names: string[], o: DrillOptions): Promise<DrillResult[]> {
  const results: DrillResult[] = [];
  for (const name of names) {
    const drill = DRILLS[name];
    if (!drill) throw new Error(`unknown drill ${name}; expected one of ${Object.keys(DRILLS).join(', ')}`);
    o.say(`drill ${name}: starting`);
    // One drill that cannot finish (the host died, a fake would not start) is a failed row, not the end of the run.
    results.push(await drill(o).catch((err: Error) => failedRow(name, err)));
  }
  return results;
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const short = args.includes('--short');
  const only = args.find((a, i) => args[i - 1] === '--only' || a.startsWith('--only='))?.replace(/^--only=/, '');
  const names = only ? only.split(',') : Object.keys(DRILLS);
  if (!existsSync(NXS)) {
    process.stderr.write(`drills: ${NXS} is missing; build it first (npm run build)\n`);
    process.exit(1);
  }
  const o: DrillOptions = { home: tempDir('nxs-drills-home-'), short, say: (l) => process.stderr.write(`[drills] ${l}\n`) };
  const results = await runDrills(names, o);
  for (const r of results) printResult(r);
  process.stdout.write('\n' + markdownTable(results) + '\n');
  process.stdout.write(JSON.stringify({ drills: results }) + '\n');
  process.exit(results.every(passed) ? 0 : 1);
}
