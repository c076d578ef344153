import { EXIT, type ErrorTable } from '../core/errors.ts';

/** Codes owned by src/install. Each is documented in README.md's error table. */
export const INSTALL_ERRORS = {
  NXS_ERR_INSTALL_SOURCE: { exit: EXIT.ENVIRONMENT, http: 500, summary: 'nxs install cannot find the single file it should copy (run it from dist/nxs, or pass --from FILE).' },
  NXS_ERR_INSTALL_WRITE: { exit: EXIT.ENVIRONMENT, http: 500, summary: 'The binary copy or the systemd unit cannot be written (permissions or disk); nothing was left half-written.' },
  NXS_ERR_INSTALL_SYSTEMCTL: { exit: EXIT.ENVIRONMENT, http: 500, summary: 'systemctl refused to reload, enable or stop the nxs unit; the message has its output.' },
  NXS_ERR_VERIFY_INPUT: { exit: EXIT.NOT_FOUND, http: 400, summary: 'nxs verify cannot read the file, SHA256SUMS, signature or public key it was given, or one is malformed.' },
  NXS_ERR_VERIFY_FAILED: { exit: EXIT.INTEGRITY, http: 422, summary: 'Release integrity failed: the signature does not match the key, or the file does not match SHA256SUMS.' },
} as const satisfies ErrorTable;
