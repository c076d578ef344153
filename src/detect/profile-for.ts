import type { TierName } from '../config/schema.ts';
import { isProbeError, type LocalFacts } from './facts.ts';
import { PROFILES, type RuntimeProfile } from './profile.ts';

/**
 * The tier's profile fitted to this box: the tier sets ceilings, the box can
 * lower them. Agents get at most half the usable memory between them (the other
 * half is nxs itself, the store and the OS page cache); LLM-bound jobs mostly
 * wait on the network, so workers may run at four per usable core.
 */
export function profileFor(tier: TierName, facts: LocalFacts): { profile: RuntimeProfile; adjustments: string[] } {
  const base = PROFILES[tier];
  const profile: RuntimeProfile = structuredClone(base) as RuntimeProfile;
  const adjustments: string[] = [];
  if (!isProbeError(facts.memory)) {
    const memMb = Math.floor(facts.memory.effectiveTotalBytes / 1048576);
    const fit = Math.max(1, Math.floor((memMb * 0.5) / base.agentMemoryMb));
    if (fit < base.maxAgents) {
      profile.maxAgents = fit;
      adjustments.push(`maxAgents ${base.maxAgents} -> ${fit} (half of ${memMb} MiB at ${base.agentMemoryMb} MiB each)`);
    }
  }
  if (!isProbeError(facts.cpu)) {
    const fit = Math.max(1, Math.ceil(facts.cpu.effectiveCores * 4));
    if (fit < base.workerConcurrency) {
      profile.workerConcurrency = fit;
      adjustments.push(`workerConcurrency ${base.workerConcurrency} -> ${fit} (4 per usable core, ${facts.cpu.effectiveCores} core(s))`);
    }
  }
  return { profile, adjustments };
}
