import { describe, it, expect, afterAll } from 'vitest';
import { existsSync, mkdirSync, readlinkSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { CACHE, DIST, missing, record, run } from './helpers.ts';
import { ChrootBox } from './chroot.ts';

// (b) Minimal Debian roots made with debootstrap, cached under .build/portability/roots.
// bookworm (glibc 2.36) runs on the system libraries; bullseye (glibc 2.31, below
// the 2.34 floor of better-sqlite3's addon) must switch to the private loader.
// Neither has zstd, so unpacking goes through the static unzstd shipped in the file.
const MIRROR = process.env.NXS_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';
const SUITES = [
  { suite: 'bookworm', glibc: '2.36', private: false },
  { suite: 'bullseye', glibc: '2.31', private: true },
] as const;
const reason = missing({ root: true, tools: ['debootstrap', 'chroot', 'mount'], files: [path.join(DIST, 'nxs')] });

/** The cached root, made once through a temp folder and a rename (a failed run leaves no half root). */
function debianRoot(suite: string): { root?: string; why?: string } {
  const root = path.join(CACHE, 'roots', suite);
  if (existsSync(path.join(root, 'etc/debian_version'))) return { root };
  const tmp = path.join(CACHE, 'roots', `.tmp-${suite}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(path.dirname(tmp), { recursive: true });
  const r = run('debootstrap', ['--variant=minbase', suite, tmp, MIRROR]);
  if (r.code !== 0) return { why: `debootstrap ${suite} from ${MIRROR} failed: ${r.out.split('\n').filter(Boolean).slice(-2).join(' / ')}` };
  renameSync(tmp, root);
  return { root };
}

describe.skipIf(reason)(`debootstrap minbase roots${reason ? ` (skipped: ${reason})` : ''}`, () => {
  const boxes: ChrootBox[] = [];
  afterAll(() => boxes.forEach((b) => b[Symbol.dispose]()));

  it.for(SUITES)('$suite (glibc $glibc) reaches ready, first run and warm', async ({ suite, glibc, private: priv }, ctx) => {
    const { root, why } = debianRoot(suite);
    if (!root) return ctx.skip(why);
    const box = new ChrootBox(root).setup(path.join(DIST, 'nxs'));
    boxes.push(box);
    const ld = box.exec(['/bin/sh', '-c', 'ldd --version | head -n1']).out;
    expect(ld).toContain(glibc);
    // minbase has no zstd: the header must use the static unzstd it ships.
    expect(box.exec(['/bin/sh', '-c', 'command -v zstd']).code).not.toBe(0);
    const first = await box.start();
    try {
      record(`debootstrap-${suite}`, 'first-run exec-to-ready', first.readyMs, { glibc });
      const exe = readlinkSync(`/proc/${first.child.pid}/exe`);
      expect(exe).toMatch(priv ? /\/lib\/ld-linux-x86-64\.so\.2$/ : /\/bin\/nxs$/);
      expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
      expect(box.exec(['/bin/sh', '/nxs', 'health']).code).toBe(0);
    } finally {
      expect(await first.stop()).toBe(0);
    }
    const warm = await box.start();
    try {
      record(`debootstrap-${suite}`, 'warm exec-to-ready', warm.readyMs, { glibc });
      expect((await fetch(`${warm.url}/readyz`)).status).toBe(200);
    } finally {
      expect(await warm.stop()).toBe(0);
    }
  });
});
