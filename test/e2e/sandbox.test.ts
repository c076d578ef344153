import { describe, it, expect } from 'vitest';
import { chmodSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { startNxs, tempDir } from './run-nxs.ts';
import { buildBwrapArgs } from '../../src/sandbox/bwrap-args.ts';
import { planForwarderLaunch } from '../../src/sandbox/forwarder-launch.ts';
import { describeSystemPaths } from '../../src/sandbox/bwrap-backend.ts';
import { BWRAP_OK, BWRAP_SKIP_REASON } from '../unit/sandbox/bwrap-support.ts';

// No API runs a shell tool call yet (the assistant does not offer tools), so
// this drives the shipped executable the way the bwrap backend does: the
// unpacked runtime's bin/nxs, started inside the sandbox as the egress
// forwarder, plainly and under the private loader as the header's `launch` would.
const runAs = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : null;
const SYSTEM = ['/usr', '/bin', '/sbin', '/lib', '/lib64', '/etc/alternatives', '/etc/ld.so.cache'];

function runIn(argv: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { env: { PATH: '/usr/bin:/bin' }, stdio: ['ignore', 'pipe', 'pipe'], ...(runAs ?? {}) });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('close', (code) => resolve({ code, out }));
  });
}

describe.skipIf(!BWRAP_OK)(`the egress forwarder from dist/nxs${BWRAP_OK ? '' : ` (skipped: ${BWRAP_SKIP_REASON})`}`, () => {
  it('the host picks the nxs executable as forwarder, and it carries a request out of the sandbox, plain and under the private loader', async () => {
    const home = tempDir();
    chmodSync(home, 0o755); // the sandbox user must reach the runtime under it
    const nxs = await startNxs([], { home });
    try {
      const token = readFileSync(path.join(home, '.nxs/data/api-token'), 'utf8').trim();
      const status = (await (await fetch(`${nxs.url}/api/sandbox`, { headers: { authorization: `Bearer ${token}` } })).json()) as { backend: string; detail: string };
      expect(status.backend).toBe('bwrap');
      expect(status.detail).toContain('egress forwarder: the nxs executable');
    } finally {
      await nxs.stop();
    }

    const runtimes = path.join(home, '.nxs/runtime');
    const runtimeDir = path.join(runtimes, readdirSync(runtimes).find((e) => /^[0-9a-f]{64}$/.test(e))!);
    const sockDir = tempDir('nxs-e2e-egress-');
    chmodSync(sockDir, 0o755);
    const sock = path.join(sockDir, 'egress.sock');
    // Stands in for nxs's egress proxy: answers a proxied request over the unix socket.
    const proxy = http.createServer((req, res) => res.end(`proxied ${req.method} ${req.url}\n`));
    await new Promise<void>((r) => proxy.listen(sock, r));
    chmodSync(sock, 0o666);
    try {
      const loader = readdirSync(path.join(runtimeDir, 'lib'), { withFileTypes: true }).find((e) => e.name.startsWith('ld-linux'));
      const layouts = [{ launcher: undefined }, ...(loader ? [{ launcher: path.join(runtimeDir, 'lib', loader.name) }] : [])];
      for (const { launcher } of layouts) {
        const plan = planForwarderLaunch({ packed: true, execPath: launcher ?? path.join(runtimeDir, 'bin/nxs'), runtimeDir, launcher, script: null });
        const argv = buildBwrapArgs({
          table: { trust: 'main', forbidden: [], mounts: [{ source: sockDir, target: '/workspace', writable: false, kind: 'workspace' }] },
          system: describeSystemPaths(SYSTEM.filter((p) => existsSync(p)), [], { warn() {} } as never),
          limits: { cpuSeconds: 10, memoryMb: 256, wallSeconds: 30, maxProcesses: 16, outputBytes: 65536 },
          command: 'curl -sS http://example.invalid/through-the-forwarder; echo curl=$?',
          egressSocket: sock,
          forwarder: plan ?? undefined,
          prlimit: null,
          disableUserns: false,
        });
        argv.splice(argv.indexOf('--info-fd'), 2);
        argv[0] = '/usr/bin/bwrap';
        const r = await runIn(argv);
        expect(r.out, `layout ${launcher ? 'private loader' : 'plain'}`).toContain('proxied GET http://example.invalid/through-the-forwarder');
        expect(r.out).toContain('curl=0');
        expect(r.code).toBe(0);
      }
    } finally {
      await new Promise((r) => proxy.close(r));
    }
  }, 120_000);
});
