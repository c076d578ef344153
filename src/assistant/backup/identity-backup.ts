import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { NxsError, errorMessage } from '../../core/errors.ts';
import { writeFileAtomic } from '../../runtime/atomic-write.ts';
import type { BackupDestination } from '../config.ts';
import { IDENTITY_FILES } from '../identity/identity-files.ts';
import { git, pickGit, type GitImpl } from './git.ts';
import { pureFetch, purePush, pureGitSupports } from './pure-git.ts';

// Identity backup (seed 001 §5): the same small set of files to several
// places, so losing the machine, the disk or one remote loses nothing.
// Folders get a `nxs-identity/` subfolder; git remotes a branch.

export const BACKUP_SUBDIR = 'nxs-identity';

export interface BackupResult {
  destination: string;
  ok: boolean;
  detail: string;
}

function describeDest(d: BackupDestination): string {
  return d.kind === 'git' ? `git ${d.target} (${d.branch})` : `folder ${d.target}`;
}

/** The files to back up: identity files that exist, and optionally one checkpoint file. */
function collect(identityDir: string, checkpointFile: string | undefined): { name: string; from: string }[] {
  const files: { name: string; from: string }[] = IDENTITY_FILES.filter((f) => existsSync(path.join(identityDir, f))).map((f) => ({ name: f, from: path.join(identityDir, f) }));
  if (checkpointFile && existsSync(checkpointFile)) files.push({ name: `checkpoint/${path.basename(checkpointFile)}`, from: checkpointFile });
  return files;
}

// No timestamp inside: an unchanged identity gives an unchanged manifest, so git sees nothing to commit.
function manifest(files: { name: string; from: string }[]): string {
  return JSON.stringify({ files: files.map((f) => ({ name: f.name, bytes: statSync(f.from).size, sha256: createHash('sha256').update(readFileSync(f.from)).digest('hex') })) }, null, 2) + '\n';
}

function copyInto(dir: string, files: { name: string; from: string }[]): void {
  for (const f of files) {
    const to = path.join(dir, f.name);
    mkdirSync(path.dirname(to), { recursive: true });
    writeFileAtomic(to, readFileSync(f.from), 0o600);
  }
  writeFileAtomic(path.join(dir, 'manifest.json'), manifest(files), 0o600);
}

export async function backupIdentity(opts: { identityDir: string; destinations: BackupDestination[]; checkpointFile?: string; now: Date; gitImpl?: GitImpl }): Promise<BackupResult[]> {
  if (opts.destinations.length === 0) throw new NxsError('NXS_ERR_IDENTITY_UNAVAILABLE', 'no backup destination: add assistant.backup.destinations (git: <url> or folder: <path>) or pass --to');
  const files = collect(opts.identityDir, opts.checkpointFile);
  if (!files.length) throw new NxsError('NXS_ERR_IDENTITY_UNAVAILABLE', `no identity files in ${opts.identityDir} to back up`);
  const results: BackupResult[] = [];
  for (const d of opts.destinations) {
    try {
      if (d.kind === 'folder') {
        copyInto(path.join(d.target, BACKUP_SUBDIR), files);
        results.push({ destination: describeDest(d), ok: true, detail: `${files.length} files` });
      } else {
        results.push({ destination: describeDest(d), ok: true, detail: await pushGit(d, files, opts.now, opts.gitImpl ?? 'auto') });
      }
    } catch (err) {
      results.push({ destination: describeDest(d), ok: false, detail: errorMessage(err) });
    }
  }
  return results;
}

async function pushGit(d: BackupDestination, files: { name: string; from: string }[], now: Date, impl: GitImpl): Promise<string> {
  const work = mkdtempSync(path.join(tmpdir(), 'nxs-backup-'));
  try {
    if ((await pickGit(impl, d.target, pureGitSupports)) === 'pure') {
      const r = await purePush(d.target, d.branch, path.join(work, 'r'), (dir) => copyInto(dir, files), `identity backup ${now.toISOString()}`);
      return r === 'unchanged' ? 'already up to date' : `pushed ${files.length} files`;
    }
    await git(['init', '-q', '-b', d.branch], work);
    // An existing branch is built upon (history kept); a new remote starts it.
    const fetched = await git(['fetch', '-q', '--depth', '1', d.target, d.branch], work).then(() => true, () => false);
    if (fetched) await git(['checkout', '-q', '-B', d.branch, 'FETCH_HEAD'], work);
    copyInto(work, files);
    await git(['add', '-A'], work);
    const changed = (await git(['status', '--porcelain'], work)).trim() !== '';
    if (!changed) return 'already up to date';
    await git(['-c', 'user.name=nxs', '-c', 'user.email=nxs@localhost', '-c', 'commit.gpgsign=false', 'commit', '-q', '-m', `identity backup ${now.toISOString()}`], work);
    await git(['push', '-q', d.target, `HEAD:refs/heads/${d.branch}`], work);
    return `pushed ${files.length} files`;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Restores identity files from the first destination that answers with
 * identity files. Only files that are missing are written unless `overwrite`.
 */
export async function restoreIdentity(opts: { identityDir: string; destinations: BackupDestination[]; overwrite: boolean; gitImpl?: GitImpl }): Promise<{ from: string; files: string[]; tried: BackupResult[] }> {
  const tried: BackupResult[] = [];
  for (const d of opts.destinations) {
    let src: string | null = null;
    let cleanup: string | null = null;
    try {
      if (d.kind === 'folder') src = path.join(d.target, BACKUP_SUBDIR);
      else {
        cleanup = mkdtempSync(path.join(tmpdir(), 'nxs-restore-'));
        if ((await pickGit(opts.gitImpl ?? 'auto', d.target, pureGitSupports)) === 'pure') await pureFetch(d.target, d.branch, path.join(cleanup, 'r'));
        else await git(['clone', '-q', '--depth', '1', '--branch', d.branch, d.target, path.join(cleanup, 'r')], cleanup);
        src = path.join(cleanup, 'r');
      }
      if (!IDENTITY_FILES.some((f) => existsSync(path.join(src!, f)))) throw new Error(`no identity files there (${IDENTITY_FILES.join(', ')})`);
      mkdirSync(opts.identityDir, { recursive: true });
      const files: string[] = [];
      for (const f of IDENTITY_FILES) {
        const from = path.join(src, f);
        const to = path.join(opts.identityDir, f);
        if (!existsSync(from) || (!opts.overwrite && existsSync(to))) continue;
        writeFileAtomic(to, readFileSync(from), 0o600);
        files.push(f);
      }
      tried.push({ destination: describeDest(d), ok: true, detail: files.join(', ') || 'nothing missing' });
      return { from: describeDest(d), files, tried };
    } catch (err) {
      tried.push({ destination: describeDest(d), ok: false, detail: errorMessage(err) });
    } finally {
      if (cleanup) rmSync(cleanup, { recursive: true, force: true });
    }
  }
  throw new NxsError('NXS_ERR_IDENTITY_UNAVAILABLE', `no backup destination answered: ${tried.map((t) => `${t.destination}: ${t.detail}`).join('; ') || 'none configured'}`, { tried });
}

