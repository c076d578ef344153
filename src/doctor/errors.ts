import { EXIT, type ErrorTable } from '../core/errors.ts';

/** Codes owned by src/doctor. Each is documented in README.md's error table. */
export const DOCTOR_ERRORS = {
  NXS_ERR_DIAGNOSIS_NOT_FOUND: { exit: EXIT.NOT_FOUND, http: 404, summary: 'No diagnosis with this id exists.' },
  NXS_ERR_DIAGNOSIS_STATE: { exit: EXIT.USAGE, http: 409, summary: 'The diagnosis is not waiting for approval (already applied, approved or denied).' },
  NXS_ERR_DOCTOR_FIX_FAILED: { exit: EXIT.FAILURE, http: 500, summary: 'The approved fix was attempted and failed; the diagnosis records why.' },
} as const satisfies ErrorTable;
