import { isProbeError, type Facts } from '../detect/facts.ts';

/**
 * seed 000's `enabled_if` on a provider: a condition on detection's facts.
 * Only these names are understood; anything else is refused at start (see
 * parseEnabledIf) rather than silently treated as true or false.
 */
export const CONDITIONS = {
  /** A GPU was found (nvidia-smi or a DRM device). */
  gpu_available: (f) => gpuCount(f) === null ? null : gpuCount(f)! > 0,
  /** No GPU was found. */
  no_gpu: (f) => gpuCount(f) === null ? null : gpuCount(f) === 0,
  /** The network probe reached an endpoint. */
  online: (f) => networkState(f) === null ? null : networkState(f) === 'online',
  /** The network probe reached nothing (or there is no route out). */
  offline: (f) => networkState(f) === null ? null : networkState(f) === 'offline',
  /** A local LM Studio or Ollama server offers at least one model. */
  local_llm_available: (f) => {
    if (!f.localLlm || isProbeError(f.localLlm)) return null;
    return [f.localLlm.lmstudio, f.localLlm.ollama].some((s) => s.running && s.models.length > 0);
  },
} satisfies Record<string, (f: Partial<Facts>) => boolean | null>;

export type ConditionName = keyof typeof CONDITIONS;
export const CONDITION_NAMES = Object.keys(CONDITIONS) as ConditionName[];

export function isCondition(name: string): name is ConditionName {
  return Object.hasOwn(CONDITIONS, name);
}

/**
 * Whether a provider's condition holds: true, false, or null when the facts
 * it needs are not known (no detection, or its probe has not answered or
 * failed). Pure. Callers treat null as "enabled": an unknown fact never hides
 * a provider that might answer (it is optional, so its failures raise no alert).
 */
export function conditionHolds(name: ConditionName, facts: Partial<Facts> | undefined): boolean | null {
  if (!facts) return null;
  return CONDITIONS[name](facts);
}

function gpuCount(f: Partial<Facts>): number | null {
  if (!f.gpu || isProbeError(f.gpu)) return null;
  return f.gpu.devices.length;
}

function networkState(f: Partial<Facts>): 'online' | 'offline' | 'unverified' | null {
  if (!f.network || isProbeError(f.network)) return null;
  return f.network.state;
}
