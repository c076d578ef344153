import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { readText } from '../probe.ts';
import type { DiskFacts, ProbeEnv } from '../facts.ts';
import { readDiskSpace } from '../disk-space.ts';

/** Free bytes on the data folder's filesystem (statfs), and its mount flags from /proc/self/mountinfo. */
export async function probeDisk(pe: ProbeEnv): Promise<DiskFacts> {
  const existing = await nearestExisting(path.resolve(pe.dataDir));
  const [space, mountinfo] = await Promise.all([readDiskSpace(existing), readText(pe.root, '/proc/self/mountinfo')]);
  const mount = mountinfo === null ? null : findMount(parseMountinfo(mountinfo), existing);
  return {
    path: existing,
    freeBytes: space.freeBytes,
    totalBytes: space.totalBytes,
    mountPoint: mount?.mountPoint ?? null,
    fsType: mount?.fsType ?? null,
    readOnly: mount ? mount.options.includes('ro') || mount.superOptions.includes('ro') : false,
    noexec: mount ? mount.options.includes('noexec') : false,
  };
}

/** The data folder may not exist yet (first start): measure the folder that will hold it. */
async function nearestExisting(p: string): Promise<string> {
  for (let cur = p; ; cur = path.dirname(cur)) {
    try {
      return await realpath(cur);
    } catch (err) {
      if (cur === path.dirname(cur)) throw err;
    }
  }
}

export interface MountEntry {
  mountPoint: string;
  fsType: string;
  options: string[];
  superOptions: string[];
}

/** mountinfo: `36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue` */
export function parseMountinfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const f = left.split(' ');
    const r = right.split(' ');
    if (f.length < 6 || r.length < 1) continue;
    out.push({
      mountPoint: unescapeOctal(f[4]!),
      options: f[5]!.split(','),
      fsType: r[0]!,
      superOptions: (r[2] ?? '').split(','),
    });
  }
  return out;
}

/** The mount holding `p`: the longest mount point that is `p` or a parent of it; later mounts shadow earlier ones. */
export function findMount(mounts: MountEntry[], p: string): MountEntry | null {
  let best: MountEntry | null = null;
  for (const m of mounts) {
    const mp = m.mountPoint;
    const inside = mp === '/' || p === mp || p.startsWith(mp.endsWith('/') ? mp : mp + '/');
    if (inside && (!best || mp.length >= best.mountPoint.length)) best = m;
  }
  return best;
}

function unescapeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}
