import { TIERS, type TierName } from '../config/schema.ts';
import { isProbeError, type LocalFacts } from './facts.ts';
import { POLICY_KEYS, type TierPolicy } from './tier-policy.ts';

export interface TierChoice {
  tier: TierName;
  /** Why, one line per rule that decided or was checked (for `--explain` and the boot log). */
  reasons: string[];
}

export interface BoxMeasure {
  cores: number | null;
  memoryMb: number | null;
  availableMb: number | null;
  freeDiskMb: number | null;
  gpu: boolean;
  gpuName: string | null;
}

const MB = 1024 * 1024;

/** The few numbers tier selection looks at; an unknown (failed probe) stays null. */
export function measure(facts: LocalFacts): BoxMeasure {
  const gpu = isProbeError(facts.gpu) ? null : facts.gpu.devices[0] ?? null;
  return {
    cores: isProbeError(facts.cpu) ? null : facts.cpu.effectiveCores,
    memoryMb: isProbeError(facts.memory) ? null : Math.floor(facts.memory.effectiveTotalBytes / MB),
    availableMb: isProbeError(facts.memory) ? null : Math.floor(facts.memory.effectiveAvailableBytes / MB),
    freeDiskMb: isProbeError(facts.disk) ? null : Math.floor(facts.disk.freeBytes / MB),
    gpu: gpu !== null,
    gpuName: gpu?.name ?? null,
  };
}

/** Reasons the box falls short of each tier; an empty list means it can hold it. */
export function shortfalls(m: BoxMeasure, p: TierPolicy): Record<TierName, string[]> {
  const k = (f: keyof TierPolicy): string => `tier_policy.${POLICY_KEYS[f]}`;
  const standard: string[] = [];
  if (m.memoryMb !== null && m.memoryMb < p.minimalBelowMemoryMb) standard.push(`memory ${m.memoryMb} MiB < ${p.minimalBelowMemoryMb} MiB (${k('minimalBelowMemoryMb')})`);
  if (m.cores !== null && m.cores <= p.minimalMaxCores) standard.push(`${m.cores} usable core(s) <= ${p.minimalMaxCores} (${k('minimalMaxCores')})`);
  if (m.availableMb !== null && m.availableMb < p.minimalBelowAvailableMb) standard.push(`available memory ${m.availableMb} MiB < ${p.minimalBelowAvailableMb} MiB (${k('minimalBelowAvailableMb')})`);
  if (m.freeDiskMb !== null && m.freeDiskMb < p.minimalBelowFreeDiskMb) standard.push(`free disk ${m.freeDiskMb} MiB < ${p.minimalBelowFreeDiskMb} MiB (${k('minimalBelowFreeDiskMb')})`);

  const full: string[] = [...standard];
  if (m.cores === null) full.push('core count unknown (cpu probe failed)');
  else if (m.cores < p.fullMinCores) full.push(`${m.cores} usable core(s) < ${p.fullMinCores} (${k('fullMinCores')})`);
  if (m.memoryMb === null) full.push('memory unknown (memory probe failed)');
  else if (m.gpu && m.memoryMb < p.fullMinMemoryMbWithGpu) full.push(`memory ${m.memoryMb} MiB < ${p.fullMinMemoryMbWithGpu} MiB with a GPU (${k('fullMinMemoryMbWithGpu')})`);
  else if (!m.gpu && m.memoryMb < p.fullMinMemoryMbWithoutGpu) full.push(`no GPU and memory ${m.memoryMb} MiB < ${p.fullMinMemoryMbWithoutGpu} MiB (${k('fullMinMemoryMbWithoutGpu')})`);
  if (m.freeDiskMb !== null && m.freeDiskMb < p.fullMinFreeDiskMb) full.push(`free disk ${m.freeDiskMb} MiB < ${p.fullMinFreeDiskMb} MiB (${k('fullMinFreeDiskMb')})`);
  return { minimal: [], standard, full };
}

/** The largest tier the box can hold, and why. Pure: facts and policy in, choice out. */
export function selectTier(facts: LocalFacts, policy: TierPolicy): TierChoice {
  const m = measure(facts);
  const short = shortfalls(m, policy);
  const reasons: string[] = [];
  const unknown = (['cpu', 'memory', 'disk'] as const).filter((p) => isProbeError(facts[p]));
  if (unknown.length > 0) reasons.push(`unknown: ${unknown.join(', ')} (probe failed; not held against the box)`);
  const box = `${m.cores ?? '?'} usable core(s), ${m.memoryMb ?? '?'} MiB memory (${m.availableMb ?? '?'} MiB available), ${m.freeDiskMb ?? '?'} MiB free disk, ${m.gpu ? `GPU ${m.gpuName}` : 'no GPU'}`;
  reasons.push(`box: ${box}`);
  if (short.full.length === 0) return { tier: 'full', reasons: [...reasons, 'full: the box meets every threshold of full'] };
  if (short.standard.length === 0) return { tier: 'standard', reasons: [...reasons, ...short.full.map((r) => `not full: ${r}`), 'standard: the box meets every threshold of standard'] };
  return { tier: 'minimal', reasons: [...reasons, ...short.standard.map((r) => `minimal: ${r}`)] };
}

export function tierRank(t: TierName): number {
  return TIERS.indexOf(t);
}

/** The operator's forced tier, with a warning for each threshold the box misses (empty when it fits). */
export function checkForcedTier(facts: LocalFacts, policy: TierPolicy, forced: TierName): string[] {
  const short = shortfalls(measure(facts), policy)[forced];
  return short.map((r) => `the box cannot hold tier ${forced}: ${r}`);
}
