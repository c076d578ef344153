import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it, expect } from 'vitest';
import { stringify } from 'yaml';
import { spawnCli } from '../helpers/cli-session.ts';
import { startTestHost } from '../helpers/test-host.ts';

// Issue 14, item 8: `requestTimeout: 0` also turned off the headers timeout, and nothing bounded
// connections: 300 idle or header-dribbling sockets under a 256-file limit ran the host out of file
// descriptors, and /healthz failed for as long as they stayed.

interface Held {
  socket: Socket;
  /** Everything the server sent on it. */
  received(): string;
  closed: Promise<void>;
}

/** A raw connection that sends `first` (nothing, or half a request) and then stalls. */
function hold(port: number, first: string): Promise<Held> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
    // The server may cut it at any point; that is the point.
    socket.on('error', () => {});
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.once('connect', () => {
      if (first) socket.write(first);
      resolve({ socket, received: () => text, closed });
    });
    socket.once('error', reject);
  });
}

/** One request on its own connection (no pooling: which connection carries it is the point). */
async function request(port: number, method: string, pathname: string, opts: { token?: string; body?: string } = {}): Promise<{ status: number; code: string | undefined; body: string }> {
  const h = await hold(port, '');
  const body = opts.body ?? '';
  h.socket.write(`${method} ${pathname} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${opts.token ? `Authorization: Bearer ${opts.token}\r\n` : ''}Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  await h.closed;
  const text = h.received();
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
  const code = /^x-nxs-error-code: (\S+)/im.exec(text)?.[1];
  return { status, code, body: text.slice(text.indexOf('\r\n\r\n') + 4) };
}

describe('slow and idle connections (issue 14, item 8)', () => {
  it('300 idle and header-dribbling sockets under a 256-file limit: /healthz and the operator still get through, stalled sockets are cut', async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'nxs-slow-'));
    // Short timeouts so the cut comes within a second; the idle timeout stays long so the
    // headers timeout is what cuts the survivors (Node answers it with 408).
    writeFileSync(path.join(home, 'nxs.yaml'), stringify({ server: { headers_timeout_ms: 500, request_timeout_ms: 1000, idle_timeout_ms: 60_000 }, log: { level: 'warn' } }));
    await using nxs = spawnCli(['start'], { env: { NXS_HOME: home, HOME: home, NXS_PORT: '0' }, wrapper: ['prlimit', '--nofile=256', '--'] });
    try {
      const banner = await nxs.waitFor('stdout', /ready at http:\/\/127\.0\.0\.1:(\d+)/, 30_000);
      const port = Number(/ready at http:\/\/127\.0\.0\.1:(\d+)/.exec(banner)![1]);

      // Half send nothing; half send a request line and half a header, then stall.
      const held: Held[] = [];
      for (let i = 0; i < 300; i++) held.push(await hold(port, i % 2 ? 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ' : ''));

      // Queued behind all 300 in the listen backlog: answered only if the host did not run out of descriptors.
      const health = await request(port, 'GET', '/healthz');
      expect(health.status).toBe(200);
      const operatorToken = readFileSync(path.join(home, 'data', 'api-token'), 'utf8').trim();
      const status = await request(port, 'GET', '/api/status', { token: operatorToken });
      expect(status.status).toBe(200);

      // Every stalled socket is closed by the host: the oldest evicted to make room (closed
      // without a word), the rest by the headers timeout (408). None is left open.
      await Promise.all(held.map((h) => h.closed));
      const answers = held.map((h) => h.received());
      expect(answers.every((a) => a === '' || a.startsWith('HTTP/1.1 408 '))).toBe(true);
      const timedOut = answers.filter((a) => a.startsWith('HTTP/1.1 408 ')).length;
      // The bound under 256 files is 168 normal connections: at least that many were held until the timeout.
      expect(timedOut).toBeGreaterThanOrEqual(100);
      expect(nxs.proc.exitCode).toBe(null);
    } finally {
      nxs.proc.kill('SIGTERM');
      await nxs.exited;
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('when every normal slot is busy answering, the reserve serves /healthz and the operator, and refuses other tokens with 503', async () => {
    // 8 connections: 4 normal, 4 reserve.
    await using host = await startTestHost({ config: { server: { max_connections: 8, request_timeout_ms: 60_000 } } });
    const created = (await (await host.api('/api/tokens', { method: 'POST', json: { capabilities: ['ALLOC_MEMORY'] } })).json()) as { token: string };
    const port = host.port;

    // Four requests whose bodies never finish arriving: each holds a slot with an answer under way.
    // `Expect: 100-continue` makes the server say when it has taken the request (Node writes the 100
    // just before it hands the request on), so the test knows each slot is busy without waiting.
    const busy: Held[] = [];
    for (let i = 0; i < 4; i++) {
      const b = await hold(port, `POST /api/messages HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${host.token}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\nExpect: 100-continue\r\n\r\n`);
      await new Promise<void>((resolve) => {
        const check = (): void => {
          if (!b.received().startsWith('HTTP/1.1 100 ')) return;
          b.socket.off('data', check);
          resolve();
        };
        b.socket.on('data', check);
      });
      b.socket.write('{"text":');
      busy.push(b);
    }
    expect((await request(port, 'GET', '/healthz')).status).toBe(200);

    const other = await request(port, 'GET', '/api/status', { token: created.token });
    expect(other.status).toBe(503);
    expect(other.code).toBe('NXS_ERR_TOO_MANY_CONNECTIONS');
    expect(other.body).not.toContain(created.token);
    expect((await request(port, 'GET', '/api/status', { token: host.token })).status).toBe(200);
    expect((await request(port, 'GET', '/healthz')).status).toBe(200);

    // The busy ones were never cut for being slow to answer: they are still open.
    expect(busy.every((b) => !b.socket.destroyed)).toBe(true);
    for (const b of busy) b.socket.destroy();
    await Promise.all(busy.map((b) => b.closed));
    // Slots free again: the low-privilege token is served normally.
    expect((await request(port, 'GET', '/api/status', { token: created.token })).status).not.toBe(503);
  });
});
