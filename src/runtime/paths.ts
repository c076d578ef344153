import path from 'node:path';
import { existsSync } from 'node:fs';

/** Where the unpacked runtime keeps what the payload brought. */
export interface RuntimePaths {
  /** The content-addressed folder the header unpacked into (or the repo root when run from source). */
  runtimeDir: string;
  /** Default config and example files shipped in the payload. */
  payloadDir: string;
  /** The shipped default identity files (SOUL.md, MEMORY.md). */
  identityDir: string;
  /** better-sqlite3's addon from the payload; undefined when run from source (node_modules has it). */
  sqliteBinding: string | undefined;
  /** True inside the single executable. */
  packed: boolean;
}

/**
 * The header exports NXS_RUNTIME_DIR before it execs the binary. Without it (the
 * binary started by hand) the runtime is the folder above `bin/`. From source,
 * the repository root plays the runtime's part.
 */
export function resolveRuntimePaths(env: Readonly<Record<string, string | undefined>>, opts: { packed: boolean; execPath: string; sourceRoot: string }): RuntimePaths {
  const runtimeDir = env.NXS_RUNTIME_DIR
    ? path.resolve(env.NXS_RUNTIME_DIR)
    : opts.packed
      ? path.dirname(path.dirname(opts.execPath))
      : opts.sourceRoot;
  const binding = path.join(runtimeDir, 'vendor', 'better-sqlite3', 'better_sqlite3.node');
  return {
    runtimeDir,
    payloadDir: path.join(runtimeDir, 'payload'),
    identityDir: path.join(runtimeDir, 'identity'),
    sqliteBinding: opts.packed || existsSync(binding) ? binding : undefined,
    packed: opts.packed,
  };
}
