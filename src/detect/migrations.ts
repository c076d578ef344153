import type { Migration } from '../store/migration.ts';

/** Schema changes owned by src/detect, in order. Ids: 'detect/NNN-what'. */
export const DETECT_MIGRATIONS: Migration[] = [];
