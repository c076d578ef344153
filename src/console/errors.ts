import { EXIT, type ErrorTable } from '../core/errors.ts';

/** Codes owned by src/console. Each is documented in README.md's error table. */
export const CONSOLE_ERRORS = {
  NXS_ERR_CONSOLE_CODE_INVALID: { exit: EXIT.DENIED, http: 401, summary: 'The console login code is unknown, already used or expired (codes work once, within a minute); get a new link with nxs console.' },
  NXS_ERR_CONSOLE_SESSION_INVALID: { exit: EXIT.DENIED, http: 401, summary: 'The console session cookie is unknown, forged, revoked or expired, or the token that opened it was revoked; sign in again with nxs console.' },
  NXS_ERR_CONSOLE_ORIGIN: { exit: EXIT.DENIED, http: 403, summary: 'A request carrying the console session cookie came from another origin (or a state-changing one named no origin); it is refused.' },
  NXS_ERR_CONSOLE_NEEDS_TOKEN: { exit: EXIT.DENIED, http: 403, summary: 'Console links are minted with an API token (nxs console), not from a console session, so a session cannot outlive its expiry.' },
  NXS_ERR_CONSOLE_SESSION_NOT_FOUND: { exit: EXIT.NOT_FOUND, http: 404, summary: 'No live console session has this id.' },
} as const satisfies ErrorTable;
