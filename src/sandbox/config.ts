import type { ConfigSection } from '../config/section.ts';

// The config keys owned by src/sandbox: to be defined by that part.
export interface SandboxConfig {}

export const sandboxSection: ConfigSection<SandboxConfig> = {
  keys: [],
  parse: () => ({}),
};
