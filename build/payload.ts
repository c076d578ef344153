import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { parseYamlText, twinOf } from '../src/config/load.ts';
import { CORE_FILE, CORE_WRAPPER } from '../src/runtime/load-core.ts';

export interface StageInput {
  root: string;
  stageDir: string;
  executable: string;
  /** The CLI and host bundle, shipped as app/core.cjs for the executable's loader; absent when the executable carries it (--snapshot). */
  core?: string | undefined;
  sqliteAddon: string;
  workers: string[];
  /** Private loader and libraries (portability); absent means none shipped. */
  libDir?: string | undefined;
  manifest: Record<string, unknown>;
}

/**
 * Lays out the runtime folder exactly as the header will unpack it:
 *   bin/nxs, app/core.cjs and app/core.cache (the code and its trained code cache),
 *   vendor/better-sqlite3/better_sqlite3.node, workers/*.cjs,
 *   payload/ (default config, examples; nxs.yaml.json, the defaults parsed once here so a
 *   start without a config file of its own skips the YAML parser), identity/ (SOUL.md,
 *   MEMORY.md), lib/ (optional), manifest.json
 */
export function stage(input: StageInput): void {
  const d = input.stageDir;
  mkdirSync(path.join(d, 'bin'), { recursive: true });
  mkdirSync(path.join(d, 'vendor/better-sqlite3'), { recursive: true });
  cpSync(input.executable, path.join(d, 'bin/nxs'));
  if (input.core) {
    mkdirSync(path.join(d, 'app'), { recursive: true });
    writeFileSync(path.join(d, CORE_FILE), CORE_WRAPPER.head + readFileSync(input.core, 'utf8') + CORE_WRAPPER.tail);
  }
  cpSync(input.sqliteAddon, path.join(d, 'vendor/better-sqlite3/better_sqlite3.node'));
  if (input.workers.length) {
    mkdirSync(path.join(d, 'workers'), { recursive: true });
    for (const w of input.workers) cpSync(w, path.join(d, 'workers', path.basename(w)));
  }
  cpSync(path.join(input.root, 'payload'), path.join(d, 'payload'), { recursive: true });
  const defaults = path.join(d, 'payload', 'nxs.yaml');
  const text = readFileSync(defaults, 'utf8');
  writeFileSync(`${defaults}.json`, JSON.stringify(twinOf(text, parseYamlText(defaults, text))) + '\n');
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

/** zstd levels: the release file, and --fast for iterating on the build. */
export const ZSTD_LEVEL = { release: '-19', fast: '-3' } as const;

/**
 * A reproducible tar (sorted, fixed owner and mtime) compressed with zstd, with
 * its content checksum (--check: a damaged stream fails to decode, it does not
 * decode to wrong bytes). Level 19 keeps zstd's 8 MiB window: the decoder needs
 * ~10 MB of memory, so a 256 MB box unpacks easily. Measured on the 114 MiB
 * runtime (docs/benchmarks/first-run.md): -19 33.45 MB, --long=25 (32 MiB window,
 * ~34 MB to decode) 33.20 MB, --long=27 (128 MiB, ~118 MB) 33.12 MB; decoding takes
 * 0.25-0.3 s of CPU for all three, against 1.2-2.0 s for the xz -9e it replaced.
 */
export function compress(stageDir: string, out: string, level: string): void {
  execFileSync(
    'bash',
    [
      '-c',
      // pipefail: a tar that fails half-way must fail the build, not ship a short payload.
      `set -o pipefail; tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$1" -cf - . | zstd -q --no-progress --check -T2 ${level} -c > "$2"`,
      'bash',
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
