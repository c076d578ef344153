import { readFileSync } from 'node:fs';
import path from 'node:path';
import { systemErrorCode } from '../core/errors.ts';

// Reading host.json is shared (the CLI, and a checkpoint restore that must not run under a live host);
// writing it is the host's own (src/boot/host-file.ts). Down here so no part imports boot/.

/** `<data>/host.json` tells `nxs` commands where the running host listens. */
export interface HostFile {
  pid: number;
  url: string;
  port: number;
  boot_id: string;
  version: string;
  started_at: string;
}

export const HOST_FILE = 'host.json';

export function readHostFile(dataDir: string): HostFile | null {
  try {
    return JSON.parse(readFileSync(path.join(dataDir, HOST_FILE), 'utf8')) as HostFile;
  } catch (err) {
    if (systemErrorCode(err) === 'ENOENT' || err instanceof SyntaxError) return null;
    throw err;
  }
}

/**
 * The host file, only when its process still runs: a host killed before it could remove the
 * file (SIGKILL, power loss) leaves one naming a dead URL, which must read as "no host runs".
 */
export function readLiveHostFile(dataDir: string): HostFile | null {
  const host = readHostFile(dataDir);
  return host && pidAlive(host.pid) ? host : null;
}

/** Does `pid` name a running process? EPERM: it does, under another user. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return systemErrorCode(err) === 'EPERM';
  }
}
