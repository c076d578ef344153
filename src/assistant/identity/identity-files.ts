import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { errorMessage, systemErrorCode } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';

export const IDENTITY_FILES = ['SOUL.md', 'MEMORY.md'] as const;
export type IdentityFile = (typeof IDENTITY_FILES)[number];

export function identityDirOf(dataDir: string): string {
  return path.join(dataDir, 'identity');
}

/** Which identity files are missing from the data folder. */
export function missingIdentityFiles(dir: string): IdentityFile[] {
  return IDENTITY_FILES.filter((f) => !existsSync(path.join(dir, f)));
}

/**
 * First start: copy the shipped defaults into the data folder, where the user
 * edits them. Only missing files are copied, so a newer binary never
 * overwrites what the user (or the assistant's memory) wrote.
 */
export function seedIdentity(dir: string, shippedDir: string, log: Logger): IdentityFile[] {
  mkdirSync(dir, { recursive: true });
  const copied: IdentityFile[] = [];
  for (const f of missingIdentityFiles(dir)) {
    try {
      copyFileSync(path.join(shippedDir, f), path.join(dir, f));
      copied.push(f);
    } catch (err) {
      log.warn({ file: f, err: errorMessage(err) }, 'cannot copy the shipped identity file; the built-in default will be used');
    }
  }
  return copied;
}

interface Cached {
  mtimeMs: number;
  size: number;
  text: string;
}

/**
 * Reads an identity file at prompt time. A stat per prompt is cheap, and
 * re-reading only on an mtime or size change means an edit on disk is picked
 * up at the next message without a restart or a watcher. A missing or
 * unreadable file falls back to the shipped default (said once in the log, and
 * once to `onDamaged`: the host raises NXS_ERR_IDENTITY_DAMAGED, which the doctor
 * answers by proposing to reinstall the shipped files).
 */
export class IdentityReader {
  private readonly cache = new Map<string, Cached>();
  private readonly warned = new Set<string>();
  private readonly dir: string;
  private readonly shippedDir: string;
  private readonly log: Logger;
  private readonly onDamaged: (file: string, reason: string) => void;

  constructor(dir: string, shippedDir: string, log: Logger, onDamaged: (file: string, reason: string) => void = () => {}) {
    this.dir = dir;
    this.shippedDir = shippedDir;
    this.log = log;
    this.onDamaged = onDamaged;
  }

  read(file: IdentityFile): { text: string; source: 'data' | 'shipped' | 'builtin' } {
    const fromData = this.readCached(path.join(this.dir, file));
    if (fromData !== null) {
      this.warned.delete(file);
      return { text: fromData, source: 'data' };
    }
    const shipped = this.readCached(path.join(this.shippedDir, file));
    return shipped !== null ? { text: shipped, source: 'shipped' } : { text: BUILTIN[file], source: 'builtin' };
  }

  private readCached(file: string): string | null {
    try {
      const st = statSync(file);
      const c = this.cache.get(file);
      if (c && c.mtimeMs === st.mtimeMs && c.size === st.size) return c.text;
      const text = readFileSync(file, 'utf8');
      this.cache.set(file, { mtimeMs: st.mtimeMs, size: st.size, text });
      return text;
    } catch (err) {
      this.cache.delete(file);
      const base = path.basename(file);
      if (file.startsWith(this.dir) && !this.warned.has(base)) {
        this.warned.add(base);
        const reason = systemErrorCode(err) ?? errorMessage(err);
        this.log.warn({ file, reason }, 'identity file missing or unreadable; using the shipped default');
        this.onDamaged(base, reason);
      }
      return null;
    }
  }
}

// Used only when even the payload's copy is gone: the host must still answer.
const BUILTIN: Record<IdentityFile, string> = {
  'SOUL.md': '# Soul\n\nYou are nxs, a calm, concise assistant that keeps its people informed and keeps working through outages.\n',
  'MEMORY.md': '# Memory\n',
};
