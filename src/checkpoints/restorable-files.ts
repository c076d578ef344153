import { NxsError } from '../core/errors.ts';

// What a whole-host checkpoint may hold and its restore may write: an
// allowlist, not a denylist. A host checkpoint crafted to carry
// data/api-token or data/credentials.enc was once applied as is, and its
// token then answered 200. Credentials (api-token, credentials.enc), key
// files and host.json match nothing below, so no checkpoint can replace them.

// One path segment: no dot files (.git, .ckpt-…), no `..`, nothing odd.
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
// The identity folder holds SOUL.md, MEMORY.md and notes the assistant keeps in text forms.
const IDENTITY_FILE = /\.(md|txt|json|ya?ml)$/i;
const MAX_DEPTH = 5;

/** Tables that hold credentials or token digests: emptied in a host backup, and again in a store being restored. */
export const CREDENTIAL_TABLE = /(token|credential|secret)/i;

/** A path relative to the data folder that a restore may write: a top-level `*.md`, or a text file under `identity/`. */
export function isRestorableDataFile(rel: string): boolean {
  const segments = rel.split('/');
  if (segments.length > MAX_DEPTH || !segments.every((s) => SEGMENT.test(s) && s !== '..')) return false;
  if (segments.length === 1) return /\.md$/i.test(rel);
  return segments[0] === 'identity' && IDENTITY_FILE.test(segments[segments.length - 1]!);
}

/** The archive of a host checkpoint: its manifest, the store, and restorable data files; nothing else. */
export function assertHostArchive(names: Iterable<string>): void {
  for (const name of names) {
    if (name === 'manifest.json' || name === 'host/nxs.db') continue;
    if (name.startsWith('data/') && isRestorableDataFile(name.slice('data/'.length))) continue;
    throw new NxsError('NXS_ERR_CHECKPOINT_FORBIDDEN_FILE', `the host checkpoint holds ${JSON.stringify(name.slice(0, 200))}, which a restore never writes: only host/nxs.db, top-level *.md files and text files under identity/ are restored (credentials and keys never are)`, { entry: name.slice(0, 200) });
  }
}
