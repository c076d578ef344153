import type { ConfigSection } from '../config/section.ts';

// The config keys owned by src/detect: to be defined by that part.
export interface DetectConfig {}

export const detectSection: ConfigSection<DetectConfig> = {
  keys: [],
  parse: () => ({}),
};
