import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { probeOs, parseOsRelease } from '../../../src/detect/probes/os.ts';
import { probeCpu, countCpuList } from '../../../src/detect/probes/cpu.ts';
import { probeMemory } from '../../../src/detect/probes/memory.ts';
import { probeContainer } from '../../../src/detect/probes/container.ts';
import { probeDisk, parseMountinfo, findMount } from '../../../src/detect/probes/disk.ts';
import { detectLocal } from '../../../src/detect/detect.ts';
import { isSystemPath } from '../../../src/detect/probe.ts';
import { isProbeError, type ProbeEnv } from '../../../src/detect/facts.ts';
import { FakeRoot, GiB, cgroupV2Box, cpuinfo, meminfo } from './fake-root.ts';

const pe = (root: FakeRoot, env: Record<string, string> = {}): ProbeEnv => ({ root: root.dir, env, dataDir: mkdtempSync(path.join(tmpdir(), 'nxs-data-')) });

describe('os probe', () => {
  it('reads distro and kernel from a Debian tree, glibc from libc.so.6', async () => {
    using root = new FakeRoot()
      .write('/etc/os-release', 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n')
      .write('/proc/sys/kernel/osrelease', '6.1.0-18-amd64\n')
      .write('/lib/x86_64-linux-gnu/libc.so.6', '')
      .write('/lib64/libc.so.6', '');
    const os = await probeOs(pe(root));
    expect(os.distro).toEqual({ id: 'debian', name: 'Debian GNU/Linux', version: '12', prettyName: 'Debian GNU/Linux 12 (bookworm)' });
    expect(os.kernel).toBe('6.1.0-18-amd64');
    expect(os.libc.family).toBe('glibc');
  });

  it('sees musl on Alpine from its loader, and reads os-release from /usr/lib when /etc has none', async () => {
    using root = new FakeRoot().write('/usr/lib/os-release', "NAME='Alpine Linux'\nID=alpine\nVERSION_ID=3.19.1\n").write('/lib/ld-musl-x86_64.so.1', '');
    const os = await probeOs(pe(root));
    expect(os.distro?.id).toBe('alpine');
    expect(os.distro?.prettyName).toBe('Alpine Linux');
    expect(os.libc).toEqual({ family: 'musl', version: null });
  });

  it('answers with nulls, not a crash, when /etc and /proc are empty', async () => {
    using root = new FakeRoot();
    const os = await probeOs(pe(root));
    expect(os).toMatchObject({ distro: null, kernel: null, libc: { family: 'unknown' } });
  });

  it('takes the real glibc version from process.report for the real root, but not under the shipped loader', async () => {
    const os = await probeOs({ root: '/', env: {}, dataDir: tmpdir(), glibcVersionRuntime: () => '2.99' });
    if (os.libc.family !== 'musl') expect(os.libc).toEqual({ family: 'glibc', version: '2.99' });
    const shipped = await probeOs({ root: '/', env: { NXS_LAUNCHER: '/x/lib/ld-linux-x86-64.so.2' }, dataDir: tmpdir(), glibcVersionRuntime: () => '2.99' });
    if (shipped.libc.family !== 'musl') expect(shipped.libc).toEqual({ family: 'glibc', version: null });
  });

  it('calls a Debian box that also has musl installed glibc', async () => {
    using root = new FakeRoot().write('/lib/x86_64-linux-gnu/libc.so.6', '').write('/lib/ld-musl-x86_64.so.1', '');
    expect((await probeOs(pe(root))).libc).toEqual({ family: 'glibc', version: null });
  });

  it('parses quoting and escapes of os-release', () => {
    expect(parseOsRelease('ID="ubuntu"\nNAME="Ubuntu"\nPRETTY_NAME="Ubuntu \\"Noble\\" 24.04"\n# comment\n')?.prettyName).toBe('Ubuntu "Noble" 24.04');
  });
});

describe('cpu probe', () => {
  it('counts cores and applies a cgroup v2 quota', async () => {
    using root = cgroupV2Box(new FakeRoot(), { cores: 8, memGiB: 16, cpuMax: '150000 100000' });
    const cpu = await probeCpu(pe(root));
    expect(cpu).toMatchObject({ logicalCores: 8, cgroupQuotaCores: 1.5, cgroupVersion: 2, effectiveCores: 1.5, model: 'Fake CPU @ 2.0GHz' });
  });

  it('treats "max" as no quota (v2)', async () => {
    using root = cgroupV2Box(new FakeRoot(), { cores: 4, memGiB: 8, cpuMax: 'max 100000' });
    expect(await probeCpu(pe(root))).toMatchObject({ cgroupQuotaCores: null, effectiveCores: 4 });
  });

  it('reads a cgroup v1 quota under the listed group, nested limits taking the smallest', async () => {
    using root = new FakeRoot()
      .write('/proc/cpuinfo', cpuinfo(16))
      .write('/proc/self/cgroup', '12:memory:/docker/abc\n4:cpu,cpuacct:/docker/abc\n0::/\n')
      .write('/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us', '-1\n')
      .write('/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us', '100000\n')
      .write('/sys/fs/cgroup/cpu,cpuacct/docker/cpu.cfs_quota_us', '400000\n')
      .write('/sys/fs/cgroup/cpu,cpuacct/docker/cpu.cfs_period_us', '100000\n')
      .write('/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_quota_us', '200000\n')
      .write('/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_period_us', '100000\n');
    expect(await probeCpu(pe(root))).toMatchObject({ logicalCores: 16, cgroupQuotaCores: 2, cgroupVersion: 1, effectiveCores: 2 });
  });

  it('falls back to /sys/devices/system/cpu/online without cpuinfo, and fails clearly with neither', async () => {
    using root = new FakeRoot().write('/sys/devices/system/cpu/online', '0-3,6\n');
    expect(await probeCpu(pe(root))).toMatchObject({ logicalCores: 5, model: null });
    using empty = new FakeRoot();
    await expect(probeCpu(pe(empty))).rejects.toThrow(/neither \/proc\/cpuinfo nor/);
    expect(countCpuList('0')).toBe(1);
  });
});

describe('memory probe', () => {
  it('lowers RAM to the cgroup v2 limit inside a container', async () => {
    using root = cgroupV2Box(new FakeRoot(), { cores: 4, memGiB: 64, availGiB: 60, memMax: String(2 * GiB), memCurrent: 0.5 * GiB });
    const m = await probeMemory(pe(root));
    expect(m.totalBytes).toBe(64 * GiB);
    expect(m).toMatchObject({ cgroupLimitBytes: 2 * GiB, cgroupVersion: 2, effectiveTotalBytes: 2 * GiB, effectiveAvailableBytes: 1.5 * GiB });
  });

  it('ignores v1 "unlimited" (2^63 rounded to a page) and a limit above the host RAM', async () => {
    using root = new FakeRoot()
      .write('/proc/meminfo', meminfo(4 * 1024 * 1024, 3 * 1024 * 1024, 1024 * 1024))
      .write('/proc/self/cgroup', '4:memory:/\n')
      .write('/sys/fs/cgroup/memory/memory.limit_in_bytes', '9223372036854771712\n');
    const m = await probeMemory(pe(root));
    expect(m).toMatchObject({ cgroupLimitBytes: null, cgroupVersion: 1, effectiveTotalBytes: 4 * GiB, swapTotalBytes: GiB });
    root.write('/sys/fs/cgroup/memory/memory.limit_in_bytes', `${8 * GiB}\n`);
    expect((await probeMemory(pe(root))).cgroupLimitBytes).toBeNull();
  });

  it('reads a v1 limit under the listed group', async () => {
    using root = new FakeRoot()
      .write('/proc/meminfo', meminfo(32 * 1024 * 1024, 30 * 1024 * 1024))
      .write('/proc/self/cgroup', '4:memory:/lxc/box\n')
      .write('/sys/fs/cgroup/memory/lxc/box/memory.limit_in_bytes', `${512 * 1024 * 1024}\n`)
      .write('/sys/fs/cgroup/memory/lxc/box/memory.usage_in_bytes', `${100 * 1024 * 1024}\n`);
    expect(await probeMemory(pe(root))).toMatchObject({ effectiveTotalBytes: 512 * 1024 * 1024, effectiveAvailableBytes: 412 * 1024 * 1024 });
  });

  it('says why when /proc/meminfo is missing', async () => {
    using root = new FakeRoot();
    await expect(probeMemory(pe(root))).rejects.toThrow('/proc/meminfo is missing or unreadable');
  });
});

describe('container probe', () => {
  const cases: [string, (r: FakeRoot) => void, Record<string, string>, string][] = [
    ['docker by /.dockerenv', (r) => r.write('/.dockerenv', ''), {}, 'docker'],
    ['podman by /run/.containerenv', (r) => r.write('/run/.containerenv', '').write('/.dockerenv', ''), {}, 'podman'],
    ['kubernetes by env', (r) => r.write('/.dockerenv', ''), { KUBERNETES_SERVICE_HOST: '10.0.0.1' }, 'kubernetes'],
    ['kubernetes by cgroup', (r) => r.write('/proc/self/cgroup', '1:name=systemd:/kubepods/burstable/pod1/abc\n'), {}, 'kubernetes'],
    ['docker by cgroup v1 path', (r) => r.write('/proc/self/cgroup', '4:memory:/docker/0123abcd\n'), {}, 'docker'],
    ['lxc by systemd marker', (r) => r.write('/run/systemd/container', 'lxc\n'), {}, 'lxc'],
    ['wsl by kernel release', (r) => r.write('/proc/sys/kernel/osrelease', '5.15.153.1-microsoft-standard-WSL2\n'), {}, 'wsl'],
    ['none on a bare tree', () => {}, {}, 'none'],
  ];
  it.each(cases)('%s', async (_name, build, env, kind) => {
    using root = new FakeRoot();
    build(root);
    expect((await probeContainer(pe(root, env))).kind).toBe(kind);
  });
});

describe('disk probe', () => {
  it('measures free bytes of the data folder (even before it exists) and reads ro/noexec from mountinfo', async () => {
    using root = new FakeRoot();
    const data = mkdtempSync(path.join(tmpdir(), 'nxs-disk-'));
    root.write('/proc/self/mountinfo', `22 1 0:21 / / rw,relatime - ext4 /dev/sda1 rw\n40 22 0:40 / ${data} ro,nosuid,noexec - tmpfs tmpfs ro,size=1024k\n`);
    const d = await probeDisk({ root: root.dir, env: {}, dataDir: path.join(data, 'not', 'yet') });
    expect(d.path).toBe(data);
    expect(d.freeBytes).toBeGreaterThan(0);
    expect(d).toMatchObject({ mountPoint: data, fsType: 'tmpfs', readOnly: true, noexec: true });
  });

  it('finds the longest mount point, with octal escapes', () => {
    const m = parseMountinfo('1 0 0:1 / / rw - ext4 a rw\n2 1 0:2 / /mnt/my\\040disk rw,noexec - xfs b rw\n3 1 0:3 / /mnt/my rw - xfs c rw\n');
    expect(findMount(m, '/mnt/my disk/data')?.fsType).toBe('xfs');
    expect(findMount(m, '/mnt/my disk/data')?.options).toContain('noexec');
    expect(findMount(m, '/mnt/mydisk')?.fsType).toBe('ext4');
  });
});

describe('detectLocal', () => {
  it('answers every probe even when /proc is missing, each failure saying why', async () => {
    using root = new FakeRoot();
    const { facts } = await detectLocal({ ...pe(root), env: { PATH: '' } });
    expect(isProbeError(facts.memory) && facts.memory.error).toMatch(/meminfo/);
    expect(isProbeError(facts.cpu) && facts.cpu.error).toMatch(/cpuinfo/);
    expect(facts.container).toEqual({ kind: 'none', evidence: null });
    expect(facts.gpu).toEqual({ source: 'none', devices: [] });
    expect(isProbeError(facts.disk)).toBe(false);
  });
});

describe('isSystemPath: which files a probe may read synchronously', () => {
  it.each([
    ['/proc/meminfo', true], ['/sys/class/drm', true], ['/etc/os-release', true], ['/run/systemd/container', true],
    ['/lib', true], ['/lib64/libc.so.6', true], ['/usr/lib/os-release', true], ['/usr/lib64', true],
    ['/home/me/.nxs/data', false], ['/usr/local/bin/nvidia-smi', false], ['/etcetera/x', false], ['/library', false], ['/mnt/nfs/proc/x', false],
  ])('%s -> %s', (p, want) => expect(isSystemPath(p)).toBe(want));
});
