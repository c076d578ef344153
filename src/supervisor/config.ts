import type { ConfigSection } from '../config/section.ts';

// The config keys owned by src/supervisor: to be defined by that part.
export interface SupervisorConfig {}

export const supervisorSection: ConfigSection<SupervisorConfig> = {
  keys: [],
  parse: () => ({}),
};
