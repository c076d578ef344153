import { probeBwrap } from '../../../src/sandbox/bwrap-backend.ts';
import { which } from '../../../src/sandbox/which.ts';

/**
 * Whether this kernel lets bwrap create the namespaces the sandbox uses. Tests
 * that need them skip, saying why, only when the kernel or the install refuses.
 */
const bwrap = which('bwrap', '/usr/local/bin:/usr/bin:/bin');
const probe = bwrap ? await probeBwrap(bwrap, process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : null) : null;
export const BWRAP_OK = probe?.ok === true;
export const BWRAP_SKIP_REASON = bwrap ? `bwrap cannot create namespaces here: ${probe?.detail}` : 'bwrap is not installed (Debian package bubblewrap)';
if (!BWRAP_OK) console.warn(`SKIPPING sandbox namespace tests: ${BWRAP_SKIP_REASON}`);
