import { EXIT, type ErrorTable } from '../core/errors.ts';

/** Codes owned by src/supervisor. Each is documented in README.md's error table. */
export const SUPERVISOR_ERRORS = {
} as const satisfies ErrorTable;

void EXIT;
