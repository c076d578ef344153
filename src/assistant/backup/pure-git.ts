import * as fs from 'node:fs';
import git from 'isomorphic-git';
import http from 'isomorphic-git/http/node';

// The fallback when the machine has no `git` binary: isomorphic-git speaks
// smart HTTP(S) only, so local bare-repository paths still need system git.

export function pureGitSupports(target: string): boolean {
  return /^https?:\/\//i.test(target);
}

/** Fetches the branch into `dir` if it exists; returns false for an empty remote or a missing branch. */
export async function pureClone(target: string, branch: string, dir: string): Promise<boolean> {
  try {
    await git.clone({ fs, http, dir, url: target, ref: branch, singleBranch: true, depth: 1, noTags: true });
  } catch (err) {
    const code = (err as { code?: string }).code;
    // An empty repository or a branch not yet pushed: start one. Anything else (down, 401) is a real failure.
    if (code === 'NotFoundError' || code === 'EmptyServerResponseError' || code === 'ResolveRefError') return false;
    throw err;
  }
  // Cloning an empty repository "succeeds" with no commit (and HEAD on another branch name).
  try {
    await git.resolveRef({ fs, dir, ref: branch });
    return true;
  } catch {
    return false;
  }
}

export async function purePush(target: string, branch: string, dir: string, write: (dir: string) => void, message: string): Promise<'unchanged' | 'pushed'> {
  const existed = await pureClone(target, branch, dir);
  if (!existed) {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    await git.init({ fs, dir, defaultBranch: branch });
  }
  write(dir);
  let changed = false;
  for (const [file, head, work] of await git.statusMatrix({ fs, dir })) {
    if (head === work && work === 1) continue;
    changed = true;
    if (work === 0) await git.remove({ fs, dir, filepath: file });
    else await git.add({ fs, dir, filepath: file });
  }
  if (!changed) return 'unchanged';
  await git.commit({ fs, dir, message, author: { name: 'nxs', email: 'nxs@localhost' } });
  await git.push({ fs, http, dir, url: target, ref: branch, remoteRef: branch });
  return 'pushed';
}

/** Clones the branch into `dir`; throws when the remote does not answer or has no such branch. */
export async function pureFetch(target: string, branch: string, dir: string): Promise<void> {
  if (!(await pureClone(target, branch, dir))) throw new Error(`branch ${branch} not found at the remote`);
}

