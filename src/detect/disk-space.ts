import { statfs } from 'node:fs/promises';

/** The filesystem holding a folder, as one statfs sees it. */
export interface DiskSpace {
  /** bavail, not bfree: what an unprivileged writer (nxs) can still use. */
  freeBytes: number;
  totalBytes: number;
  /** Blocks in use by anyone (total less bfree), for charts of the box. */
  usedBytes: number;
}

/**
 * The one free-disk reading of the host. Detection's disk probe, the resource monitor and the
 * console's chart call it; everything else (the assistant's admission of large messages, the
 * doctor's look at start) asks the monitor for its last reading instead of reading again: a
 * statfsSync on every message was the fourth copy of this.
 */
export async function readDiskSpace(dir: string): Promise<DiskSpace> {
  const st = await statfs(dir);
  return { freeBytes: st.bavail * st.bsize, totalBytes: st.blocks * st.bsize, usedBytes: (st.blocks - st.bfree) * st.bsize };
}
