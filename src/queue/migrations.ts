import type { Migration } from '../store/migration.ts';

/** Schema changes owned by src/queue, in order. Ids: 'queue/NNN-what'. */
export const QUEUE_MIGRATIONS: Migration[] = [];
