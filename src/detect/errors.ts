import { EXIT, type ErrorTable } from '../core/errors.ts';

/** Codes owned by src/detect. Each is documented in README.md's error table. */
export const DETECT_ERRORS = {
} as const satisfies ErrorTable;

void EXIT;
