import { EXIT, type ErrorTable } from '../core/errors.ts';

/** Codes owned by src/queue. Each is documented in README.md's error table. */
export const QUEUE_ERRORS = {
} as const satisfies ErrorTable;

void EXIT;
