import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { FORWARDER_ROLE, FORWARDER_SOURCE } from './egress-forwarder.ts';
import { makeRunDir } from './run-dir.ts';

/** How to start the egress forwarder inside the sandbox: what to bind in (read-only) and the argv prefix. */
export interface ForwarderLaunch {
  /** Host path -> path inside, each bound read-only under /run/nxs. */
  binds: ReadonlyArray<{ source: string; target: string }>;
  /** The argv inside, before `SOCKET PORT -- COMMAND...`. */
  argv: readonly string[];
  /** Says which layout was chosen (for `nxs sandbox status`). */
  detail: string;
}

export interface ForwarderLayout {
  /** True inside the single file (Node SEA). */
  packed: boolean;
  /** process.execPath: the node binary from source, the nxs binary packed, the loader in private-loader mode. */
  execPath: string;
  /** The unpacked runtime folder (bin/nxs, lib/ with the private loader). */
  runtimeDir: string;
  /** NXS_LAUNCHER: set by the header when the private loader carries the program (old or no glibc). */
  launcher: string | undefined;
  /** The forwarder script written for the source layout, or null when none was written. */
  script: string | null;
}

const INSIDE = '/run/nxs';

/**
 * Pure: the three layouts nxs runs in.
 * - source: node (process.execPath) runs the standalone script;
 * - packed: the nxs executable itself, told its role by argv[2] (a SEA always
 *   runs its embedded main, so it cannot be handed a script);
 * - packed with the private loader: execPath is ld-linux from the runtime's
 *   lib/, so the loader, the libraries beside it and bin/nxs are all bound in
 *   and the loader is invoked exactly as the header's `launch` does.
 * Returns null when no layout applies (source run without a script).
 */
export function planForwarderLaunch(l: ForwarderLayout): ForwarderLaunch | null {
  if (!l.packed) {
    if (l.script === null) return null;
    return {
      binds: [{ source: l.execPath, target: `${INSIDE}/node` }, { source: l.script, target: `${INSIDE}/forwarder.js` }],
      argv: [`${INSIDE}/node`, `${INSIDE}/forwarder.js`],
      detail: 'egress forwarder: node and a script',
    };
  }
  if (l.launcher) {
    const libDir = path.dirname(l.launcher);
    const loader = path.basename(l.launcher);
    const nxs = path.join(l.runtimeDir, 'bin', 'nxs');
    return {
      binds: [{ source: libDir, target: `${INSIDE}/lib` }, { source: nxs, target: `${INSIDE}/nxs` }],
      argv: [`${INSIDE}/lib/${loader}`, '--library-path', `${INSIDE}/lib`, `${INSIDE}/nxs`, FORWARDER_ROLE],
      detail: 'egress forwarder: the nxs executable under its private loader',
    };
  }
  return {
    binds: [{ source: l.execPath, target: `${INSIDE}/nxs` }],
    argv: [`${INSIDE}/nxs`, FORWARDER_ROLE],
    detail: 'egress forwarder: the nxs executable',
  };
}

/**
 * Writes the forwarder to a private file under `tmp` any uid may read (it holds
 * no secret), for the source layout. Kept out of egress-forwarder.ts, which the
 * executable's entry imports: the forwarder role loads nothing more than it needs.
 */
export function writeForwarder(tmp: string): { script: string; dispose(): void } {
  const dir = makeRunDir(tmp, 'nxs-fwd-');
  const script = path.join(dir.path, 'forwarder.cjs');
  try {
    writeFileSync(script, FORWARDER_SOURCE, { mode: 0o644 });
  } catch (err) {
    dir.dispose();
    throw err;
  }
  return { script, dispose: dir.dispose };
}
