// bench/drills/report.ts: what every drill reports, printed as it finishes and as one Markdown table.

/** Seed 000 §8.1, "Failure Scenarios and Responses": each row's recovery time, and the issue's
 * target: a tenth of the seed's figure, of its upper end where it gives a range. */
export const SEED_TARGETS = {
  expiredToken: { row: 'API token expired', seed: '5-10 s', targetMs: 1000 },
  hostCrash: { row: 'Container crash', seed: '10-30 s', targetMs: 3000 },
  networkPartition: { row: 'Network partition', seed: 'variable', targetMs: null },
  diskFull: { row: 'Disk full', seed: 'manual', targetMs: null },
  memoryPressure: { row: 'Memory pressure', seed: '5-15 s', targetMs: 1500 },
  newBox: { row: 'Primary host down', seed: '30-60 s', targetMs: 6000 },
} as const;

export type SeedRow = (typeof SEED_TARGETS)[keyof typeof SEED_TARGETS];

export interface DrillResult {
  name: string;
  /** What was done to nxs, and by which mechanism (and what stood in for what this machine lacks). */
  fault: string;
  seed: SeedRow;
  /** Fault injected -> nxs noticed (its log line, status or first failed attempt), ms. */
  detectionMs: number | null;
  /** Fault injected (or lifted, for faults that last) -> service back, ms. */
  recoveryMs: number | null;
  /** What recoveryMs is measured from and to. */
  recoveryMeans: string;
  acceptedDuringFault: number;
  accepted: number;
  lost: number;
  inOrder: boolean;
  /** Behaviour checks beyond loss and order (each must hold). */
  checks: Record<string, boolean>;
  notes: string[];
  /** Defects the drill found that are not fixed yet (printed as FINDING; they do not fail the drill). */
  findings: string[];
}

export function passed(r: DrillResult): boolean {
  return r.lost === 0 && r.inOrder && Object.values(r.checks).every(Boolean);
}

function ms(v: number | null): string {
  return v === null ? 'n/a' : v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`;
}

function target(r: DrillResult): string {
  const t = r.seed.targetMs;
  if (t === null) return `seed ${r.seed.seed}; no target`;
  const met = r.recoveryMs !== null && r.recoveryMs <= t;
  return `seed ${r.seed.seed}, target ${ms(t)}: ${met ? 'met' : 'MISSED'}`;
}

export function printResult(r: DrillResult, out: (line: string) => void = (l) => process.stdout.write(l + '\n')): void {
  out(`\n== drill ${r.name}: ${passed(r) ? 'PASS' : 'FAIL'}`);
  out(`   fault:      ${r.fault}`);
  out(`   detection:  ${ms(r.detectionMs)}`);
  out(`   recovery:   ${ms(r.recoveryMs)} (${r.recoveryMeans}); ${target(r)}`);
  out(`   messages:   ${r.acceptedDuringFault} accepted during the fault, ${r.accepted} in all, ${r.lost} lost, ${r.inOrder ? 'in order' : 'OUT OF ORDER'}`);
  for (const [k, v] of Object.entries(r.checks)) out(`   check:      ${v ? 'ok  ' : 'FAIL'} ${k}`);
  for (const n of r.notes) out(`   note:       ${n}`);
  for (const f of r.findings) out(`   FINDING:    ${f}`);
}

export function markdownTable(results: DrillResult[]): string {
  const rows = results.map((r) => `| ${r.name} | ${ms(r.detectionMs)} | ${ms(r.recoveryMs)} | ${r.seed.seed} | ${r.seed.targetMs === null ? 'none' : ms(r.seed.targetMs)} | ${r.acceptedDuringFault} | ${r.lost} | ${passed(r) ? 'pass' : 'FAIL'} |`);
  return ['| drill | detection | recovery | seed | target (1/10) | accepted during fault | lost | outcome |', '| --- | --- | --- | --- | --- | --- | --- | --- |', ...rows].join('\n');
}
