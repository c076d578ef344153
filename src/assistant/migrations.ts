import type { Migration } from '../store/migration.ts';

/** Schema changes owned by src/assistant, in order. Ids: 'assistant/NNN-what'. */
export const ASSISTANT_MIGRATIONS: Migration[] = [];
