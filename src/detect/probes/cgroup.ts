import path from 'node:path';
import { readText } from '../probe.ts';

/**
 * Where this process sits in the cgroup tree, read from /proc/self/cgroup.
 * v1 lists one line per controller set (`4:memory:/docker/abc`); v2 one line `0::/path`.
 * Hybrid hosts have both: a controller mounted in v1 wins for that controller.
 */
export interface CgroupPlacement {
  v1: Map<string, { mount: string; path: string }>;
  v2Path: string | null;
}

export async function readCgroupPlacement(root: string): Promise<CgroupPlacement> {
  const text = (await readText(root, '/proc/self/cgroup')) ?? '';
  const v1 = new Map<string, { mount: string; path: string }>();
  let v2Path: string | null = null;
  for (const line of text.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (!m) continue;
    const [, id, controllers, p] = m as unknown as [string, string, string, string];
    if (id === '0' && controllers === '') {
      v2Path = p || '/';
      continue;
    }
    for (const c of controllers.split(',')) {
      if (c) v1.set(c, { mount: controllers, path: p || '/' });
    }
  }
  return { v1, v2Path };
}

/**
 * The values of one cgroup file from our own group up to the root of its mount.
 * Limits nest, so callers take the smallest. When the listed path does not exist
 * under the mount (a container that sees only its own group), the mount root is ours.
 */
export async function readCgroupChain(root: string, placement: CgroupPlacement, controller: string, file: string): Promise<{ version: 1 | 2; values: string[] } | null> {
  const v1 = placement.v1.get(controller);
  if (v1) {
    for (const mount of [v1.mount, controller]) {
      const values = await readChain(root, `/sys/fs/cgroup/${mount}`, v1.path, file);
      if (values.length > 0) return { version: 1, values };
    }
    return null;
  }
  if (placement.v2Path !== null) {
    for (const mount of ['/sys/fs/cgroup', '/sys/fs/cgroup/unified']) {
      const values = await readChain(root, mount, placement.v2Path, file);
      if (values.length > 0) return { version: 2, values };
    }
  }
  return null;
}

async function readChain(root: string, mount: string, groupPath: string, file: string): Promise<string[]> {
  const values: string[] = [];
  let p = path.posix.normalize(groupPath);
  for (;;) {
    const text = await readText(root, path.posix.join(mount, p, file));
    if (text !== null) values.push(text.trim());
    if (p === '/' || p === '.' || p === '') break;
    p = path.posix.dirname(p);
  }
  return values;
}

/** v1 writes "no limit" as a page-rounded 2^63; anything this large means unlimited. */
export const V1_UNLIMITED_FLOOR = 2 ** 60;
