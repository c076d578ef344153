import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * A git smart-HTTP server on 127.0.0.1:0: `git http-backend` (CGI) behind a
 * small node server, serving bare repositories under a temp root. Push is
 * enabled. With `auth`, requests need HTTP basic auth user:password (to test
 * that credentials in remote URLs never reach output). `down()` makes every
 * request fail with 503 until `up()`.
 */
export interface GitServer {
  url: string;
  root: string;
  /** Creates an empty bare repository `<name>.git`; returns its URL (with credentials when auth is on). */
  createRepo(name: string): string;
  down(): void;
  up(): void;
  requests: number;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export async function startGitServer(opts: { auth?: { user: string; password: string } } = {}): Promise<GitServer> {
  const root = mkdtempSync(path.join(tmpdir(), 'nxs-git-'));
  const sockets = new Set<Socket>();
  let isDown = false;
  const expected = opts.auth ? 'Basic ' + Buffer.from(`${opts.auth.user}:${opts.auth.password}`).toString('base64') : null;
  const server = createServer((req, res) => {
    gs.requests++;
    if (isDown) {
      res.writeHead(503).end('down');
      req.resume();
      return;
    }
    if (expected && req.headers.authorization !== expected) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="nxs-test"' }).end();
      req.resume();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://x');
    const cgi = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: '1',
        GIT_CONFIG_COUNT: '1',
        GIT_CONFIG_KEY_0: 'http.receivepack',
        GIT_CONFIG_VALUE_0: 'true',
        REQUEST_METHOD: req.method ?? 'GET',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        ...(req.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: String(req.headers['content-encoding']) } : {}),
        ...(req.headers['git-protocol'] ? { GIT_PROTOCOL: String(req.headers['git-protocol']) } : {}),
        REMOTE_USER: opts.auth?.user ?? 'anonymous',
        REMOTE_ADDR: '127.0.0.1',
      },
    });
    req.pipe(cgi.stdin);
    let head = Buffer.alloc(0);
    let headersDone = false;
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const sep = head.indexOf('\r\n\r\n');
      if (sep < 0) return;
      headersDone = true;
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, sep).toString('latin1').split('\r\n')) {
        const i = line.indexOf(':');
        const k = line.slice(0, i).trim();
        const v = line.slice(i + 1).trim();
        if (k.toLowerCase() === 'status') status = Number(v.split(' ')[0]);
        else headers[k] = v;
      }
      res.writeHead(status, headers);
      res.write(head.subarray(sep + 4));
    });
    cgi.on('close', () => {
      if (!headersDone) res.writeHead(500);
      res.end();
    });
    cgi.on('error', () => res.destroy());
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const gs: GitServer = {
    url: base,
    root,
    requests: 0,
    createRepo(name) {
      // HEAD names main, as GitHub and GitLab set it; isomorphic-git cannot fetch from a remote whose HEAD dangles.
      execFileSync('git', ['init', '-q', '--bare', '-b', 'main', path.join(root, `${name}.git`)]);
      const u = new URL(`${base}/${name}.git`);
      if (opts.auth) {
        u.username = opts.auth.user;
        u.password = opts.auth.password;
      }
      return u.toString();
    },
    down: () => void (isDown = true),
    up: () => void (isDown = false),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          rmSync(root, { recursive: true, force: true });
          resolve();
        });
        for (const s of sockets) s.destroy();
      }),
    [Symbol.asyncDispose]: () => gs.close(),
  };
  return gs;
}
