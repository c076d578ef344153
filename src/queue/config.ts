import type { ConfigSection } from '../config/section.ts';

// The config keys owned by src/queue: to be defined by that part.
export interface QueueConfig {}

export const queueSection: ConfigSection<QueueConfig> = {
  keys: [],
  parse: () => ({}),
};
