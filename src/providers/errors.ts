import { EXIT, type ErrorTable } from '../core/errors.ts';

/** Codes owned by src/providers. Each is documented in README.md's error table. */
export const PROVIDERS_ERRORS = {
} as const satisfies ErrorTable;

void EXIT;
