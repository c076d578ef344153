import { spawnSync } from 'node:child_process';

export interface BoxResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

// The header's fallback places are fixed system paths (/tmp/nxs-<uid>, /var/tmp/nxs-<uid>,
// /dev/shm/nxs-<uid>); planting in the real ones would meddle with every other test and
// with the machine. So each attack runs in its own mount namespace (unshare -m, we are
// root): fresh tmpfs on those three folders, the test's own work folder (under /tmp)
// bound back at its usual path, and optionally its own /etc/passwd.
const SETUP = `set -e
mount --make-rprivate /
mount -t tmpfs -o mode=0700 nxs-stash /mnt
mkdir /mnt/work
mount --bind "$NXS_BOX_WORK" /mnt/work
for d in /tmp /var/tmp /dev/shm; do mount -t tmpfs -o mode=1777 nxs-private "$d"; done
mkdir -p "$NXS_BOX_WORK"
mount --bind /mnt/work "$NXS_BOX_WORK"
if [ -n "$NXS_BOX_PASSWD" ]; then mount --bind "$NXS_BOX_PASSWD" /etc/passwd; fi
unset NXS_BOX_WORK NXS_BOX_PASSWD
set +e
`;

/**
 * Runs the sh `script` inside a private /tmp, /var/tmp and /dev/shm, with `env` only;
 * `work` (a folder under /tmp) stays visible at its path and keeps what the script writes.
 */
export function inPrivateTmp(work: string, script: string, env: Record<string, string>, opts: { passwd?: string } = {}): BoxResult {
  const r = spawnSync('unshare', ['-m', 'sh', '-c', SETUP + script], {
    env: { ...env, NXS_BOX_WORK: work, NXS_BOX_PASSWD: opts.passwd ?? '' },
    encoding: 'utf8',
  });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
