import * as fs from 'node:fs';

// isomorphic-git (and its dependencies) load on first use: at top level they
// would cost every start of the host ~25 ms for a feature used rarely.
async function loadGit() {
  const [{ default: git }, { default: http }] = await Promise.all([import('isomorphic-git'), import('isomorphic-git/http/node')]);
  return { git, http };
}

// The fallback when the machine has no `git` binary: isomorphic-git speaks
// smart HTTP(S) only, so local bare-repository paths still need system git.

export function pureGitSupports(target: string): boolean {
  return /^https?:\/\//i.test(target);
}

/**
 * Fetches the branch into a fresh repository at `dir` and checks it out.
 * Returns false for an empty remote or a missing branch. (Not `clone`: it
 * fails when the remote's HEAD names a branch that does not exist, as in a
 * bare repository whose first push went to another branch.)
 */
export async function pureClone(target: string, branch: string, dir: string): Promise<boolean> {
  const { git, http } = await loadGit();
  fs.mkdirSync(dir, { recursive: true });
  await git.init({ fs, dir, defaultBranch: branch });
  // The temp folder is private (mkdtemp, 0700) and removed after: the URL's credential stays local.
  await git.addRemote({ fs, dir, remote: 'origin', url: target });
  let fetched: string | null;
  try {
    fetched = (await git.fetch({ fs, http, dir, remote: 'origin', ref: branch, remoteRef: branch, singleBranch: true, depth: 1, tags: false })).fetchHead;
  } catch (err) {
    const code = (err as { code?: string }).code;
    // A branch not yet pushed or an empty repository: start one. Anything else (down, 401) is a real failure.
    if (code === 'NotFoundError' || code === 'EmptyServerResponseError') return false;
    throw err;
  }
  if (!fetched) return false;
  await git.writeRef({ fs, dir, ref: `refs/heads/${branch}`, value: fetched, force: true });
  await git.checkout({ fs, dir, ref: branch, force: true });
  return true;
}

export async function purePush(target: string, branch: string, dir: string, write: (dir: string) => void, message: string): Promise<'unchanged' | 'pushed'> {
  const { git, http } = await loadGit();
  await pureClone(target, branch, dir);
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
  const { git, http } = await loadGit();
  if (!(await pureClone(target, branch, dir))) throw new Error(`branch ${branch} not found at the remote`);
}

