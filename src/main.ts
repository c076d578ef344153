import { isSea } from 'node:sea';
import { runCli } from './cli/program.ts';
import { resolveRuntimePaths } from './runtime/paths.ts';
import { VERSION } from './version.ts';

// The single entry point: the header execs the native binary, which runs this.
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

runCli(process.argv.slice(2), cli).then(
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
