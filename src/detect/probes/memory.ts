import { parseKbTable, readText } from '../probe.ts';
import { readCgroupChain, readCgroupPlacement, V1_UNLIMITED_FLOOR } from './cgroup.ts';
import type { MemoryFacts, ProbeEnv } from '../facts.ts';

/** RAM and swap from /proc/meminfo, lowered to the cgroup v1/v2 limit when one applies. */
export async function probeMemory(pe: ProbeEnv): Promise<MemoryFacts> {
  const [meminfo, placement] = await Promise.all([readText(pe.root, '/proc/meminfo'), readCgroupPlacement(pe.root)]);
  if (meminfo === null) throw new Error('/proc/meminfo is missing or unreadable');
  const t = parseKbTable(meminfo);
  const total = t.get('MemTotal');
  if (total === undefined) throw new Error('/proc/meminfo has no MemTotal line');
  // Kernels before 3.14 have no MemAvailable; free + cache is the old estimate.
  const available = t.get('MemAvailable') ?? (t.get('MemFree') ?? 0) + (t.get('Cached') ?? 0) + (t.get('Buffers') ?? 0);
  const cg = await cgroupMemory(pe.root, placement);
  const limit = cg.limit !== null && cg.limit < total ? cg.limit : null;
  const effectiveTotal = limit ?? total;
  const cgroupRoom = limit !== null && cg.usage !== null ? Math.max(0, limit - cg.usage) : Infinity;
  return {
    totalBytes: total,
    availableBytes: available,
    swapTotalBytes: t.get('SwapTotal') ?? 0,
    swapFreeBytes: t.get('SwapFree') ?? 0,
    cgroupLimitBytes: limit,
    cgroupUsageBytes: cg.usage,
    cgroupVersion: cg.version,
    effectiveTotalBytes: effectiveTotal,
    effectiveAvailableBytes: Math.min(available, cgroupRoom, effectiveTotal),
  };
}

export async function cgroupMemory(root: string, placement: Awaited<ReturnType<typeof readCgroupPlacement>>): Promise<{ version: 1 | 2 | null; limit: number | null; usage: number | null }> {
  const v2 = await readCgroupChain(root, placement, 'memory', 'memory.max');
  if (v2?.version === 2) {
    const usage = await readCgroupChain(root, placement, 'memory', 'memory.current');
    return { version: 2, limit: smallest(v2.values), usage: firstNumber(usage?.values) };
  }
  const v1 = await readCgroupChain(root, placement, 'memory', 'memory.limit_in_bytes');
  if (v1) {
    const usage = await readCgroupChain(root, placement, 'memory', 'memory.usage_in_bytes');
    return { version: 1, limit: smallest(v1.values), usage: firstNumber(usage?.values) };
  }
  return { version: null, limit: null, usage: null };
}

function smallest(values: string[]): number | null {
  let min: number | null = null;
  for (const v of values) {
    const n = Number(v);
    if (v === 'max' || !Number.isFinite(n) || n <= 0 || n >= V1_UNLIMITED_FLOOR) continue;
    min = min === null ? n : Math.min(min, n);
  }
  return min;
}

function firstNumber(values: string[] | undefined): number | null {
  const n = Number(values?.[0]);
  return values?.[0] !== undefined && Number.isFinite(n) ? n : null;
}
