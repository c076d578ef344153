import { runProbe } from './probe.ts';
import { probeOs } from './probes/os.ts';
import { probeCpu } from './probes/cpu.ts';
import { probeMemory } from './probes/memory.ts';
import { probeDisk } from './probes/disk.ts';
import { probeGpu } from './probes/gpu.ts';
import { probeContainer } from './probes/container.ts';
import { probeNetwork } from './probes/network.ts';
import { probeLocalLlm, DEFAULT_LOCAL_LLM } from './probes/local-llm.ts';
import type { Facts, LocalFacts, NetworkProbeFacts, ProbeEnv } from './facts.ts';

export interface DetectOptions extends ProbeEnv {
  /** Bound of each file-reading probe. Reading /proc takes a few ms; 250 leaves room on a loaded box. */
  localTimeoutMs?: number;
  /** nvidia-smi can take most of a second while the driver wakes; it is killed after this. */
  nvidiaSmiTimeoutMs?: number;
  /** Bound of each network request (endpoint reachability, local LLM servers). */
  networkTimeoutMs?: number;
  /** Provider URLs to check for reachability. */
  endpoints?: readonly string[];
  lmstudioUrl?: string;
  ollamaUrl?: string;
}

export const DETECT_DEFAULTS = { localTimeoutMs: 250, nvidiaSmiTimeoutMs: 1000, networkTimeoutMs: 1500 } as const;

/** The probes that read only this box: they decide the tier, so boot awaits them. */
export async function detectLocal(o: DetectOptions): Promise<{ facts: LocalFacts; timings: Record<string, number> }> {
  const t = o.localTimeoutMs ?? DETECT_DEFAULTS.localTimeoutMs;
  const smi = o.nvidiaSmiTimeoutMs ?? DETECT_DEFAULTS.nvidiaSmiTimeoutMs;
  const [os, cpu, memory, disk, gpu, container] = await Promise.all([
    runProbe('os', t, () => probeOs(o)),
    runProbe('cpu', t, () => probeCpu(o)),
    runProbe('memory', t, () => probeMemory(o)),
    runProbe('disk', t, () => probeDisk(o)),
    // The GPU probe kills nvidia-smi at its own bound and then reads /sys; the outer bound is a backstop.
    runProbe('gpu', smi + t, () => probeGpu(o, { nvidiaSmiTimeoutMs: smi })),
    runProbe('container', t, () => probeContainer(o)),
  ]);
  return {
    facts: { os: os.value, cpu: cpu.value, memory: memory.value, disk: disk.value, gpu: gpu.value, container: container.value },
    timings: { os: os.ms, cpu: cpu.ms, memory: memory.ms, disk: disk.ms, gpu: gpu.ms, container: container.ms },
  };
}

/** The probes that touch the network (even loopback); boot never waits for them. */
export async function detectNetwork(o: DetectOptions): Promise<{ facts: NetworkProbeFacts; timings: Record<string, number> }> {
  const t = o.networkTimeoutMs ?? DETECT_DEFAULTS.networkTimeoutMs;
  // Each request has bound t; the probe's bound adds slack for the file reads around them.
  const [network, localLlm] = await Promise.all([
    runProbe('network', t + 200, () => probeNetwork(o, { endpoints: o.endpoints ?? [], timeoutMs: t })),
    runProbe('local-llm', t + 200, () => probeLocalLlm({ lmstudioUrl: o.lmstudioUrl ?? DEFAULT_LOCAL_LLM.lmstudioUrl, ollamaUrl: o.ollamaUrl ?? DEFAULT_LOCAL_LLM.ollamaUrl, timeoutMs: t })),
  ]);
  return { facts: { network: network.value, localLlm: localLlm.value }, timings: { network: network.ms, 'local-llm': localLlm.ms } };
}

/** Everything, concurrently: local and network probes start together. */
export async function detectAll(o: DetectOptions, opts: { network: boolean; now: () => number }): Promise<Facts> {
  const [local, net] = await Promise.all([detectLocal(o), opts.network ? detectNetwork(o) : Promise.resolve(null)]);
  return {
    detectedAt: new Date(opts.now()).toISOString(),
    ...local.facts,
    ...(net ? net.facts : {}),
    timings: { ...local.timings, ...(net?.timings ?? {}) },
  };
}
