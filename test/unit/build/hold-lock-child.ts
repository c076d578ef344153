// A stand-in for build.ts in a child process: takes <root>/.build/x64.lock exactly as
// build.ts does, says `held` on stdout, then does what argv[3] asks.
//   node hold-lock-child.ts ROOT hold|throw|kill9
import { holdStagingLock } from '../../../build/build-lock.ts';

const [root, mode] = process.argv.slice(2);
await holdStagingLock(root!, 'x64');
process.stdout.write('held\n');
if (mode === 'throw') throw new Error('the build failed half-way');
if (mode === 'kill9') process.kill(process.pid, 'SIGKILL');
// hold: stay until a signal; the open timer keeps the process alive.
if (mode === 'hold') setTimeout(() => {}, 600_000);
