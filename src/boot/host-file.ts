import { rmSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../runtime/atomic-write.ts';
import { HOST_FILE, readHostFile, type HostFile } from '../runtime/host-file.ts';

// The host's own writes of host.json; its format and readers are in src/runtime/host-file.ts.

export function writeHostFile(dataDir: string, info: HostFile): void {
  writeFileAtomic(path.join(dataDir, HOST_FILE), JSON.stringify(info, null, 2) + '\n', 0o600);
}

/** Removes the file only if it still describes this process (a newer host may have replaced it). */
export function removeHostFile(dataDir: string, pid: number): void {
  const current = readHostFile(dataDir);
  if (current && current.pid === pid) rmSync(path.join(dataDir, HOST_FILE), { force: true });
}
