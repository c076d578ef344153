import { accessSync, constants } from 'node:fs';
import path from 'node:path';

/** The first executable `name` on PATH (from ctx.env) or in the usual system folders. */
export function which(name: string, envPath: string | undefined): string | null {
  const dirs = [...(envPath ?? '').split(':').filter(Boolean), '/usr/local/bin', '/usr/bin', '/bin', '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    const p = path.join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // Not here; keep looking.
    }
  }
  return null;
}
