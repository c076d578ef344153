import { describe, it, expect } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { probeReady } from '../../../src/install/health.ts';
import { runCli } from '../../../src/cli/program.ts';
import type { CliContext } from '../../../src/cli/cli-context.ts';
import { REPO_ROOT } from '../../helpers/test-context.ts';
import { startTestHost } from '../../helpers/test-host.ts';

async function serve(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; server: Server; [Symbol.asyncDispose](): Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, server, [Symbol.asyncDispose]: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

async function cli(env: Record<string, string>, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  let set = 0;
  const ctx: CliContext = {
    version: 'test',
    env,
    paths: { runtimeDir: REPO_ROOT, payloadDir: path.join(REPO_ROOT, 'payload'), identityDir: path.join(REPO_ROOT, 'identity'), sqliteBinding: undefined, packed: false },
    stdout: (t) => (out += t),
    stderr: (t) => (err += t),
    setExitCode: (c) => (set = c),
    isTTY: false,
  };
  const code = await runCli(argv, ctx);
  return { code: code || set, out, err };
}

describe('probeReady', () => {
  it('is true only for a 200 from /readyz', async () => {
    const seen: string[] = [];
    let status = 200;
    await using s = await serve((req, res) => {
      seen.push(req.url ?? '');
      res.writeHead(status).end('{}');
    });
    expect((await probeReady(s.url, 2000)).ok).toBe(true);
    status = 503;
    expect(await probeReady(s.url + '/', 2000)).toEqual({ ok: false, detail: '/readyz answered 503' });
    expect(seen).toEqual(['/readyz', '/readyz']);
  });

  it('is false for a refused connection and for a host that never answers', async () => {
    const s = await serve(() => {});
    const url = s.url;
    await s[Symbol.asyncDispose]();
    expect((await probeReady(url, 2000)).detail).toMatch(/cannot reach/);
    await using hung = await serve(() => {});
    expect(await probeReady(hung.url, 100)).toEqual({ ok: false, detail: '/readyz did not answer within 100 ms' });
  });
});

describe('nxs health', () => {
  it('exits 0 for a ready host found through host.json, silently; 1 with no host', async () => {
    await using host = await startTestHost();
    const ok = await cli({ NXS_HOME: host.home }, 'health');
    expect(ok).toEqual({ code: 0, out: '', err: '' });
    const verbose = await cli({ NXS_HOME: host.home }, 'health', '--verbose');
    expect(verbose.out).toMatch(/^ready: \/readyz answered 200/);
    const empty = mkdtempSync(path.join(tmpdir(), 'nxs-health-'));
    try {
      // No host.json and nothing on the (unlikely) port: not ready, exit 1, no output.
      const none = await cli({ NXS_HOME: empty, NXS_PORT: '1' }, 'health');
      expect(none).toEqual({ code: 1, out: '', err: '' });
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
