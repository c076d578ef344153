import type { ConfigSection } from '../config/section.ts';

// The config keys owned by src/assistant: to be defined by that part.
export interface AssistantConfig {}

export const assistantSection: ConfigSection<AssistantConfig> = {
  keys: [],
  parse: () => ({}),
};
