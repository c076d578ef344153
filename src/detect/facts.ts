// The shapes detection produces. Every probe answers with its facts or with
// `{ error }` saying why it could not; one failing probe never hides the others.

export interface ProbeError {
  error: string;
}
export type Probed<T> = T | ProbeError;

export function isProbeError(v: unknown): v is ProbeError {
  return typeof v === 'object' && v !== null && 'error' in v && typeof (v as ProbeError).error === 'string';
}

/** What every probe reads instead of the real machine, so tests point it at a fake tree. */
export interface ProbeEnv {
  /** Folder standing for `/` (holds proc/, sys/, etc/); '/' in production. */
  root: string;
  /** The environment (PATH, proxy variables, container hints). */
  env: Readonly<Record<string, string | undefined>>;
  /** The data folder whose filesystem the disk probe measures. */
  dataDir: string;
  /** glibc version of the running process (from process.report); only consulted when root is '/'. */
  glibcVersionRuntime?: (() => string | undefined) | undefined;
}

export interface OsFacts {
  platform: string;
  arch: string;
  kernel: string | null;
  distro: { id: string; name: string; version: string | null; prettyName: string } | null;
  libc: { family: 'glibc' | 'musl' | 'unknown'; version: string | null };
}

export interface CpuFacts {
  model: string | null;
  logicalCores: number;
  /** Cores the cgroup quota allows (e.g. 1.5); null when no quota applies. */
  cgroupQuotaCores: number | null;
  cgroupVersion: 1 | 2 | null;
  /** min(logical cores, quota): what this process can really use. */
  effectiveCores: number;
}

export interface MemoryFacts {
  totalBytes: number;
  availableBytes: number;
  swapTotalBytes: number;
  swapFreeBytes: number;
  /** The cgroup limit when it is lower than the host's RAM; null otherwise. */
  cgroupLimitBytes: number | null;
  cgroupUsageBytes: number | null;
  cgroupVersion: 1 | 2 | null;
  /** min(total, cgroup limit): inside a container the limit counts. */
  effectiveTotalBytes: number;
  /** min(available, limit - usage). */
  effectiveAvailableBytes: number;
}

export interface DiskFacts {
  path: string;
  freeBytes: number;
  totalBytes: number;
  mountPoint: string | null;
  fsType: string | null;
  readOnly: boolean;
  noexec: boolean;
}

export interface GpuDevice {
  vendor: 'nvidia' | 'amd' | 'intel' | 'other';
  name: string;
  memoryTotalMb: number | null;
  memoryFreeMb: number | null;
  driver: string | null;
}
export interface GpuFacts {
  source: 'nvidia-smi' | 'drm' | 'none';
  devices: GpuDevice[];
  /** Why nvidia-smi did not answer when it was present (hung, garbage, failed). */
  nvidiaSmiError?: string;
}

export type ContainerKind = 'docker' | 'podman' | 'kubernetes' | 'lxc' | 'wsl' | 'none';
export interface ContainerFacts {
  kind: ContainerKind;
  /** What gave it away (a file, a cgroup path, a variable). */
  evidence: string | null;
}

export interface EndpointReach {
  url: string;
  reachable: boolean;
  /** HTTP status when something answered. */
  status?: number;
  latencyMs?: number;
  error?: string;
  via: 'direct' | 'proxy';
}
export interface NetworkFacts {
  state: 'online' | 'offline' | 'unverified';
  interfacesUp: string[];
  defaultRoute: { iface: string; gateway: string } | null;
  dns: string[];
  /** Proxy variables in effect, credentials masked. */
  proxies: Record<string, string>;
  endpoints: EndpointReach[];
}

export interface LocalLlmServer {
  url: string;
  running: boolean;
  models: string[];
  error?: string;
}
export interface LocalLlmFacts {
  lmstudio: LocalLlmServer;
  ollama: LocalLlmServer;
}

export interface LocalFacts {
  os: Probed<OsFacts>;
  cpu: Probed<CpuFacts>;
  memory: Probed<MemoryFacts>;
  disk: Probed<DiskFacts>;
  gpu: Probed<GpuFacts>;
  container: Probed<ContainerFacts>;
}

export interface NetworkProbeFacts {
  network: Probed<NetworkFacts>;
  localLlm: Probed<LocalLlmFacts>;
}

export interface Facts extends LocalFacts, Partial<NetworkProbeFacts> {
  detectedAt: string;
  /** Wall time of each probe, ms. */
  timings: Record<string, number>;
}
