import { spawn } from 'node:child_process';

export interface Started {
  /** Exec to the first `/readyz` 200, ms. */
  ms: number;
  pid: number;
  /** SIGTERM, resolved when the process has exited. */
  stop(): Promise<void>;
}

/**
 * Starts `file start --port 0` and times exec to ready. The host prints its ready
 * banner right after it turns ready, and the banner triggers the `/readyz`
 * request, so no polling interval is added to the figure.
 */
export function startToReady(file: string, env: Record<string, string>): Promise<Started> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(file, ['start', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code) => reject(new Error(`${file} exited ${code} before ready: ${err}`)));
    child.stdout.on('data', async (c: Buffer) => {
      out += c.toString();
      const m = /ready at (http:\/\/\S+)/.exec(out);
      if (!m) return;
      child.stdout.removeAllListeners('data');
      const res = await fetch(`${m[1]}/readyz`);
      const ms = performance.now() - t0;
      child.removeAllListeners('exit');
      const stop = (): Promise<void> =>
        new Promise<void>((r) => {
          child.on('exit', () => r());
          child.kill('SIGTERM');
        });
      if (res.status !== 200) {
        await stop();
        reject(new Error(`/readyz answered ${res.status}`));
        return;
      }
      resolve({ ms, pid: child.pid!, stop });
    });
  });
}
