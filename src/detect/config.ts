import type { ConfigSection } from '../config/section.ts';
import type { ConfigCheck } from '../config/check.ts';
import { DEFAULT_TIER_POLICY, POLICY_KEYS, type TierPolicy } from './tier-policy.ts';
import { DETECT_DEFAULTS } from './detect.ts';
import { DEFAULT_LOCAL_LLM } from './probes/local-llm.ts';

/** The config keys owned by src/detect. */
export interface DetectConfig {
  tierPolicy: TierPolicy;
  probes: {
    /** Provider URLs whose reachability the network probe checks (the providers part adds its own). */
    endpoints: string[];
    networkTimeoutMs: number;
    nvidiaSmiTimeoutMs: number;
    lmstudioUrl: string;
    ollamaUrl: string;
  };
}

const BOUNDS: Record<keyof TierPolicy, { min: number; max: number }> = {
  minimalBelowMemoryMb: { min: 0, max: 1 << 24 },
  minimalMaxCores: { min: 0, max: 4096 },
  minimalBelowAvailableMb: { min: 0, max: 1 << 24 },
  minimalBelowFreeDiskMb: { min: 0, max: 1 << 30 },
  fullMinCores: { min: 1, max: 4096 },
  fullMinMemoryMbWithGpu: { min: 0, max: 1 << 24 },
  fullMinMemoryMbWithoutGpu: { min: 0, max: 1 << 24 },
  fullMinFreeDiskMb: { min: 0, max: 1 << 30 },
  stepUpAfterMs: { min: 1000, max: 7 * 24 * 3600_000 },
  stepDownGapMs: { min: 0, max: 24 * 3600_000 },
  psiSomeAvg10Percent: { min: 1, max: 100 },
  minAvailablePercent: { min: 0, max: 90 },
};

export function parseTierPolicy(value: unknown, check: ConfigCheck): TierPolicy {
  const fields = Object.keys(POLICY_KEYS) as (keyof TierPolicy)[];
  const raw = check.obj(value, 'tier_policy', fields.map((f) => POLICY_KEYS[f]));
  const policy = { ...DEFAULT_TIER_POLICY };
  for (const f of fields) {
    policy[f] = check.int(raw[POLICY_KEYS[f]], `tier_policy.${POLICY_KEYS[f]}`, { ...BOUNDS[f], def: DEFAULT_TIER_POLICY[f] });
  }
  // The tiers must stay ordered, or "full" could be easier to reach than "standard".
  const key = (f: keyof TierPolicy): string => `tier_policy.${POLICY_KEYS[f]}`;
  if (policy.fullMinCores <= policy.minimalMaxCores) {
    check.fail(key('fullMinCores'), `greater than ${key('minimalMaxCores')} (${policy.minimalMaxCores})`, policy.fullMinCores);
  }
  for (const f of ['fullMinMemoryMbWithGpu', 'fullMinMemoryMbWithoutGpu'] as const) {
    if (policy[f] < policy.minimalBelowMemoryMb) check.fail(key(f), `at least ${key('minimalBelowMemoryMb')} (${policy.minimalBelowMemoryMb})`, policy[f]);
  }
  if (policy.fullMinFreeDiskMb < policy.minimalBelowFreeDiskMb) {
    check.fail(key('fullMinFreeDiskMb'), `at least ${key('minimalBelowFreeDiskMb')} (${policy.minimalBelowFreeDiskMb})`, policy.fullMinFreeDiskMb);
  }
  return policy;
}

export const detectSection: ConfigSection<DetectConfig> = {
  keys: ['tier_policy', 'detect'],
  parse(root, check) {
    const d = check.obj(root.detect, 'detect', ['endpoints', 'network_timeout_ms', 'nvidia_smi_timeout_ms', 'lmstudio_url', 'ollama_url']);
    return {
      tierPolicy: parseTierPolicy(root.tier_policy, check),
      probes: {
        endpoints: check.arr(d.endpoints, 'detect.endpoints').map((u, i) => check.url(u, `detect.endpoints.${i}`)),
        // Caps keep the whole of detection under 2 s: each bound plus the probes' slack (200-250 ms).
        networkTimeoutMs: check.int(d.network_timeout_ms, 'detect.network_timeout_ms', { min: 50, max: 1700, def: DETECT_DEFAULTS.networkTimeoutMs }),
        nvidiaSmiTimeoutMs: check.int(d.nvidia_smi_timeout_ms, 'detect.nvidia_smi_timeout_ms', { min: 50, max: 1700, def: DETECT_DEFAULTS.nvidiaSmiTimeoutMs }),
        lmstudioUrl: d.lmstudio_url === undefined ? DEFAULT_LOCAL_LLM.lmstudioUrl : check.url(d.lmstudio_url, 'detect.lmstudio_url'),
        ollamaUrl: d.ollama_url === undefined ? DEFAULT_LOCAL_LLM.ollamaUrl : check.url(d.ollama_url, 'detect.ollama_url'),
      },
    };
  },
};
