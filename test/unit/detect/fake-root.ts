import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A fake `/` in a temp folder: write the /proc, /sys and /etc files a probe should see. */
export class FakeRoot {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'nxs-root-'));
  write(abs: string, content: string): this {
    const file = path.join(this.dir, abs);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
    return this;
  }
  mkdir(abs: string): this {
    mkdirSync(path.join(this.dir, abs), { recursive: true });
    return this;
  }
  path(abs: string): string {
    return path.join(this.dir, abs);
  }
  [Symbol.dispose](): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export const GiB = 1024 * 1024 * 1024;

export function meminfo(totalKb: number, availableKb: number, swapKb = 0): string {
  return `MemTotal:       ${Math.floor(totalKb)} kB\nMemFree:        ${Math.floor(availableKb / 2)} kB\nMemAvailable:   ${Math.floor(availableKb)} kB\nBuffers:          1000 kB\nCached:         1000 kB\nSwapTotal:      ${swapKb} kB\nSwapFree:       ${swapKb} kB\n`;
}

export function cpuinfo(n: number, model = 'Fake CPU @ 2.0GHz'): string {
  return Array.from({ length: n }, (_, i) => `processor\t: ${i}\nvendor_id\t: GenuineFake\nmodel name\t: ${model}\n`).join('\n');
}

/** A box: cores, RAM (GiB), optional cgroup v2 limits. */
export function cgroupV2Box(root: FakeRoot, o: { cores: number; memGiB: number; availGiB?: number; cpuMax?: string; memMax?: string; memCurrent?: number }): FakeRoot {
  root.write('/proc/cpuinfo', cpuinfo(o.cores));
  root.write('/proc/meminfo', meminfo(o.memGiB * 1024 * 1024, (o.availGiB ?? o.memGiB * 0.8) * 1024 * 1024));
  root.write('/proc/self/cgroup', '0::/\n');
  root.write('/sys/fs/cgroup/cgroup.controllers', 'cpu memory pids\n');
  if (o.cpuMax) root.write('/sys/fs/cgroup/cpu.max', o.cpuMax + '\n');
  if (o.memMax) root.write('/sys/fs/cgroup/memory.max', o.memMax + '\n');
  if (o.memCurrent !== undefined) root.write('/sys/fs/cgroup/memory.current', `${o.memCurrent}\n`);
  return root;
}
