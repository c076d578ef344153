import { statSync } from 'node:fs';
import path from 'node:path';

/**
 * Can this uid/gid walk down to `target` (search permission on every folder
 * above it, and read on the target)? When nxs runs as root, bwrap runs as the
 * unprivileged `sandbox.run_as` user and must reach the folders it binds in;
 * a workspace under /root (mode 0700) is out of its reach.
 */
export function reachableBy(target: string, who: { uid: number; gid: number }, targetNeeds = 5): { ok: true } | { ok: false; blocker: string } {
  const parts = path.resolve(target).split('/').filter(Boolean);
  let p = '/';
  for (let i = 0; i <= parts.length; i++) {
    const st = statSync(p);
    const isTarget = i === parts.length;
    const bits = st.uid === who.uid ? (st.mode >> 6) & 7 : st.gid === who.gid ? (st.mode >> 3) & 7 : st.mode & 7;
    const need = isTarget ? targetNeeds : 1; // r-x on the folder itself (by default), --x on each above
    if ((bits & need) !== need) return { ok: false, blocker: p };
    if (!isTarget) p = path.join(p, parts[i]!);
  }
  return { ok: true };
}
