import { cpSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import path from 'node:path';

export interface StageInput {
  root: string;
  stageDir: string;
  executable: string;
  sqliteAddon: string;
  workers: string[];
  /** Private loader and libraries (portability); absent means none shipped. */
  libDir?: string | undefined;
  manifest: Record<string, unknown>;
}

/**
 * Lays out the runtime folder exactly as the header will unpack it:
 *   bin/nxs, vendor/better-sqlite3/better_sqlite3.node, workers/*.cjs,
 *   payload/ (default config, examples), identity/ (SOUL.md, MEMORY.md), lib/ (optional), manifest.json
 */
export function stage(input: StageInput): void {
  const d = input.stageDir;
  mkdirSync(path.join(d, 'bin'), { recursive: true });
  mkdirSync(path.join(d, 'vendor/better-sqlite3'), { recursive: true });
  cpSync(input.executable, path.join(d, 'bin/nxs'));
  cpSync(input.sqliteAddon, path.join(d, 'vendor/better-sqlite3/better_sqlite3.node'));
  if (input.workers.length) {
    mkdirSync(path.join(d, 'workers'), { recursive: true });
    for (const w of input.workers) cpSync(w, path.join(d, 'workers', path.basename(w)));
  }
  cpSync(path.join(input.root, 'payload'), path.join(d, 'payload'), { recursive: true });
  cpSync(path.join(input.root, 'identity'), path.join(d, 'identity'), { recursive: true });
  if (input.libDir && existsSync(input.libDir)) cpSync(input.libDir, path.join(d, 'lib'), { recursive: true });
  writeFileSync(path.join(d, 'manifest.json'), JSON.stringify(input.manifest, null, 2) + '\n');
}

/** Total size of a folder in KiB, rounded up per file (what unpacking needs). */
export function sizeKb(dir: string): number {
  let kb = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) kb += Math.ceil(statSync(path.join(entry.parentPath, entry.name)).size / 1024) + 1;
  }
  return kb;
}

/**
 * A reproducible tar (sorted, fixed owner and mtime) compressed with xz -9e in
 * 64 MiB blocks: 30.5 MB for the 131.7 MB runtime, and multi-block so `xz -T2`
 * unpacks in parallel (0.95 s vs 1.52 s single-threaded, toolchain.md). No BCJ
 * filter: busybox unxz cannot read it.
 */
export function compress(stageDir: string, out: string, level: string): void {
  execFileSync(
    'sh',
    [
      '-c',
      `tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$1" -cf - . | xz ${level} --block-size=32MiB -T2 -c > "$2"`,
      'sh',
      stageDir,
      out,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
}

export function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file)
      .on('data', (c) => h.update(c))
      .on('end', () => resolve(h.digest('hex')))
      .on('error', reject);
  });
}
