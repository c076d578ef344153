import { EXIT, type ErrorTable } from '../core/errors.ts';

/** Codes owned by src/checkpoints. Each is documented in README.md's error table. */
export const CHECKPOINTS_ERRORS = {
  NXS_ERR_CHECKPOINT_NOT_FOUND: { exit: EXIT.NOT_FOUND, http: 404, summary: 'No checkpoint with this id exists on this host.' },
  NXS_ERR_CHECKPOINT_INVALID: { exit: EXIT.INTEGRITY, http: 422, summary: 'The file is not an nxs checkpoint, or its manifest or contents do not match.' },
  NXS_ERR_CHECKPOINT_TRUNCATED: { exit: EXIT.INTEGRITY, http: 422, summary: 'The checkpoint file is shorter than its header says; it was cut off.' },
  NXS_ERR_CHECKPOINT_TAMPERED: { exit: EXIT.INTEGRITY, http: 422, summary: 'The checkpoint signature does not verify: the file was altered or signed by another key.' },
  NXS_ERR_CHECKPOINT_WRONG_KEY: { exit: EXIT.INTEGRITY, http: 422, summary: 'The checkpoint was encrypted with another key or passphrase than the one given.' },
  NXS_ERR_CHECKPOINT_FORMAT: { exit: EXIT.INTEGRITY, http: 422, summary: 'The checkpoint was written by a newer nxs in a format this version cannot read.' },
  NXS_ERR_CHECKPOINT_UNSAFE_ENTRY: { exit: EXIT.INTEGRITY, http: 422, summary: 'The archive holds a path with .., an absolute path, or a link that leaves the target.' },
  NXS_ERR_CHECKPOINT_KEY: { exit: EXIT.CONFIG, http: 500, summary: 'The checkpoint encryption or signing key is missing, malformed or readable by others.' },
  NXS_ERR_CHECKPOINT_PASSPHRASE: { exit: EXIT.USAGE, http: 400, summary: 'Export and import need a passphrase of at least 8 characters (stdin or NXS_CHECKPOINT_PASSPHRASE).' },
  NXS_ERR_CHECKPOINT_TOO_LARGE: { exit: EXIT.ENVIRONMENT, http: 507, summary: 'The checkpoint is larger than the tier\'s checkpoint size budget.' },
  NXS_ERR_CHECKPOINT_SECRET: { exit: EXIT.FAILURE, http: 500, summary: 'A registered credential was found in the state to save; the checkpoint was not written.' },
  NXS_ERR_CHECKPOINT_HOST_RUNNING: { exit: EXIT.BUSY, http: 409, summary: 'Applying a staged whole-host restore needs the host stopped.' },
  NXS_ERR_CHECKPOINT_UNTRUSTED_SIGNER: { exit: EXIT.INTEGRITY, http: 422, summary: 'The checkpoint is signed by a key this host does not trust (add it with nxs checkpoint trust add, or pass --allow-untrusted-signer).' },
  NXS_ERR_CHECKPOINT_KDF: { exit: EXIT.INTEGRITY, http: 422, summary: 'The checkpoint asks for key-derivation (scrypt) parameters beyond what nxs itself writes.' },
  NXS_ERR_CHECKPOINT_EXISTS: { exit: EXIT.BUSY, http: 409, summary: 'A checkpoint with this id is already on this host; the existing one is kept and the import refused.' },
  NXS_ERR_CHECKPOINT_FORBIDDEN_FILE: { exit: EXIT.INTEGRITY, http: 422, summary: 'A host checkpoint holds a file restore may not write (credentials, keys, anything but the store and identity files).' },
  NXS_ERR_CHECKPOINT_UNAVAILABLE: { exit: EXIT.UNAVAILABLE, http: 503, summary: 'Agent checkpoints need the supervisor, which is not running on this host.' },
} as const satisfies ErrorTable;
