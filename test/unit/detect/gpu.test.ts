import { describe, expect, it } from 'vitest';
import { tmpdir } from 'node:os';
import { probeGpu, parseNvidiaSmi } from '../../../src/detect/probes/gpu.ts';
import { detectLocal } from '../../../src/detect/detect.ts';
import { isProbeError } from '../../../src/detect/facts.ts';
import { fakeNvidiaSmi } from '../../helpers/fake-nvidia-smi.ts';
import { FakeRoot } from './fake-root.ts';

const probe = (root: string, path: string, timeoutMs = 2000) => probeGpu({ root, env: { PATH: path }, dataDir: tmpdir() }, { nvidiaSmiTimeoutMs: timeoutMs });

describe('gpu probe', () => {
  it('reads name, memory and driver from a working nvidia-smi', async () => {
    using smi = fakeNvidiaSmi('good');
    using root = new FakeRoot();
    const g = await probe(root.dir, `${smi.dir}:/usr/bin:/bin`);
    expect(g.source).toBe('nvidia-smi');
    expect(g.devices).toHaveLength(2);
    expect(g.devices[0]).toEqual({ vendor: 'nvidia', name: 'NVIDIA A10', memoryTotalMb: 23028, memoryFreeMb: 22701, driver: '535.104.05' });
  });

  it.each(['hang', 'hang-in-child'] as const)('kills a nvidia-smi that hangs (%s) at its bound and falls back to /sys/class/drm', async (mode) => {
    using smi = fakeNvidiaSmi(mode);
    using root = new FakeRoot().write('/sys/class/drm/card0/device/vendor', '0x1002\n').write('/sys/class/drm/card0/device/device', '0x73bf\n').write('/sys/class/drm/card0/device/mem_info_vram_total', `${16 * 1024 * 1024 * 1024}\n`).mkdir('/sys/class/drm/renderD128');
    const g = await probe(root.dir, smi.dir, 150);
    expect(g.nvidiaSmiError).toMatch(/did not answer within 150 ms and was killed/);
    expect(g.source).toBe('drm');
    expect(g.devices).toEqual([{ vendor: 'amd', name: 'amd 0x73bf (card0)', memoryTotalMb: 16384, memoryFreeMb: null, driver: null }]);
  });

  it('refuses garbage from nvidia-smi and says so, and "none" is a valid answer', async () => {
    using smi = fakeNvidiaSmi('garbage');
    using root = new FakeRoot();
    const g = await probe(root.dir, `${smi.dir}:/usr/bin:/bin`);
    expect(g).toMatchObject({ source: 'none', devices: [] });
    expect(g.nvidiaSmiError).toMatch(/not "name, memory.total, memory.free, driver"/);
  });

  it('reports a failing nvidia-smi with its exit code and message', async () => {
    using smi = fakeNvidiaSmi('fail');
    using root = new FakeRoot();
    const g = await probe(root.dir, `${smi.dir}:/usr/bin:/bin`);
    expect(g.nvidiaSmiError).toBe('nvidia-smi exited with 6: No devices were found');
  });

  it('without nvidia-smi on PATH and no DRM, the answer is none', async () => {
    using root = new FakeRoot();
    expect(await probe(root.dir, '/nonexistent')).toEqual({ source: 'none', devices: [] });
  });

  it('a hung nvidia-smi does not hold up the other local probes', async () => {
    using smi = fakeNvidiaSmi('hang');
    using root = new FakeRoot().write('/proc/meminfo', 'MemTotal: 1024 kB\n');
    const { facts } = await detectLocal({ root: root.dir, env: { PATH: smi.dir }, dataDir: tmpdir(), nvidiaSmiTimeoutMs: 100 });
    expect(isProbeError(facts.gpu)).toBe(false);
    expect(!isProbeError(facts.gpu) && facts.gpu.nvidiaSmiError).toMatch(/killed/);
    expect(!isProbeError(facts.memory) && facts.memory.totalBytes).toBe(1024 * 1024);
  });

  it('parses nounits CSV and rejects short lines', () => {
    expect(parseNvidiaSmi('Tesla T4, 15360, 15000, 470.1\n')).toHaveLength(1);
    expect(() => parseNvidiaSmi('Tesla T4, 15360\n')).toThrow(/not "name/);
    expect(() => parseNvidiaSmi('Tesla T4, [N/A], 1, 470\n')).toThrow(/not "name/);
  });
});
