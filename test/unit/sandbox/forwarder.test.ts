import { test, expect, describe } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { planForwarderLaunch, writeForwarder } from '../../../src/sandbox/forwarder-launch.ts';
import { FORWARDER_ROLE, FORWARDER_SOURCE } from '../../../src/sandbox/egress-forwarder.ts';
import { buildBwrapArgs } from '../../../src/sandbox/bwrap-args.ts';

describe('planForwarderLaunch: the three layouts nxs runs in', () => {
  const cases = [
    {
      name: 'source: node runs the written script',
      layout: { packed: false, execPath: '/opt/node24/bin/node', runtimeDir: '/repo', launcher: undefined, script: '/tmp/nxs-fwd-1/forwarder.cjs' },
      binds: [['/opt/node24/bin/node', '/run/nxs/node'], ['/tmp/nxs-fwd-1/forwarder.cjs', '/run/nxs/forwarder.js']],
      argv: ['/run/nxs/node', '/run/nxs/forwarder.js'],
    },
    {
      name: 'packed: the nxs executable itself, with the role marker',
      layout: { packed: true, execPath: '/var/lib/nxs/runtime/abc/bin/nxs', runtimeDir: '/var/lib/nxs/runtime/abc', launcher: undefined, script: null },
      binds: [['/var/lib/nxs/runtime/abc/bin/nxs', '/run/nxs/nxs']],
      argv: ['/run/nxs/nxs', FORWARDER_ROLE],
    },
    {
      name: 'packed, private loader: loader and libraries bound in, invoked as the header does',
      layout: { packed: true, execPath: '/var/lib/nxs/runtime/abc/lib/ld-linux-x86-64.so.2', runtimeDir: '/var/lib/nxs/runtime/abc', launcher: '/var/lib/nxs/runtime/abc/lib/ld-linux-x86-64.so.2', script: null },
      binds: [['/var/lib/nxs/runtime/abc/lib', '/run/nxs/lib'], ['/var/lib/nxs/runtime/abc/bin/nxs', '/run/nxs/nxs']],
      argv: ['/run/nxs/lib/ld-linux-x86-64.so.2', '--library-path', '/run/nxs/lib', '/run/nxs/nxs', FORWARDER_ROLE],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const plan = planForwarderLaunch(c.layout);
      expect(plan?.binds.map((b) => [b.source, b.target])).toEqual(c.binds);
      expect(plan?.argv).toEqual(c.argv);
    });
  }
  test('source without a script: no forwarder', () => {
    expect(planForwarderLaunch({ packed: false, execPath: '/n', runtimeDir: '/r', launcher: undefined, script: null })).toBeNull();
  });
  test('bwrap argv for the packed layout binds the binary and starts it with the marker, then the socket and port', () => {
    const plan = planForwarderLaunch({ packed: true, execPath: '/x/bin/nxs', runtimeDir: '/x', launcher: undefined, script: null })!;
    const table = { trust: 'main' as const, forbidden: [], mounts: [] };
    const limits = { cpuSeconds: 1, memoryMb: 64, wallSeconds: 5, maxProcesses: 8, outputBytes: 1024 };
    const a = buildBwrapArgs({ table, system: [], limits, command: 'true', egressSocket: '/tmp/s.sock', forwarder: plan, prlimit: null, disableUserns: false });
    expect(a.join(' ')).toContain('--ro-bind /x/bin/nxs /run/nxs/nxs');
    expect(a.slice(a.indexOf('--') + 1, a.indexOf('--') + 6)).toEqual(['/run/nxs/nxs', FORWARDER_ROLE, '/run/nxs/egress.sock', '3128', '--']);
  });
});

/** Runs a forwarder process on the host (no sandbox) and collects its exit code and output. */
function run(argv: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

describe('the forwarder itself (same function from the script and from src/main.ts)', () => {
  const main = path.resolve('src/main.ts');

  test('the script text is self-contained JavaScript (no reference to this module)', () => {
    expect(() => new Function('require', 'process', FORWARDER_SOURCE)).not.toThrow();
    expect(FORWARDER_SOURCE).not.toMatch(/import_|__require|egress_forwarder/);
  });

  for (const via of ['script', 'main.ts with the role marker'] as const) {
    test(`${via}: pipes a local port to the unix socket, runs the command, exits with its status`, async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'nxs-fwd-test-'));
      const sock = path.join(dir, 'up.sock');
      const upstream = http.createServer((req, res) => res.end(`via socket ${req.url}`));
      await new Promise<void>((r) => upstream.listen(sock, r));
      const probe = net.createServer();
      await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
      const port = (probe.address() as net.AddressInfo).port;
      await new Promise((r) => probe.close(r));
      const fwd = writeForwarder(dir);
      try {
        const client = `fetch('http://127.0.0.1:${port}/x').then(r=>r.text()).then(t=>{console.log(t);process.exit(3)})`;
        const head = via === 'script' ? [fwd.script] : [main, FORWARDER_ROLE];
        const r = await run([...head, sock, String(port), '--', process.execPath, '-e', client]);
        expect(r.err).toBe('');
        expect(r.out.trim()).toBe('via socket /x');
        expect(r.code).toBe(3);
        const bad = await run([...head, sock, String(port), 'no-separator']);
        expect(bad.code).toBe(2);
        expect(bad.err).toContain('usage: SOCKET PORT -- COMMAND');
      } finally {
        fwd.dispose();
        await new Promise((r) => upstream.close(r));
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
