import { isSea } from 'node:sea';
import { FORWARDER_ROLE, runEgressForwarder } from './sandbox/egress-forwarder.ts';
import { resolveRuntimePaths } from './runtime/paths.ts';
import { VERSION } from './version.ts';

// The single entry point: the header execs the native binary, which runs this.
// Inside a sandbox the same binary is the egress forwarder (a SEA always runs
// this file): that role is decided first, and the CLI is loaded only otherwise
// (a dynamic import, so the bundle does not initialise the whole host for it).
if (process.argv[2] === FORWARDER_ROLE) runEgressForwarder(process.argv.slice(3));
else {
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
