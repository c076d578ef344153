import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startUntilReady, run, type Started } from './helpers.ts';

/**
 * A root folder with /proc and /dev mounted (what any real box has), the
 * single file copied to /nxs, and HOME=/root. Dispose unmounts.
 */
export class ChrootBox {
  readonly root: string;
  private mounted: string[] = [];

  constructor(root: string) {
    this.root = root;
  }

  setup(nxsFile: string): this {
    for (const d of ['proc', 'dev', 'tmp', 'root']) mkdirSync(path.join(this.root, d), { recursive: true });
    chmodSync(path.join(this.root, 'tmp'), 0o1777);
    this.mount(['-t', 'proc', 'proc'], 'proc');
    this.mount(['--bind', '/dev'], 'dev');
    copyFileSync(nxsFile, path.join(this.root, 'nxs'));
    chmodSync(path.join(this.root, 'nxs'), 0o755);
    this.resetHome();
    return this;
  }

  /** A cold first run: no unpacked runtime anywhere the header looks. */
  resetHome(): void {
    for (const d of ['root/.nxs', 'tmp']) rmSync(path.join(this.root, d), { recursive: true, force: true });
    mkdirSync(path.join(this.root, 'tmp'), { recursive: true, mode: 0o1777 });
    chmodSync(path.join(this.root, 'tmp'), 0o1777);
  }

  /** A shell script at `file` inside the root (for fakes nxs should be able to spawn). */
  writeScript(file: string, body: string): void {
    const p = path.join(this.root, file);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, `#!/bin/sh\n${body}\n`);
    chmodSync(p, 0o755);
  }

  private mount(args: string[], dir: string): void {
    const target = path.join(this.root, dir);
    execFileSync('mount', [...args, target]);
    this.mounted.push(target);
  }

  env(extra: Record<string, string> = {}): Record<string, string> {
    return { HOME: '/root', PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin', ...extra };
  }

  start(extra: Record<string, string> = {}): Promise<Started> {
    return startUntilReady('chroot', [this.root, '/bin/sh', '/nxs', 'start', '--port', '0'], this.env(extra));
  }

  exec(args: string[], extra: Record<string, string> = {}): { code: number; out: string } {
    return run('chroot', [this.root, ...args], this.env(extra));
  }

  [Symbol.dispose](): void {
    for (const m of this.mounted.reverse()) run('umount', ['-l', m]);
    this.mounted = [];
  }
}
