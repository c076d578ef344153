import { describe, it, expect } from 'vitest';
import { GpuScheduler } from '../../../src/supervisor/gpu-scheduler.ts';
import { parseNvidiaSmi, readGpuUtilization } from '../../../src/supervisor/gpu-utilization.ts';

describe('GPU scheduler', () => {
  it('preempts only with a strictly higher priority and releases all of an agent', () => {
    const g = new GpuScheduler([{ id: 0, name: 'a' }, { id: 1, name: 'b' }]);
    const a = g.claim('1', 0, 2, 0).claim;
    expect(() => g.claim('2', 0, 2, 0)).toThrow(expect.objectContaining({ code: 'NXS_ERR_GPU_BUSY' }));
    const b = g.claim('2', 0, 3, 0);
    expect(b.preempted?.handle).toBe(a.handle);
    expect(g.claimOf(a.handle)).toBeNull();
    g.claim('2', 1, 0, 0);
    expect(g.releaseAgent('2').length).toBe(2);
    expect(g.status(0)).toEqual({ device_id: 0, state: 'available' });
    expect(() => g.status(5)).toThrow(expect.objectContaining({ code: 'NXS_ERR_GPU_DEVICE_NOT_FOUND' }));
    expect(() => new GpuScheduler([]).claim('1', 0, 0, 0)).toThrow(/this host has no GPU devices/);
  });
});

describe('GPU utilisation', () => {
  it.each([
    ['one GPU', '37\n', { gpu_percent: 37, gpu_present: true, source: 'nvidia-smi', devices: [37] }],
    ['two GPUs average', '10\n21\n', { gpu_percent: 15.5, gpu_present: true, source: 'nvidia-smi', devices: [10, 21] }],
    ['garbage', '[N/A]\n', { gpu_percent: 0, gpu_present: false, source: 'none', error: 'nvidia-smi reported no GPU' }],
  ])('%s', (_n, out, expected) => {
    expect(parseNvidiaSmi(out)).toEqual(expected);
  });

  it('is 0 with gpu_present false when nvidia-smi is missing or times out', async () => {
    const missing = await readGpuUtilization(() => Promise.reject(Object.assign(new Error('spawn nvidia-smi ENOENT'), { code: 'ENOENT' })));
    expect(missing).toEqual({ gpu_percent: 0, gpu_present: false, source: 'none' });
    const killed = await readGpuUtilization(() => Promise.reject(Object.assign(new Error('Command failed: timed out'), { killed: true })));
    expect(killed).toMatchObject({ gpu_percent: 0, gpu_present: false, error: 'nvidia-smi failed: Command failed: timed out' });
  });
});
