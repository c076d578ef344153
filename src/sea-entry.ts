import { FORWARDER_ROLE, runEgressForwarder } from './sandbox/egress-forwarder.ts';
import { resolveRuntimePaths } from './runtime/paths.ts';
import { loadCore } from './runtime/load-core.ts';

// The single executable's own script, kept small: the egress forwarder role
// (inside a sandbox, where the runtime folder is not mounted), else the core
// from the unpacked runtime, compiled with its trained code cache
// (src/runtime/load-core.ts). From source, src/main.ts is the entry instead.
if (process.argv[2] === FORWARDER_ROLE) runEgressForwarder(process.argv.slice(3));
else {
  try {
    loadCore(resolveRuntimePaths(process.env, { packed: true, execPath: process.execPath, sourceRoot: process.cwd() }).runtimeDir, process.env);
  } catch (err) {
    // A runtime folder without its core: the header's integrity exit code.
    process.stderr.write(`nxs: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(9);
  }
}
