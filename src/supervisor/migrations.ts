import type { Migration } from '../store/migration.ts';

/** Schema changes owned by src/supervisor, in order. Ids: 'supervisor/NNN-what'. */
export const SUPERVISOR_MIGRATIONS: Migration[] = [];
