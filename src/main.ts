import { isSea } from 'node:sea';
import { FORWARDER_ROLE, runEgressForwarder } from './sandbox/egress-forwarder.ts';
import { resolveRuntimePaths } from './runtime/paths.ts';
import { VERSION } from './version.ts';

// The single entry point: the header execs the native binary, which runs this.
// Inside a sandbox the same binary is the egress forwarder (a SEA always runs
// this file): that role is decided first, and the CLI is loaded only otherwise
// (a dynamic import, so the bundle does not initialise the whole host for it).
//
// With `node build/build.ts --snapshot` the SEA carries a V8 start-up snapshot:
// this file then runs once at build time, evaluates the CLI modules into the
// heap that is snapshotted, and registers `entry` to run at each start. That
// skips ~110 ms of module evaluation and built-in loading per start, at +28 MB
// of idle RSS, hence not the default (docs/benchmarks/startup.md).
// Nothing may run at module top level that reads the environment, opens a
// handle or loads undici (toolchain.md); `entry` reads argv and env afresh.
const { startupSnapshot } = process.getBuiltinModule('node:v8');
if (startupSnapshot.isBuildingSnapshot()) {
  void import('./cli/program.ts').then(warmUp);
  startupSnapshot.setDeserializeMainFunction(entry);
} else entry();

function entry(): void {
  if (process.argv[2] === FORWARDER_ROLE) runEgressForwarder(process.argv.slice(3));
  else run();
}

function run(): void {
  main().then(
    (code) => {
      // Exit explicitly: after a clean stop nothing may keep the process alive
      // (stdout and stderr are synchronous for files and pipes on Linux).
      process.exit(code);
    },
    (err: unknown) => {
      process.stderr.write(`nxs: ${String(err)}\n`);
      process.exitCode = 1;
    },
  );
}

async function main(): Promise<number> {
  const { runCli } = await import('./cli/program.ts');
  const packed = isSea();
  const cli = {
    version: VERSION,
    env: process.env,
    paths: resolveRuntimePaths(process.env, { packed, execPath: process.execPath, sourceRoot: process.cwd() }),
    stdout: (t: string) => void process.stdout.write(t),
    stderr: (t: string) => void process.stderr.write(t),
    setExitCode: (_code: number) => {},
    isTTY: Boolean(process.stdout.isTTY),
  };
  return runCli(process.argv.slice(2), cli);
}

/**
 * At snapshot build time only: run the YAML parser once so its functions are
 * compiled into the snapshot; every start parses the shipped defaults, and
 * compiling the parser there cost ~10 ms. Pure: no file, no environment.
 */
async function warmUp(): Promise<void> {
  const { parse } = await import('yaml');
  parse('a: 1\nb: [x, "y", 2.5]\nc:\n  d: true\n  e: null\n  f:\n    - name: g\n      h: \'i\'\n# j\nk: |\n  l\n');
}
