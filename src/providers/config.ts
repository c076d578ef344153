import type { ConfigSection } from '../config/section.ts';

// The config keys owned by src/providers: to be defined by that part.
export interface ProvidersConfig {}

export const providersSection: ConfigSection<ProvidersConfig> = {
  keys: [],
  parse: () => ({}),
};
