import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from '../helpers/test-context.ts';

export interface NxsChild {
  proc: ChildProcess;
  url: string;
  /** Resolves with the exit code or signal once the process is gone. */
  exited: Promise<number | string | null>;
}

/**
 * Starts a real nxs host: $NXS_TEST_BINARY when set (the e2e uses dist/nxs),
 * else the sources with the repository's Node 24. Resolves when it prints its
 * "ready at" line; rejects if it exits first.
 */
export function startNxs(opts: { home: string; dataDir: string; token: string }): Promise<NxsChild> {
  const args = ['start', '--port', '0', '--data-dir', opts.dataDir];
  const binary = process.env.NXS_TEST_BINARY;
  const [cmd, argv] = binary ? [binary, args] : [path.join(REPO_ROOT, 'node_modules/.bin/node'), [path.join(REPO_ROOT, 'src/main.ts'), ...args]];
  const proc = spawn(cmd, argv, {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: opts.home, NXS_HOME: opts.home, NXS_API_TOKEN: opts.token, NXS_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | string | null>((resolve) => proc.on('exit', (code, signal) => resolve(signal ?? code)));
  let stderr = '';
  proc.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString('utf8')).slice(-4000)));
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (c: Buffer): void => {
      out += c.toString('utf8');
      const m = /ready at (http:\/\/\S+)/.exec(out);
      if (m) {
        proc.stdout!.off('data', onData);
        proc.stdout!.resume();
        resolve({ proc, url: m[1]!, exited });
      }
    };
    proc.stdout!.on('data', onData);
    void exited.then((code) => reject(new Error(`nxs exited (${String(code)}) before it was ready: ${stderr}`)));
  });
}
