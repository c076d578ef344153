// The tar archive inside a checkpoint: regular files only when we write, and a
// reader that refuses anything that could land outside the target: `..`
// segments, absolute paths, and links whose target leaves the archive root.
// Entries are checked while listing, before a byte is written anywhere.
import path from 'node:path';
import type { ReadEntry } from 'tar';
import { NxsError } from '../core/errors.ts';

const BLOCK = 512;

// tar is loaded when a checkpoint is written or read, not when the host starts.

/** A deterministic ustar archive of regular files (mtime 0, mode 0600). */
export async function packFiles(files: ReadonlyMap<string, Buffer>): Promise<Buffer> {
  const { Header } = await import('tar');
  const parts: Buffer[] = [];
  for (const [name, data] of files) {
    assertSafePath(name);
    const h = new Header({ path: name, type: 'File', mode: 0o600, size: data.length, mtime: new Date(0), uid: 0, gid: 0 });
    const block = Buffer.alloc(BLOCK);
    if (h.encode(block, 0)) throw new NxsError('NXS_ERR_INTERNAL', `archive path ${name} is too long for a plain tar header`);
    parts.push(block, data, Buffer.alloc((BLOCK - (data.length % BLOCK)) % BLOCK));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

/** Refuses absolute paths, `..` segments, empty names and NUL bytes. Returns the normalized relative path. */
export function assertSafePath(name: string): string {
  if (!name || name.includes('\0')) throw unsafe(name, 'an empty name or a NUL byte');
  if (name.startsWith('/') || /^[a-zA-Z]:[\\/]/.test(name) || name.startsWith('\\')) throw unsafe(name, 'an absolute path');
  const segments = name.split(/[\\/]+/);
  if (segments.includes('..')) throw unsafe(name, 'a ".." segment');
  const norm = path.posix.normalize(segments.join('/')).replace(/\/$/, '');
  if (norm === '.' || norm === '') throw unsafe(name, 'a name for the archive root');
  return norm;
}

/** A link target is resolved from the link's own folder; it must stay inside the root. */
export function assertLinkInside(entry: string, linkpath: string, hard: boolean): string {
  if (!linkpath || linkpath.startsWith('/') || /^[a-zA-Z]:[\\/]/.test(linkpath)) throw unsafe(entry, `a link to the absolute path ${JSON.stringify(linkpath)}`);
  // Hard links are named from the archive root, symlinks from the link's folder.
  const base = hard ? '' : path.posix.dirname(entry);
  const resolved = path.posix.normalize(path.posix.join(base, linkpath));
  if (resolved === '..' || resolved.startsWith('../') || resolved === '.') throw unsafe(entry, `a link to ${JSON.stringify(linkpath)}, outside the archive`);
  return resolved;
}

function unsafe(name: string, what: string): NxsError {
  return new NxsError('NXS_ERR_CHECKPOINT_UNSAFE_ENTRY', `the checkpoint archive entry ${JSON.stringify(name)} is refused: it has ${what}`, { entry: name });
}

/**
 * Reads every entry into memory, validating each. Links inside the root come
 * back as copies of their target file (a checkpoint never needs a real link);
 * directories are implied; devices, FIFOs and the rest are refused.
 */
export async function unpackFiles(archive: Buffer, limits: { maxEntries: number; maxBytes: number }): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const links: { name: string; target: string }[] = [];
  let failure: unknown = null;
  let total = 0;
  const { Parser } = await import('tar');
  await new Promise<void>((resolve, reject) => {
    const parser = new Parser({
      strict: true,
      onReadEntry(entry: ReadEntry) {
        if (failure) return entry.resume();
        try {
          const name = assertSafePath(entry.path);
          if (files.size + links.length >= limits.maxEntries) throw new NxsError('NXS_ERR_CHECKPOINT_INVALID', `the checkpoint archive has more than ${limits.maxEntries} entries`);
          if (entry.type === 'File' || entry.type === 'OldFile' || entry.type === 'ContiguousFile') {
            if (files.has(name)) throw new NxsError('NXS_ERR_CHECKPOINT_INVALID', `the checkpoint archive holds ${name} twice`);
            const chunks: Buffer[] = [];
            entry.on('data', (c: Buffer) => {
              total += c.length;
              if (total > limits.maxBytes && !failure) failure = new NxsError('NXS_ERR_CHECKPOINT_INVALID', `the checkpoint archive unpacks to more than ${limits.maxBytes} bytes`);
              if (!failure) chunks.push(c);
            });
            entry.on('end', () => files.set(name, Buffer.concat(chunks)));
            return;
          }
          if (entry.type === 'SymbolicLink' || entry.type === 'Link') {
            links.push({ name, target: assertLinkInside(name, entry.linkpath ?? '', entry.type === 'Link') });
          } else if (entry.type !== 'Directory') {
            throw unsafe(name, `the unsupported type ${entry.type}`);
          }
        } catch (err) {
          failure = err;
        }
        entry.resume();
      },
    });
    parser.on('error', (err: Error) => reject(new NxsError('NXS_ERR_CHECKPOINT_INVALID', `the checkpoint archive is not a valid tar: ${err.message}`)));
    parser.on('warn', (code: string, message: string) => {
      // strict mode turns warnings into errors; keep the first as the failure.
      failure ??= new NxsError('NXS_ERR_CHECKPOINT_INVALID', `the checkpoint archive is not a valid tar (${code}): ${message}`);
    });
    parser.on('end', () => resolve());
    parser.end(archive);
  });
  if (failure) throw failure;
  for (const { name, target } of links) {
    const data = files.get(target);
    if (!data) throw unsafe(name, `a link to ${target}, which is not a file in the archive`);
    files.set(name, data);
  }
  return files;
}
