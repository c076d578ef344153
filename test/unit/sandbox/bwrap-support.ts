import { test } from 'vitest';
import { probeBwrap } from '../../../src/sandbox/bwrap-backend.ts';
import { which } from '../../../src/sandbox/which.ts';

/**
 * Whether this kernel lets bwrap create the namespaces the sandbox uses. Tests
 * that need them skip, saying why, only when the kernel or the install refuses.
 */
// NXS_TEST_HIDE_BWRAP=1 gates these tests as on a machine without bwrap, to see what such a run reports.
const bwrap = process.env.NXS_TEST_HIDE_BWRAP === '1' ? null : which('bwrap', '/usr/local/bin:/usr/bin:/bin');
const probe = bwrap ? await probeBwrap(bwrap, process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : null) : null;
export const BWRAP_OK = probe?.ok === true;
export const BWRAP_SKIP_REASON = bwrap ? `bwrap cannot create namespaces here: ${probe?.detail}` : 'bwrap is not installed (Debian package bubblewrap)';
if (!BWRAP_OK) console.warn(`SKIPPING sandbox namespace tests: ${BWRAP_SKIP_REASON}`);

/**
 * Where the sandbox must be proven (CI: .ci/run sets NXS_REQUIRE_BWRAP=1, and `npm test` installs
 * bubblewrap), a missing or refused bwrap fails instead of skipping.
 */
export const BWRAP_REQUIRED = process.env.NXS_REQUIRE_BWRAP === '1' || process.env.CI === 'true';

/**
 * A suite title that carries the reason into the report when it is skipped, so a run without
 * bwrap reads "skipped: bwrap is not installed", never a quiet pass.
 */
export function bwrapTitle(title: string): string {
  return BWRAP_OK ? title : `${title} (SKIPPED: ${BWRAP_SKIP_REASON})`;
}

/** One test that fails where bwrap is required but unusable; call it beside each bwrap suite. */
export function failWhereBwrapIsRequired(): void {
  test.runIf(!BWRAP_OK && BWRAP_REQUIRED)('bwrap works where the sandbox must be tested (NXS_REQUIRE_BWRAP=1 or CI)', () => {
    throw new Error(`the sandbox tests cannot run: ${BWRAP_SKIP_REASON}`);
  });
}
