import { execFile } from 'node:child_process';
import { NxsError } from '../../core/errors.ts';

/** Runs the system git without a prompt (a missing credential fails instead of hanging the host). */
export function git(args: string[], cwd: string, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd, timeout: timeoutMs, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cwd, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1', LC_ALL: 'C' }, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') reject(new NxsError('NXS_ERR_BACKUP_FAILED', 'git is not installed (apt-get install git)'));
        else reject(new Error(`git ${args[0]} failed: ${String(stderr || err.message).trim().split('\n').slice(-2).join(' ')}`));
      } else resolve(stdout);
    });
  });
}

/** The password in a URL like https://user:token@host/repo, to register with the redactor. */
export function urlSecret(url: string): string | undefined {
  try {
    const u = new URL(url);
    return u.password ? decodeURIComponent(u.password) : u.username && u.protocol.startsWith('http') ? decodeURIComponent(u.username) : undefined;
  } catch {
    return undefined;
  }
}

let systemGit: Promise<boolean> | null = null;
/** Whether a `git` binary runs here (asked once per process). */
export function hasSystemGit(): Promise<boolean> {
  systemGit ??= git(['--version'], process.cwd(), 5_000).then(() => true, () => false);
  return systemGit;
}

export type GitImpl = 'auto' | 'system' | 'pure';

/** auto: the system git when present, else isomorphic-git (HTTP remotes only). */
export async function pickGit(impl: GitImpl, target: string, pureSupports: (t: string) => boolean): Promise<'system' | 'pure'> {
  if (impl !== 'auto') return impl;
  if (await hasSystemGit()) return 'system';
  if (pureSupports(target)) return 'pure';
  throw new NxsError('NXS_ERR_BACKUP_FAILED', `git is not installed and ${target} is not an http(s) remote (install git: apt-get install git)`);
}
