import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CACHE, DIST, missing, record, run } from './helpers.ts';

// (d) An initramfs of static busybox + dist/nxs booted under qemu-system-x86_64
// with software emulation and no network device: the host must start offline,
// reach ready and answer /healthz inside the VM. /init reports on the serial
// console; the test reads the markers as they come (no polling).
const DEB_CACHE = process.env.NXS_KERNEL_DEB_DIR ?? '/var/cache/nxs-portability';
const MEMORY_MB = Number(process.env.NXS_VM_MEMORY_MB ?? 512);
const kernelDeb = existsSync(DEB_CACHE) ? readdirSync(DEB_CACHE).find((f) => /^linux-image-.*-amd64_.*\.deb$/.test(f)) : undefined;
const reason =
  missing({ tools: ['qemu-system-x86_64', 'cpio', 'dpkg-deb', 'gzip'], files: ['/bin/busybox', path.join(DIST, 'nxs')] }) ??
  (kernelDeb ? undefined : `no linux-image-*-amd64 .deb in ${DEB_CACHE} (run test/portability/install-tools.sh)`);

const INIT = `#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev; mount -t tmpfs -o mode=1777 tmp /tmp
ifconfig lo 127.0.0.1 up
export HOME=/root PATH=/bin
# No glibc here, so nxs runs as the private loader: that is its process name.
stop_nxs() { kill $(pidof ld-linux-x86-64.so.2 nxs) 2>/dev/null; }
echo "NXS-INIT uptime=$(cut -d' ' -f1 /proc/uptime)"
# nxs prints its ready banner on stdout; react to that line, then ask it from inside.
/nxs start --port 8080 2>/tmp/nxs.err | while read -r line; do
  case "$line" in
    *"ready at "*)
      echo "NXS-READY uptime=$(cut -d' ' -f1 /proc/uptime)"
      echo "NXS-HEALTHZ $(wget -q -O - http://127.0.0.1:8080/healthz)"
      echo "NXS-HEALTH-CMD $(/nxs health; echo $?)"
      stop_nxs
      break ;;
  esac
done
w0=$(cut -d' ' -f1 /proc/uptime)
/nxs start --port 8081 2>>/tmp/nxs.err | while read -r line; do
  case "$line" in *"ready at "*) echo "NXS-WARM from=$w0 uptime=$(cut -d' ' -f1 /proc/uptime)"; stop_nxs; break ;; esac
done
echo "NXS-ERR $(tail -n 3 /tmp/nxs.err | tr '\\n' ' ')"
echo NXS-DONE
poweroff -f
`;

function kernel(): string {
  const dir = path.join(CACHE, 'kernel');
  const found = existsSync(path.join(dir, 'boot')) ? readdirSync(path.join(dir, 'boot')).find((f) => f.startsWith('vmlinuz-')) : undefined;
  if (found) return path.join(dir, 'boot', found);
  rmSync(dir, { recursive: true, force: true });
  // A fresh clone has no .build/portability yet; dpkg-deb -x creates only the last folder.
  mkdirSync(dir, { recursive: true });
  const r = run('dpkg-deb', ['-x', path.join(DEB_CACHE, kernelDeb!), dir]);
  if (r.code !== 0) throw new Error(`dpkg-deb -x ${kernelDeb} failed: ${r.out}`);
  return path.join(dir, 'boot', readdirSync(path.join(dir, 'boot')).find((f) => f.startsWith('vmlinuz-'))!);
}

function initramfs(): string {
  const dir = path.join(CACHE, 'initramfs');
  rmSync(dir, { recursive: true, force: true });
  for (const d of ['bin', 'proc', 'sys', 'dev', 'tmp', 'root']) mkdirSync(path.join(dir, d), { recursive: true });
  copyFileSync('/bin/busybox', path.join(dir, 'bin/busybox'));
  copyFileSync(path.join(DIST, 'nxs'), path.join(dir, 'nxs'));
  chmodSync(path.join(dir, 'nxs'), 0o755);
  writeFileSync(path.join(dir, 'init'), INIT, { mode: 0o755 });
  const out = path.join(CACHE, 'initramfs.cpio.gz');
  // The payload is zstd already; gzip -1 only wraps it the way the kernel expects.
  const r = run('sh', ['-c', 'cd "$1" && find . | cpio -o -H newc --quiet | gzip -1 > "$2"', 'sh', dir, out]);
  if (r.code !== 0) throw new Error(`cpio failed: ${r.out}`);
  return out;
}

describe.skipIf(reason)(`initramfs VM (qemu-system-x86_64 -accel tcg)${reason ? ` (skipped: ${reason})` : ''}`, () => {
  it('boots offline, reaches ready and answers /healthz inside the VM', async () => {
    const vmlinuz = kernel();
    const initrd = initramfs();
    const t0 = performance.now();
    const qemu = spawn('qemu-system-x86_64', ['-accel', 'tcg', '-m', String(MEMORY_MB), '-smp', '1', '-nographic', '-no-reboot', '-nic', 'none',
      '-kernel', vmlinuz, '-initrd', initrd, '-append', 'console=ttyS0 panic=-1 quiet loglevel=3'],
      // A VM that never powers off is killed before the test's own timeout, so its output is reported.
      { stdio: ['ignore', 'pipe', 'pipe'], timeout: 270_000, killSignal: 'SIGKILL' });
    let out = '';
    const marks = new Map<string, number>();
    qemu.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      for (const m of ['NXS-INIT', 'NXS-READY', 'NXS-HEALTHZ', 'NXS-WARM', 'NXS-DONE']) if (!marks.has(m) && out.includes(m)) marks.set(m, performance.now() - t0);
    });
    qemu.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const code = await new Promise<number | null>((r) => qemu.on('close', r));
    expect(out, out.slice(-3000)).toContain('NXS-DONE');
    expect(code).toBe(0);
    expect(out).toMatch(/NXS-HEALTHZ \{"status":"ok"\}/);
    expect(out).toMatch(/NXS-HEALTH-CMD 0/);
    const ready = /NXS-READY uptime=([\d.]+)/.exec(out);
    const init = /NXS-INIT uptime=([\d.]+)/.exec(out);
    const warm = /NXS-WARM from=([\d.]+) uptime=([\d.]+)/.exec(out);
    expect(ready && init && warm, out.slice(-3000)).toBeTruthy();
    record('vm-initramfs', 'power-on to ready (host clock)', marks.get('NXS-READY')!, { memoryMb: MEMORY_MB });
    record('vm-initramfs', 'first-run exec-to-ready (guest clock)', (Number(ready![1]) - Number(init![1])) * 1000, { bootToInitMs: Math.round(Number(init![1]) * 1000) });
    record('vm-initramfs', 'warm exec-to-ready (guest clock)', (Number(warm![2]) - Number(warm![1])) * 1000);
  });
});
