import { coreSection } from './schema.ts';
import { detectSection } from '../detect/config.ts';
import { queueSection } from '../queue/config.ts';
import { providersSection } from '../providers/config.ts';
import { supervisorSection } from '../supervisor/config.ts';
import { assistantSection } from '../assistant/config.ts';
import { sandboxSection } from '../sandbox/config.ts';
import { checkpointsSection } from '../checkpoints/config.ts';
import { doctorSection } from '../doctor/config.ts';
import { metricsSection } from '../metrics/config.ts';

/** Every section of the config document, in the order they are validated. */
export const SECTIONS = {
  core: coreSection,
  detect: detectSection,
  queue: queueSection,
  providers: providersSection,
  supervisor: supervisorSection,
  assistant: assistantSection,
  sandbox: sandboxSection,
  checkpoints: checkpointsSection,
  doctor: doctorSection,
  metrics: metricsSection,
} as const;

export type SectionConfigs = {
  [K in keyof typeof SECTIONS]: ReturnType<(typeof SECTIONS)[K]['parse']>;
};
