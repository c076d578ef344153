import type { Migration } from './migration.ts';
import { CORE_MIGRATIONS } from './core-migrations.ts';
import { DETECT_MIGRATIONS } from '../detect/migrations.ts';
import { QUEUE_MIGRATIONS } from '../queue/migrations.ts';
import { PROVIDERS_MIGRATIONS } from '../providers/migrations.ts';
import { SUPERVISOR_MIGRATIONS } from '../supervisor/migrations.ts';
import { ASSISTANT_MIGRATIONS } from '../assistant/migrations.ts';
import { SANDBOX_MIGRATIONS } from '../sandbox/migrations.ts';
import { CHECKPOINTS_MIGRATIONS } from '../checkpoints/migrations.ts';
import { DOCTOR_MIGRATIONS } from '../doctor/migrations.ts';

/** Every migration, in the order they apply. Parts own their lists; this only orders them. */
export const ALL_MIGRATIONS: readonly Migration[] = [
  ...CORE_MIGRATIONS,
  ...DETECT_MIGRATIONS,
  ...QUEUE_MIGRATIONS,
  ...PROVIDERS_MIGRATIONS,
  ...SUPERVISOR_MIGRATIONS,
  ...ASSISTANT_MIGRATIONS,
  ...SANDBOX_MIGRATIONS,
  ...CHECKPOINTS_MIGRATIONS,
  ...DOCTOR_MIGRATIONS,
];
