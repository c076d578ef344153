import { execFile } from 'node:child_process';
import { systemErrorCode, errorMessage } from '../core/errors.ts';

export interface GpuUtilization {
  gpu_percent: number;
  /** False when nvidia-smi is absent or failed: gpu_percent is then 0, not a reading. */
  gpu_present: boolean;
  source: 'nvidia-smi' | 'none';
  devices?: number[];
  error?: string;
}

export type RunCommand = (file: string, args: string[], timeoutMs: number) => Promise<string>;

export const runCommand: RunCommand = (file, args, timeoutMs) =>
  new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
  });

/** Average utilisation over the GPUs nvidia-smi reports; a missing tool is "no GPU", not an error. */
export async function readGpuUtilization(run: RunCommand = runCommand, timeoutMs = 2000): Promise<GpuUtilization> {
  let out: string;
  try {
    out = await run('nvidia-smi', ['--query-gpu=utilization.gpu', '--format=csv,noheader,nounits'], timeoutMs);
  } catch (err) {
    if (systemErrorCode(err) === 'ENOENT') return { gpu_percent: 0, gpu_present: false, source: 'none' };
    return { gpu_percent: 0, gpu_present: false, source: 'none', error: `nvidia-smi failed: ${errorMessage(err).split('\n')[0]}` };
  }
  return parseNvidiaSmi(out);
}

export function parseNvidiaSmi(out: string): GpuUtilization {
  const values = out
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map(Number)
    .filter((n) => Number.isFinite(n));
  if (values.length === 0) return { gpu_percent: 0, gpu_present: false, source: 'none', error: 'nvidia-smi reported no GPU' };
  const avg = values.reduce((a, b) => a + b, 0) / values.length;
  return { gpu_percent: Math.round(avg * 10) / 10, gpu_present: true, source: 'nvidia-smi', devices: values };
}
