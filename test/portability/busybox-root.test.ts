import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { copyFileSync, existsSync, mkdirSync, readlinkSync, rmSync } from 'node:fs';
import path from 'node:path';
import { interpreterOf } from '../../build/private-libs.ts';
import { CACHE, DIST, missing, record } from './helpers.ts';
import { ChrootBox } from './chroot.ts';

// (a) A root holding only a static busybox and the single file: no libc, no
// /etc/passwd, no /etc/hosts. dist/nxs must start through its private loader.
const BUSYBOX = '/bin/busybox';
const reason =
  missing({ root: true, tools: ['chroot', 'mount'], files: [BUSYBOX, path.join(DIST, 'nxs')] }) ??
  (interpreterOf(BUSYBOX) ? `${BUSYBOX} is dynamically linked (install busybox-static)` : undefined);

describe.skipIf(reason)(`busybox-only root${reason ? ` (skipped: ${reason})` : ''}`, () => {
  const root = path.join(CACHE, 'busybox-root');
  let box: ChrootBox;

  beforeAll(() => {
    rmSync(root, { recursive: true, force: true });
    mkdirSync(path.join(root, 'bin'), { recursive: true });
    copyFileSync(BUSYBOX, path.join(root, 'bin/busybox'));
    box = new ChrootBox(root).setup(path.join(DIST, 'nxs'));
    expect(box.exec(['/bin/busybox', '--install', '-s', '/bin']).code).toBe(0);
    // A fake nvidia-smi: nxs detect must be able to spawn it from the private-loader process.
    box.writeScript('bin/nvidia-smi', 'printf "NVIDIA A10, 23028, 22701, 535.104.05\\n"');
  });
  afterAll(() => box?.[Symbol.dispose]());

  it('has no libc, loader, passwd or hosts file', () => {
    for (const f of ['lib', 'lib64', 'usr/lib', 'etc/passwd', 'etc/hosts']) expect(existsSync(path.join(root, f)), f).toBe(false);
  });

  it('reaches ready on first run and warm, through the private loader, and answers /healthz inside and out', async () => {
    const first = await box.start();
    try {
      record('busybox-root', 'first-run exec-to-ready', first.readyMs);
      // The process is the private loader, not a system one (there is none).
      expect(readlinkSync(`/proc/${first.child.pid}/exe`)).toMatch(/\/root\/\.nxs\/runtime\/[0-9a-f]{64}\/lib\/ld-linux-x86-64\.so\.2$/);
      const res = await fetch(`${first.url}/healthz`);
      expect(res.status).toBe(200);
      // busybox wget from inside the root, by IP: no /etc/hosts to resolve localhost.
      const inside = box.exec(['/bin/wget', '-q', '-O', '-', `${first.url}/healthz`]);
      expect(inside.out).toContain('"status":"ok"');
      expect(box.exec(['/bin/sh', '/nxs', 'health']).code).toBe(0);
    } finally {
      expect(await first.stop()).toBe(0);
    }
    const warm = await box.start();
    try {
      record('busybox-root', 'warm exec-to-ready', warm.readyMs);
      expect((await fetch(`${warm.url}/readyz`)).status).toBe(200);
    } finally {
      expect(await warm.stop()).toBe(0);
    }
  });

  it('spawns child processes in private-loader mode (nxs detect runs nvidia-smi)', () => {
    const r = box.exec(['/bin/sh', '/nxs', 'detect', '--json', '--no-network']);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('NVIDIA A10');
  });
});
