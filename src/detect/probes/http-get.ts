
export interface HttpAnswer {
  status: number;
  body: string;
  latencyMs: number;
}

const MAX_BODY = 1024 * 1024;

/**
 * One GET with a hard bound on the whole exchange (connect, headers, body).
 * node:http rather than fetch: no global dispatcher, no proxy picked up from
 * the process, and the socket is destroyed the moment the bound passes.
 */
export function httpGet(url: string, timeoutMs: number, opts: { via?: { host: string; port: number } } = {}): Promise<HttpAnswer> {
  const u = new URL(url);
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    // node:https (and with it node:tls, ~11 ms to load) only when a probe needs it: not on the path to ready.
    const lib = u.protocol === 'https:' && !opts.via ? process.getBuiltinModule('node:https') : process.getBuiltinModule('node:http');
    const req = lib.request(
      opts.via
        ? // Through an HTTP proxy: a CONNECT would be needed for https, but any answer from the proxy shows the path is open.
          { host: opts.via.host, port: opts.via.port, method: 'HEAD', path: url, headers: { host: u.host } }
        : { host: u.hostname, port: u.port || (u.protocol === 'https:' ? 443 : 80), method: 'GET', path: u.pathname + u.search, headers: { accept: 'application/json' } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
          if (body.length > MAX_BODY) req.destroy(new Error('answer larger than 1 MiB'));
        });
        res.on('end', () => finish(() => resolve({ status: res.statusCode ?? 0, body, latencyMs: Math.round(performance.now() - t0) })));
        res.on('error', (e) => finish(() => reject(e)));
      },
    );
    let done = false;
    const finish = (fn: () => void): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      fn();
    };
    const timer = setTimeout(() => {
      finish(() => reject(new Error(`no answer within ${timeoutMs} ms`)));
      req.destroy();
    }, timeoutMs);
    req.on('error', (e) => finish(() => reject(new Error(e.message))));
    req.end();
  });
}
