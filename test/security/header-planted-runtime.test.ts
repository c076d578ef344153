import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildFakeFile, type FakeFile } from '../unit/build/fake-file.ts';
import { inPrivateTmp } from './support/private-tmp.ts';

// Issue 14, item 1: the header's warm start trusted any runtime/<sha>/.complete + bin/nxs under
// its fallback folders (/tmp/nxs-<uid>, /var/tmp/nxs-<uid>, /dev/shm/nxs-<uid>, $XDG_RUNTIME_DIR/nxs)
// whoever owned them. The sha is public (--nxs-info), so another local user who made
// /tmp/nxs-0/runtime/<sha>/ first got his program run as root the next time root started nxs
// with an unusable HOME; a symlinked lock file truncated a root-owned file, and a planted
// data/api-token became the operator token. The attacker here is nobody (65534); the victim
// is root, in a private /tmp, /var/tmp and /dev/shm (support/private-tmp.ts).

const NOBODY = 65534;
let work: string;
let fake: FakeFile;
beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'nxs-sec-planted-'));
  chmodSync(work, 0o755);
  // The real runtime says where it runs and where its data goes.
  fake = buildFakeFile(path.join(work, 'fake'), '#!/bin/sh\necho "fake-nxs runtime=$NXS_RUNTIME_DIR home=${NXS_HOME:-} args=$*"\n');
  writeFileSync(path.join(work, 'not-a-dir'), '');
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** sh functions the attack scripts use: plant DIR makes DIR/runtime/<sha> a complete runtime whose program leaves $WORK/pwned. */
const prelude = (): string => `
SHA=${fake.payloadSha256}
WORK=${work}
plant() {
  mkdir -p "$1/runtime/$SHA/bin"
  printf '#!/bin/sh\\necho PWNED; : >"%s/pwned"\\n' "$WORK" >"$1/runtime/$SHA/bin/nxs"
  chmod 755 "$1/runtime/$SHA/bin/nxs"
  echo "$SHA" >"$1/runtime/$SHA/.complete"
}
victim() { HOME="$WORK/not-a-dir/home" PATH=/usr/bin:/bin "$WORK/fake/nxs" "$@"; }
`;

function attack(script: string, env: Record<string, string> = {}) {
  const r = inPrivateTmp(work, prelude() + script, { PATH: '/usr/bin:/bin', ...env });
  const lines = r.stderr.trim().split('\n');
  return { ...r, lines, pwned: existsSync(path.join(work, 'pwned')) };
}

describe('a runtime planted in a fallback folder does not run (issue 14, item 1)', () => {
  it("root with an unusable HOME skips nobody's /tmp/nxs-0 with one line and unpacks its own into /var/tmp/nxs-0", () => {
    const r = attack(`plant /tmp/nxs-0; chown -R ${NOBODY}:${NOBODY} /tmp/nxs-0; victim status`);
    expect(r.stdout).not.toContain('PWNED');
    expect(r.pwned).toBe(false);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(`fake-nxs runtime=/var/tmp/nxs-0/runtime/${fake.payloadSha256} home=/var/tmp/nxs-0 args=status`);
    expect(r.lines.filter((l) => l.includes('/tmp/nxs-0') && !l.includes('/var/tmp'))).toEqual([`nxs: /tmp/nxs-0 is owned by uid ${NOBODY}, not by you (uid 0); skipped`]);
  });

  it('every kind of unsafe folder in every fallback place is skipped with one line saying why; none runs', () => {
    const r = attack(
      `mkdir -p "$WORK/xdg" "$WORK/attacker"
       plant "$WORK/xdg/nxs"; chown -R ${NOBODY}:${NOBODY} "$WORK/xdg/nxs"
       plant /tmp/nxs-0; chmod 777 /tmp/nxs-0; chown -R ${NOBODY} /tmp/nxs-0/runtime
       plant "$WORK/attacker"; chown -R ${NOBODY}:${NOBODY} "$WORK/attacker"; ln -s "$WORK/attacker" /var/tmp/nxs-0; chown -h ${NOBODY}:${NOBODY} /var/tmp/nxs-0
       plant /dev/shm/nxs-0; chgrp -R ${NOBODY} /dev/shm/nxs-0; chmod 770 /dev/shm/nxs-0
       victim status`,
      { XDG_RUNTIME_DIR: path.join(work, 'xdg') },
    );
    expect(r.stdout).not.toContain('PWNED');
    expect(r.pwned).toBe(false);
    expect(r.code).toBe(5);
    expect(r.lines).toEqual([
      `nxs: ${work}/not-a-dir/home/.nxs is not writable or is mounted noexec; trying the next place`,
      `nxs: ${work}/xdg/nxs is owned by uid ${NOBODY}, not by you (uid 0); skipped`,
      'nxs: /tmp/nxs-0 is writable by group or others (drwxrwxrwx); skipped',
      'nxs: /var/tmp/nxs-0 is a symbolic link; skipped',
      'nxs: /dev/shm/nxs-0 is writable by group or others (drwxrwx---); skipped',
      `nxs: no safe, writable, exec-capable folder to unpack into (tried: ${work}/not-a-dir/home/.nxs, ${work}/xdg/nxs, /tmp/nxs-0, /var/tmp/nxs-0, /dev/shm/nxs-0); set NXS_HOME to a folder that is`,
    ]);
  });

  it('a runtime of ours below a folder someone else can write is not run either', () => {
    // Root's own runtime, but in a folder nobody can write into (he could swap bin/nxs).
    const r = attack(`mkdir -m 700 /tmp/nxs-0; plant /tmp/nxs-0; chmod 757 /tmp/nxs-0/runtime; victim status`);
    expect(r.pwned).toBe(false);
    expect(r.lines).toContain('nxs: /tmp/nxs-0/runtime is writable by group or others (drwxr-xrwx); skipped');
    expect(r.stdout.trim()).toBe(`fake-nxs runtime=/var/tmp/nxs-0/runtime/${fake.payloadSha256} home=/var/tmp/nxs-0 args=status`);
  });

  it("a symlinked lock file in nobody's /tmp/nxs-0 truncates nothing of root's", () => {
    const precious = path.join(work, 'precious');
    writeFileSync(precious, 'root keeps this\n');
    const r = attack(
      `mkdir -p /tmp/nxs-0/runtime; ln -s "${precious}" "/tmp/nxs-0/runtime/.lock-$SHA"
       chown -hR ${NOBODY}:${NOBODY} /tmp/nxs-0; chmod -R 777 /tmp/nxs-0
       victim status`,
    );
    expect(r.code).toBe(0);
    expect(readFileSync(precious, 'utf8')).toBe('root keeps this\n');
    expect(r.lines).toContain('nxs: /tmp/nxs-0 is writable by group or others (drwxrwxrwx); skipped');
  });

  it("a data/api-token planted in nobody's /tmp/nxs-0 never becomes root's: the data goes where the runtime went", () => {
    const r = attack(
      `mkdir -p /tmp/nxs-0/data; echo planted-operator-token-0123456789abcdef >/tmp/nxs-0/data/api-token
       chown -R ${NOBODY}:${NOBODY} /tmp/nxs-0; chmod 700 /tmp/nxs-0
       victim status`,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(' home=/var/tmp/nxs-0 ');
    expect(r.stdout).not.toContain('home=/tmp/nxs-0');
  });

  it('a fallback folder the header makes itself is 0711 (closed to listing and writing), checked, and found again on the warm run', () => {
    const r = attack(`victim status; stat -c '%a %u' /tmp/nxs-0 /tmp/nxs-0/runtime /tmp/nxs-0/runtime/$SHA; victim again`);
    expect(r.code).toBe(0);
    const out = r.stdout.trim().split('\n');
    expect(out[0]).toBe(`fake-nxs runtime=/tmp/nxs-0/runtime/${fake.payloadSha256} home=/tmp/nxs-0 args=status`);
    expect(out.slice(1, 4)).toEqual(['711 0', '711 0', '755 0']);
    expect(out[4]).toBe(`fake-nxs runtime=/tmp/nxs-0/runtime/${fake.payloadSha256} home=/tmp/nxs-0 args=again`);
  });

  it("--nxs-list runs its unpacker from a private mktemp -d folder, not a guessable name another user made first", () => {
    // In a pid namespace the header's pid is small and known: plant the old guessable names for all of them.
    const r = attack(
      `T="$WORK/list-tmp"; mkdir -m 1777 "$T"
       i=1; while [ $i -le 64 ]; do mkdir -p "$T/.nxs-list-$i.unzstd"; printf '#!/bin/sh\\necho PWNED\\n' >"$T/.nxs-list-$i.unzstd/unzstd"; i=$((i+1)); done
       chown -R ${NOBODY}:${NOBODY} "$T"/.nxs-list-*
       mkdir "$WORK/nozstd"; for t in sh tail head tar dd sha256sum mktemp rm mkdir chmod wc tr ls; do ln -sf "$(command -v $t)" "$WORK/nozstd/$t"; done
       unshare -p -f sh -c 'HOME="$1/not-a-dir/home" TMPDIR="$1/list-tmp" PATH="$1/nozstd" "$1/fake/nxs" --nxs-list' - "$WORK"
       echo "rc=$?"; ls -d "$T"/.nxs-list-*.unzstd | wc -l; stat -c '%u' "$T"/.nxs-list-*.unzstd | sort -u; ls -A "$T" | grep -vc '^\\.nxs-list-'`,
    );
    expect(r.stdout).toContain('bin/nxs');
    expect(r.stdout).not.toContain('PWNED');
    // All 64 planted folders are still there and still nobody's (root neither removed nor remade
    // one under its own pid, as the old header did), and nothing is left behind.
    expect(r.stdout.trim().split('\n').slice(-4)).toEqual(['rc=0', '64', String(NOBODY), '0']);
  });
});
