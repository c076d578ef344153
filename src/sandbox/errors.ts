import { EXIT, type ErrorTable } from '../core/errors.ts';

/** Codes owned by src/sandbox. Each is documented in README.md's error table. */
export const SANDBOX_ERRORS = {
} as const satisfies ErrorTable;

void EXIT;
