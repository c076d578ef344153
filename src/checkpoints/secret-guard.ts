import { NxsError } from '../core/errors.ts';
import type { SecretRedactor } from '../core/secrets-redactor.ts';

// Keys that name a credential are dropped from saved settings whatever their value:
// a checkpoint travels (export), credentials never do.
const CREDENTIAL_KEY = /(api[_-]?key|token|secret|password|passphrase|credential|private[_-]?key|authorization)/i;

/** A deep copy of `value` without credential-named keys. */
export function dropCredentialKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropCredentialKeys);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (!CREDENTIAL_KEY.test(k)) out[k] = dropCredentialKeys(v);
    return out;
  }
  return value;
}

/**
 * The last line of defence: no registered credential may appear in the bytes
 * about to be sealed. Refusing (rather than scrubbing) keeps the checkpoint
 * honest: a restored state with [REDACTED] in it would be silently wrong.
 */
export function assertNoSecrets(redactor: SecretRedactor, name: string, bytes: Buffer): void {
  const text = bytes.toString('latin1');
  if (redactor.scrub(text) !== text) {
    throw new NxsError('NXS_ERR_CHECKPOINT_SECRET', `${name} contains a registered credential; the checkpoint was not written (the part that supplied ${name} must not export secrets)`, { part: name });
  }
}
