import type { Migration } from '../store/migration.ts';

/** Schema changes owned by src/sandbox, in order. Ids: 'sandbox/NNN-what'. */
export const SANDBOX_MIGRATIONS: Migration[] = [];
