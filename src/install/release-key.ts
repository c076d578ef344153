/**
 * The release public key (SPKI PEM) `nxs verify` trusts, built into the file by
 * `build/build.ts --release-pub` (build/release.ts passes the key it signs with; build/release-key.ts
 * swaps this module). Null when run from source and in a build made without one: verify then
 * checks a signature only against a key given with --key, and says so.
 */
export const BUILT_IN_RELEASE_KEY: string | null = null;
