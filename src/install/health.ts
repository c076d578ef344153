import type { ClientRequest } from 'node:http';

/**
 * One GET of /readyz: true only for a 200. Any other status, a refused or
 * hung connection, or a timeout is false (health checks need a yes or no, fast).
 */
export function probeReady(baseUrl: string, timeoutMs: number): Promise<{ ok: boolean; detail: string }> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (ok: boolean, detail: string): void => {
      if (settled) return;
      settled = true;
      resolve({ ok, detail });
    };
    let req: ClientRequest;
    try {
      req = process.getBuiltinModule('node:http').request(`${baseUrl.replace(/\/$/, '')}/readyz`, { method: 'GET', timeout: timeoutMs, agent: false }, (res) => {
        res.resume();
        res.on('end', () => done(res.statusCode === 200, `/readyz answered ${res.statusCode}`));
        res.on('error', (e) => done(false, `reading /readyz failed: ${e.message}`));
      });
    } catch (err) {
      done(false, `bad URL ${baseUrl}: ${(err as Error).message}`);
      return;
    }
    req.on('timeout', () => {
      req.destroy();
      done(false, `/readyz did not answer within ${timeoutMs} ms`);
    });
    req.on('error', (e) => done(false, `cannot reach ${baseUrl}: ${e.message}`));
    req.end();
  });
}
