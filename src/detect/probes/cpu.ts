import { readText } from '../probe.ts';
import { readCgroupChain, readCgroupPlacement } from './cgroup.ts';
import type { CpuFacts, ProbeEnv } from '../facts.ts';

/** CPU model, logical cores (/proc/cpuinfo, else /sys/.../cpu/online) and the cgroup v1/v2 quota. */
export async function probeCpu(pe: ProbeEnv): Promise<CpuFacts> {
  const [cpuinfo, online, placement] = await Promise.all([
    readText(pe.root, '/proc/cpuinfo'),
    readText(pe.root, '/sys/devices/system/cpu/online'),
    readCgroupPlacement(pe.root),
  ]);
  let logical = cpuinfo ? (cpuinfo.match(/^processor\s*:/gm) ?? []).length : 0;
  if (logical === 0 && online) logical = countCpuList(online.trim());
  if (logical === 0) throw new Error('neither /proc/cpuinfo nor /sys/devices/system/cpu/online lists any CPU');
  const model = cpuinfo ? (/^(?:model name|Hardware|Processor|cpu model)\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? null) : null;

  let quota: number | null = null;
  let version: 1 | 2 | null = null;
  const v2 = await readCgroupChain(pe.root, placement, 'cpu', 'cpu.max');
  if (v2?.version === 2) {
    version = 2;
    for (const line of v2.values) {
      const [q, period] = line.split(/\s+/);
      if (q && q !== 'max' && Number(period) > 0) quota = minOf(quota, Number(q) / Number(period));
    }
  } else {
    const q1 = await readCgroupChain(pe.root, placement, 'cpu', 'cpu.cfs_quota_us');
    const p1 = await readCgroupChain(pe.root, placement, 'cpu', 'cpu.cfs_period_us');
    if (q1) {
      version = 1;
      q1.values.forEach((q, i) => {
        const period = Number(p1?.values[i] ?? 100_000);
        if (Number(q) > 0 && period > 0) quota = minOf(quota, Number(q) / period);
      });
    }
  }
  const effective = quota === null ? logical : Math.max(0.01, Math.min(logical, quota));
  return { model, logicalCores: logical, cgroupQuotaCores: quota, cgroupVersion: version, effectiveCores: Math.round(effective * 100) / 100 };
}

/** "0-3,5,7-8" -> 7 */
export function countCpuList(list: string): number {
  let n = 0;
  for (const part of list.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (m) n += m[2] ? Number(m[2]) - Number(m[1]) + 1 : 1;
  }
  return n;
}

function minOf(a: number | null, b: number): number {
  return a === null ? b : Math.min(a, b);
}
