import type { Migration } from '../store/migration.ts';

/** Schema changes owned by src/providers, in order. Ids: 'providers/NNN-what'. */
export const PROVIDERS_MIGRATIONS: Migration[] = [];
