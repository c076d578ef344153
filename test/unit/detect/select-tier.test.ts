import { describe, expect, it } from 'vitest';
import { selectTier, checkForcedTier } from '../../../src/detect/select-tier.ts';
import { DEFAULT_TIER_POLICY } from '../../../src/detect/tier-policy.ts';
import { profileFor } from '../../../src/detect/profile-for.ts';
import type { LocalFacts } from '../../../src/detect/facts.ts';
import type { TierName } from '../../../src/config/schema.ts';

const MiB = 1024 * 1024;

function facts(o: { cores?: number; memMb?: number; availMb?: number; diskMb?: number; gpu?: boolean; fail?: ('cpu' | 'memory' | 'disk')[] }): LocalFacts {
  const memMb = o.memMb ?? 4096;
  const f: LocalFacts = {
    os: { platform: 'linux', arch: 'x64', kernel: '6.1', distro: null, libc: { family: 'glibc', version: '2.36' } },
    cpu: { model: null, logicalCores: o.cores ?? 2, cgroupQuotaCores: null, cgroupVersion: null, effectiveCores: o.cores ?? 2 },
    memory: { totalBytes: memMb * MiB, availableBytes: (o.availMb ?? memMb * 0.8) * MiB, swapTotalBytes: 0, swapFreeBytes: 0, cgroupLimitBytes: null, cgroupUsageBytes: null, cgroupVersion: null, effectiveTotalBytes: memMb * MiB, effectiveAvailableBytes: (o.availMb ?? memMb * 0.8) * MiB },
    disk: { path: '/data', freeBytes: (o.diskMb ?? 50_000) * MiB, totalBytes: 100_000 * MiB, mountPoint: '/', fsType: 'ext4', readOnly: false, noexec: false },
    gpu: o.gpu ? { source: 'nvidia-smi', devices: [{ vendor: 'nvidia', name: 'NVIDIA T4', memoryTotalMb: 15360, memoryFreeMb: 15000, driver: '535' }] } : { source: 'none', devices: [] },
    container: { kind: 'none', evidence: null },
  };
  for (const k of o.fail ?? []) f[k] = { error: `${k} probe failed: test` };
  return f;
}

describe('selectTier (seed 000 §3.2 and §11)', () => {
  const cases: [string, Parameters<typeof facts>[0], TierName, RegExp][] = [
    ['512 MB edge board', { cores: 4, memMb: 512 }, 'minimal', /memory 512 MiB < 1024 MiB \(tier_policy.minimal_below_memory_mb\)/],
    ['one core, plenty of RAM', { cores: 1, memMb: 16384 }, 'minimal', /1 usable core\(s\) <= 1 \(tier_policy.minimal_max_cores\)/],
    ['half a core quota', { cores: 0.5, memMb: 4096 }, 'minimal', /0.5 usable core/],
    ['already tight: 200 MiB available', { cores: 2, memMb: 2048, availMb: 200 }, 'minimal', /available memory 200 MiB < 256/],
    ['disk nearly full', { cores: 4, memMb: 16384, diskMb: 300 }, 'minimal', /free disk 300 MiB < 512/],
    ['1.5 GB, 2 cores', { cores: 2, memMb: 1536 }, 'standard', /not full: 2 usable core\(s\) < 4/],
    ['exactly 1 GiB, 2 cores', { cores: 2, memMb: 1024 }, 'standard', /standard: the box meets/],
    ['4 cores, 4 GB, no GPU', { cores: 4, memMb: 4096 }, 'standard', /no GPU and memory 4096 MiB < 8192/],
    ['4 cores, 2 GB and a GPU', { cores: 4, memMb: 2048, gpu: true }, 'standard', /memory 2048 MiB < 3072 MiB with a GPU/],
    ['4 cores, 3 GB and a GPU', { cores: 4, memMb: 3072, gpu: true }, 'full', /GPU NVIDIA T4/],
    ['8 cores, 16 GB, no GPU (lots of RAM)', { cores: 8, memMb: 16384 }, 'full', /full: the box meets every threshold/],
    ['big box, little disk', { cores: 8, memMb: 16384, diskMb: 1000 }, 'standard', /free disk 1000 MiB < 2048/],
    ['memory probe failed, 8 cores', { cores: 8, fail: ['memory'] }, 'standard', /unknown: memory/],
    ['everything failed', { fail: ['cpu', 'memory', 'disk'] }, 'standard', /unknown: cpu, memory, disk/],
  ];
  it.each(cases)('%s -> %s', (_name, box, tier, reason) => {
    const choice = selectTier(facts(box), DEFAULT_TIER_POLICY);
    expect(choice.tier).toBe(tier);
    expect(choice.reasons.join('\n')).toMatch(reason);
  });

  it('follows the policy, not constants', () => {
    expect(selectTier(facts({ cores: 2, memMb: 2048 }), { ...DEFAULT_TIER_POLICY, fullMinCores: 2, fullMinMemoryMbWithoutGpu: 2048 }).tier).toBe('full');
    expect(selectTier(facts({ cores: 2, memMb: 2048 }), { ...DEFAULT_TIER_POLICY, minimalBelowMemoryMb: 4096 }).tier).toBe('minimal');
  });
});

describe('forced tier', () => {
  it('warns naming each threshold the box misses', () => {
    const w = checkForcedTier(facts({ cores: 2, memMb: 768 }), DEFAULT_TIER_POLICY, 'full');
    expect(w).toContain('the box cannot hold tier full: 2 usable core(s) < 4 (tier_policy.full_min_cores)');
    expect(w.join('\n')).toMatch(/memory 768 MiB < 1024 MiB/);
  });
  it('is silent when the box fits, and minimal always fits', () => {
    expect(checkForcedTier(facts({ cores: 8, memMb: 16384 }), DEFAULT_TIER_POLICY, 'full')).toEqual([]);
    expect(checkForcedTier(facts({ cores: 1, memMb: 256 }), DEFAULT_TIER_POLICY, 'minimal')).toEqual([]);
  });
});

describe('profileFor', () => {
  it('fits agents into half the memory and workers to the cores', () => {
    const { profile, adjustments } = profileFor('full', facts({ cores: 2, memMb: 4096 }));
    expect(profile.tier).toBe('full');
    expect(profile.maxAgents).toBe(4); // 2048 MiB / 512 MiB
    expect(profile.workerConcurrency).toBe(8);
    expect(adjustments).toHaveLength(2);
  });
  it('keeps the tier profile on a box that holds it', () => {
    const { profile, adjustments } = profileFor('standard', facts({ cores: 4, memMb: 8192 }));
    expect(profile.maxAgents).toBe(16);
    expect(adjustments).toEqual([]);
  });
});
