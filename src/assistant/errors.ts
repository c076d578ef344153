import { EXIT, type ErrorTable } from '../core/errors.ts';

/** Codes owned by src/assistant. Each is documented in README.md's error table. */
export const ASSISTANT_ERRORS = {
} as const satisfies ErrorTable;

void EXIT;
