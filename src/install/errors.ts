import { EXIT, type ErrorTable } from '../core/errors.ts';

/** Codes owned by src/install. Each is documented in README.md's error table. */
export const INSTALL_ERRORS = {
} as const satisfies ErrorTable;

void EXIT;
