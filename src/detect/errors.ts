import { EXIT, type ErrorTable } from '../core/errors.ts';

/** Codes owned by src/detect. Each is documented in README.md's error table. */
export const DETECT_ERRORS = {
  NXS_ERR_DETECT_FAILED: { exit: EXIT.ENVIRONMENT, http: 500, summary: 'Detection could not measure the box at all (every local probe failed); the message lists why.' },
} as const satisfies ErrorTable;
