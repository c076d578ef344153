import { describe, it, expect } from 'vitest';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import { CACHE, DIST, missing, record, run, startUntilReady } from './helpers.ts';

// (c) dist/nxs-arm64 under qemu-aarch64-static. Without binfmt_misc (a container
// cannot register it) the header's final exec of an arm64 ELF fails, so the test
// runs the header on this machine's sh to verify and unpack, then starts the
// runtime exactly as the header's launch() would, with qemu in front.
const FILE = path.join(DIST, 'nxs-arm64');
const reason = missing({ tools: ['qemu-aarch64-static'], files: [FILE] });

describe.skipIf(reason)(`arm64 under qemu-aarch64-static${reason ? ` (skipped: ${reason})` : ''}`, () => {
  it('unpacks, then reaches ready through the private loader and answers /healthz; warm start too', async () => {
    const dir = path.join(CACHE, 'arm64');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(path.join(dir, 'home'), { recursive: true });
    const rt = path.join(dir, 'runtime');
    const t0 = performance.now();
    const x = run('sh', [FILE, '--nxs-extract', rt, '--nxs-quiet']);
    expect(x.code, x.out).toBe(0);
    const unpackMs = performance.now() - t0;
    expect(run('sh', [FILE, '--nxs-info']).out).toMatch(/arch\s+arm64/);
    expect(existsSync(path.join(rt, 'lib/ld-linux-aarch64.so.1'))).toBe(true);

    const env = { HOME: path.join(dir, 'home'), PATH: '/usr/bin:/bin', NXS_RUNTIME_DIR: rt, NXS_LAUNCHER: path.join(rt, 'lib/ld-linux-aarch64.so.1') };
    const argv = [path.join(rt, 'lib/ld-linux-aarch64.so.1'), '--library-path', path.join(rt, 'lib'), path.join(rt, 'bin/nxs'), 'start', '--port', '0'];
    const first = await startUntilReady('qemu-aarch64-static', argv, env);
    try {
      record('qemu-aarch64', 'first-run exec-to-ready', unpackMs + first.readyMs, { unpackMs: Math.round(unpackMs) });
      expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${first.url}/readyz`)).status).toBe(200);
    } finally {
      expect(await first.stop()).toBe(0);
    }
    const warm = await startUntilReady('qemu-aarch64-static', argv, env);
    try {
      record('qemu-aarch64', 'warm exec-to-ready', warm.readyMs);
      expect((await fetch(`${warm.url}/healthz`)).status).toBe(200);
    } finally {
      expect(await warm.stop()).toBe(0);
    }
    // The build trained the arm64 core's code cache under qemu too, and V8 took it.
    const db = new Database(path.join(dir, 'home/.nxs/data/nxs.db'), { readonly: true });
    try {
      const last = db.prepare(`SELECT entry FROM boot_log WHERE entry LIKE 'process:%' ORDER BY ts DESC LIMIT 1`).get() as { entry: string } | undefined;
      expect(last?.entry).toMatch(/code cache accepted/);
    } finally {
      db.close();
    }
  });

  it("the file's own arm64 unzstd (checked against its sha256) decodes its payload under qemu", () => {
    // The header cannot run it here (no binfmt_misc), so the test cuts it out as the header does.
    const file = readFileSync(FILE);
    const head = file.subarray(0, 20000).toString('latin1');
    const num = (k: string): number => Number(new RegExp(`^${k}=(\\d+)`, 'm').exec(head)![1]);
    const [hb, nb] = [num('NXS_HEADER_BYTES'), num('NXS_HELPER_BYTES')];
    const helper = file.subarray(hb, hb + nb);
    expect(createHash('sha256').update(helper).digest('hex')).toBe(/^NXS_HELPER_SHA256='([0-9a-f]{64})'/m.exec(head)![1]);
    const dir = path.join(CACHE, 'arm64');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'unzstd'), helper, { mode: 0o755 });
    const r = spawnSync('qemu-aarch64-static', [path.join(dir, 'unzstd')], { input: file.subarray(hb + nb), maxBuffer: 1 << 28 });
    expect(r.status, r.stderr.toString()).toBe(0);
    const listed = spawnSync('tar', ['-tf', '-'], { input: r.stdout, maxBuffer: 1 << 26 }).stdout.toString();
    expect(listed).toContain('./bin/nxs');
    expect(listed).toContain('./lib/ld-linux-aarch64.so.1');
  });

  it.skipIf(!existsSync('/usr/aarch64-linux-gnu/lib/libc.so.6'))('also runs on a system glibc (the cross libc6 as the arm64 system)', () => {
    const rt = path.join(CACHE, 'arm64/runtime');
    const r = run('qemu-aarch64-static', ['-L', '/usr/aarch64-linux-gnu', path.join(rt, 'bin/nxs'), '--version'], { PATH: '/usr/bin:/bin', NXS_RUNTIME_DIR: rt });
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/^\d+\.\d+\.\d+/);
  });
});
