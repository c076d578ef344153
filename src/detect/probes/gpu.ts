import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { access, constants } from 'node:fs/promises';
import path from 'node:path';
import { readText, under } from '../probe.ts';
import type { GpuDevice, GpuFacts, ProbeEnv } from '../facts.ts';

const QUERY = '--query-gpu=name,memory.total,memory.free,driver_version';
const MAX_OUTPUT = 64 * 1024;

/** NVIDIA through nvidia-smi (hard timeout, killed when late), else /sys/class/drm; "none" is a valid answer. */
export async function probeGpu(pe: ProbeEnv, opts: { nvidiaSmiTimeoutMs: number }): Promise<GpuFacts> {
  const smi = await findOnPath('nvidia-smi', pe.env.PATH);
  let nvidiaSmiError: string | undefined;
  if (smi) {
    try {
      const devices = parseNvidiaSmi(await runBounded(smi, [QUERY, '--format=csv,noheader,nounits'], opts.nvidiaSmiTimeoutMs, pe.env.PATH));
      if (devices.length > 0) return { source: 'nvidia-smi', devices };
      nvidiaSmiError = 'nvidia-smi listed no GPU';
    } catch (err) {
      nvidiaSmiError = err instanceof Error ? err.message : String(err);
    }
  }
  const drm = await probeDrm(pe.root);
  const facts: GpuFacts = drm.length > 0 ? { source: 'drm', devices: drm } : { source: 'none', devices: [] };
  if (nvidiaSmiError) facts.nvidiaSmiError = nvidiaSmiError;
  return facts;
}

/** `NVIDIA A10, 23028, 22700, 535.104.05` per line; anything else is refused as garbage. */
export function parseNvidiaSmi(out: string): GpuDevice[] {
  const devices: GpuDevice[] = [];
  for (const line of out.split('\n').map((l) => l.trim()).filter(Boolean)) {
    const f = line.split(',').map((s) => s.trim());
    const total = Number(f[1]);
    const free = Number(f[2]);
    if (f.length !== 4 || !f[0] || !Number.isFinite(total) || !Number.isFinite(free) || f[1] === '' || f[2] === '') {
      throw new Error(`nvidia-smi printed something that is not "name, memory.total, memory.free, driver": ${JSON.stringify(line.slice(0, 80))}`);
    }
    devices.push({ vendor: 'nvidia', name: f[0], memoryTotalMb: total, memoryFreeMb: free, driver: f[3] || null });
  }
  return devices;
}

const VENDORS: Record<string, GpuDevice['vendor']> = { '0x10de': 'nvidia', '0x1002': 'amd', '0x8086': 'intel' };

/** /sys/class/drm/cardN/device/{vendor,device,mem_info_vram_total}: present for any DRM driver. */
async function probeDrm(root: string): Promise<GpuDevice[]> {
  let cards: string[];
  try {
    cards = readdirSync(under(root, '/sys/class/drm')).filter((c) => /^card\d+$/.test(c)).sort();
  } catch {
    // No DRM class at all (servers, containers): no GPU seen this way.
    return [];
  }
  const devices: GpuDevice[] = [];
  for (const card of cards) {
    const base = `/sys/class/drm/${card}/device`;
    const [vendorId, deviceId, vram] = await Promise.all([readText(root, `${base}/vendor`), readText(root, `${base}/device`), readText(root, `${base}/mem_info_vram_total`)]);
    if (!vendorId) continue;
    const vendor = VENDORS[vendorId.trim()] ?? 'other';
    devices.push({
      vendor,
      name: `${vendor} ${deviceId?.trim() ?? 'unknown device'} (${card})`,
      memoryTotalMb: vram && Number.isFinite(Number(vram)) ? Math.round(Number(vram) / 1048576) : null,
      memoryFreeMb: null,
      driver: null,
    });
  }
  return devices;
}

export async function findOnPath(name: string, pathVar: string | undefined): Promise<string | null> {
  for (const dir of (pathVar ?? '').split(':').filter(Boolean)) {
    const candidate = path.join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this folder; try the next one.
    }
  }
  return null;
}

/**
 * Runs a command in its own process group and kills the whole group when it is
 * late: a wrapper script that hangs in a child would otherwise keep the pipe open.
 */
export function runBounded(file: string, args: string[], timeoutMs: number, pathVar: string | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: [pathVar, '/usr/bin:/bin'].filter(Boolean).join(':'), LC_ALL: 'C' } });
    let out = '';
    let err = '';
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const killGroup = (): void => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    const timer = setTimeout(() => {
      killGroup();
      finish(() => reject(new Error(`${path.basename(file)} did not answer within ${timeoutMs} ms and was killed`)));
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      if (out.length > MAX_OUTPUT) {
        killGroup();
        finish(() => reject(new Error(`${path.basename(file)} printed more than ${MAX_OUTPUT} bytes`)));
      }
    });
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString('utf8')).slice(-500)));
    child.on('error', (e) => finish(() => reject(e)));
    child.on('close', (code, signal) => {
      if (code === 0) finish(() => resolve(out));
      else finish(() => reject(new Error(`${path.basename(file)} exited with ${code ?? signal}${err.trim() ? `: ${err.trim().split('\n')[0]}` : ''}`)));
    });
  });
}
