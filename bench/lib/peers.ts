// The gateways bench:gateway puts beside nxs, each a real server in its own process on 127.0.0.1.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

export interface Peer {
  url: string;
  pid: number;
  kill(): void;
}

/**
 * Runs `script ...args` under this Node (with `nodeArgs` such as --cpu-prof or --trace-gc before
 * the script); the child prints `{"url": ...}` on a line of its own when it listens.
 */
export async function startNodeChild(script: string, args: string[], nodeArgs: string[] = []): Promise<Peer> {
  const child = spawn(process.execPath, [...nodeArgs, script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await firstLine(child, (line) => (JSON.parse(line) as { url: string }).url);
  // Whatever else the child prints (--trace-gc lines) goes to stderr: stdout ends with the JSON line.
  child.stdout!.pipe(process.stderr);
  return { url, pid: child.pid!, kill: () => child.kill('SIGTERM') };
}

/** @portkey-ai/gateway's own Node server (`build/start-server.js --headless`), as its README runs it. */
export async function startPortkey(): Promise<Peer> {
  const script = path.join(path.dirname(createRequire(import.meta.url).resolve('@portkey-ai/gateway/package.json')), 'build/start-server.js');
  const port = await freePort();
  const child = spawn(process.execPath, [script, `--port=${port}`, '--headless'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_ENV: 'production' } });
  await firstLine(child, (line) => (line.includes('Ready for connections') ? true : undefined));
  return { url: `http://127.0.0.1:${port}`, pid: child.pid!, kill: () => child.kill('SIGTERM') };
}

/** Where nginx is, or null: it is optional (Debian: `apt-get install nginx-light`). */
export function findNginx(): string | null {
  for (const p of [process.env.BENCH_NGINX, 'nginx', '/usr/sbin/nginx']) {
    if (p && spawnSync(p, ['-v'], { stdio: 'ignore' }).status === 0) return p;
  }
  return null;
}

/**
 * nginx as a keep-alive reverse proxy to `upstream` (an origin): one worker, no master (so the
 * process we measure is the one serving), no access log, a keep-alive upstream pool like the
 * Node proxies' undici Pool, the provider key set on the way out like nxs does, and no end to a
 * client's keep-alive connection after 1000 requests (nginx's default; the Node servers have none). Not Node and
 * event-driven C: the least any proxy process in the path costs on this machine.
 */
export async function startNginx(bin: string, upstream: string): Promise<Peer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'nxs-bench-nginx-'));
  for (const d of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(path.join(dir, d));
  const port = await freePort();
  const up = new URL(upstream);
  const conf = `worker_processes 1;
master_process off;
daemon off;
pid ${dir}/nginx.pid;
error_log stderr warn;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  upstream up { server ${up.host}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://up;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Authorization "Bearer sk-up";
    }
  }
}
`;
  writeFileSync(path.join(dir, 'nginx.conf'), conf);
  const child = spawn(bin, ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', 'stderr'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const exited = new Promise<never>((_, reject) => child.on('exit', (code) => reject(new Error(`nginx exited with ${code}: ${err.trim()}`))));
  // nginx prints nothing when it listens: wait until a connection is accepted.
  await Promise.race([untilListening(port), exited]);
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    kill: () => {
      child.kill('SIGTERM');
      child.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    },
  };
}

async function untilListening(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`nginx did not listen on ${port}`);
}

/** A port nothing listens on right now (bound to 0, then released). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function firstLine<T>(child: ChildProcess, pick: (line: string) => T | undefined): Promise<T> {
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (c: Buffer) => {
      buf += c.toString('utf8');
      for (const line of buf.split('\n')) {
        try {
          const v = pick(line);
          if (v !== undefined) return resolve(v);
        } catch {
          // not the line we wait for
        }
      }
    });
    child.on('exit', (code) => reject(new Error(`child exited with ${code} before it was ready`)));
  });
}
