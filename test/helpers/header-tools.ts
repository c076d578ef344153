import { mkdtempSync, symlinkSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

// What the header may use from a normal system: the tools busybox also has.
const SYSTEM_TOOLS = ['sh', 'tail', 'sha256sum', 'xz', 'tar', 'mkdir', 'rm', 'mv', 'chmod', 'cat', 'wc', 'tr', 'cut', 'df', 'awk', 'sed', 'id', 'flock', 'kill', 'sleep', 'ls', 'grep', 'head', 'dd', 'mktemp'];

/**
 * A fresh folder to use as PATH, holding only the tools the sh header needs and
 * no `node`: `system` links the machine's own tools, `busybox` links busybox
 * applets (and no flock, so the header takes its mkdir lock). Used by the e2e
 * suite and bench:startup, so both run the file as a user on a bare box would.
 */
export function toolPath(kind: 'system' | 'busybox'): string {
  const dir = mkdtempSync(path.join(tmpdir(), `nxs-path-${kind}-`));
  if (kind === 'busybox') {
    for (const tool of [...SYSTEM_TOOLS, 'unxz', 'xzcat']) symlinkSync('/bin/busybox', path.join(dir, tool));
    rmSync(path.join(dir, 'flock'));
  } else {
    // getent (not a busybox applet) finds the account's home through NSS when HOME is unset.
    for (const tool of [...SYSTEM_TOOLS, 'getent']) {
      const found = ['/usr/bin', '/bin'].map((d) => path.join(d, tool)).find((p) => existsSync(p));
      if (found) symlinkSync(found, path.join(dir, tool));
    }
  }
  return dir;
}
