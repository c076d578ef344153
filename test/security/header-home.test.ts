import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildFakeFile, type FakeFile } from '../unit/build/fake-file.ts';
import { inPrivateTmp } from './support/private-tmp.ts';
import { loadConfig } from '../../src/config/load.ts';
import { resolveNxsHome } from '../../src/runtime/nxs-home.ts';
import { NxsError } from '../../src/core/errors.ts';

// Issue 14, item 2: HOME="/mnt/John Smith" unpacked into Smith/.nxs under the working folder (or
// into /mnt/John when that existed): the header split its list of places on spaces. With HOME
// unset the runtime went to /tmp/nxs-0 while the host put data and keys in $PWD/.nxs. Now every
// path is one word; with no HOME both the header and the host take the account's home from the
// password database, else refuse (exit 5, NXS_ERR_NO_HOME); nothing lands under the working folder.

let work: string;
let fake: FakeFile;
beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'nxs-sec-home-'));
  chmodSync(work, 0o755);
  fake = buildFakeFile(path.join(work, 'fake'), '#!/bin/sh\necho "fake-nxs runtime=$NXS_RUNTIME_DIR home=${NXS_HOME:-} args=$*"\n');
  chmodSync(path.join(work, 'fake'), 0o755);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const rt = (base: string): string => `${base}/runtime/${fake.payloadSha256}`;

describe('the header with HOME holding a space, or no HOME (issue 14, item 2)', () => {
  it('HOME="<work>/John Smith" unpacks into "John Smith/.nxs", not into <work>/John nor ./Smith', () => {
    const cwd = path.join(work, 'cwd-space');
    mkdirSync(cwd);
    mkdirSync(path.join(work, 'John'));
    const home = path.join(work, 'John Smith');
    mkdirSync(home);
    const r = inPrivateTmp(work, `cd "${cwd}"; HOME="${home}" PATH=/usr/bin:/bin "${fake.file}" status; HOME="${home}" PATH=/usr/bin:/bin "${fake.file}" again`, { PATH: '/usr/bin:/bin' });
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual([`fake-nxs runtime=${rt(`${home}/.nxs`)} home= args=status`, `fake-nxs runtime=${rt(`${home}/.nxs`)} home= args=again`]);
    expect(readdirSync(path.join(work, 'John'))).toEqual([]);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it("HOME unset: the runtime and NXS_HOME (data, keys) both go to the account's home from the password database", () => {
    const cwd = path.join(work, 'cwd-nohome');
    mkdirSync(cwd);
    const acct = path.join(work, 'root-home');
    mkdirSync(acct);
    const passwd = path.join(work, 'passwd');
    writeFileSync(passwd, `root:x:0:0:root:${acct}:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n`);
    const r = inPrivateTmp(work, `cd "${cwd}"; env -u HOME PATH=/usr/bin:/bin "${fake.file}" status`, { PATH: '/usr/bin:/bin' }, { passwd });
    expect(r.stderr).toContain(`unpacked nxs 9.9.9 into ${rt(`${acct}/.nxs`)}`);
    expect(r.stdout.trim()).toBe(`fake-nxs runtime=${rt(`${acct}/.nxs`)} home=${acct}/.nxs args=status`);
    expect(readdirSync(cwd)).toEqual([]);
    // Without getent, /etc/passwd is read directly (busybox boxes).
    const bb = inPrivateTmp(work, `mkdir /tmp/bb; for t in sh tail head tar dd sha256sum mktemp rm mkdir mv chmod wc tr ls df awk cat; do ln -s /bin/busybox /tmp/bb/$t; done; cd "${cwd}"; env -u HOME PATH=/tmp/bb "${fake.file}" again`, { PATH: '/usr/bin:/bin' }, { passwd });
    expect(bb.stdout.trim()).toBe(`fake-nxs runtime=${rt(`${acct}/.nxs`)} home=${acct}/.nxs args=again`);
  });

  it('HOME unset and no entry in the password database: exit 5 with one clear line, nothing written', () => {
    const cwd = path.join(work, 'cwd-nouser');
    mkdirSync(cwd, { mode: 0o777 });
    chmodSync(cwd, 0o777);
    const r = inPrivateTmp(work, `cd "${cwd}"; env -u HOME PATH=/usr/bin:/bin setpriv --reuid=4242 --regid=4242 --clear-groups "${fake.file}" status`, { PATH: '/usr/bin:/bin' });
    expect(r.code).toBe(5);
    expect(r.stderr).toBe('nxs: HOME is unset and uid 4242 has no home in the password database; set HOME or NXS_HOME to a folder of yours\n');
    expect(r.stdout).toBe('');
    expect(readdirSync(cwd)).toEqual([]);
    // A relative HOME is no home either.
    const rel = inPrivateTmp(work, `cd "${cwd}"; HOME=rel PATH=/usr/bin:/bin setpriv --reuid=4242 --regid=4242 --clear-groups "${fake.file}" status`, { PATH: '/usr/bin:/bin' });
    expect(rel.stderr).toBe('nxs: HOME is not an absolute path: rel and uid 4242 has no home in the password database; set HOME or NXS_HOME to a folder of yours\n');
    expect(existsSync(path.join(cwd, 'rel'))).toBe(false);
  });
});

describe('the host decides NXS_HOME the same way (issue 14, item 2)', () => {
  const noAccount = (): undefined => undefined;
  it('HOME unset: the account home, never the working folder', () => {
    const { config } = loadConfig({ env: {}, accountHome: () => '/home/acct' });
    expect(config.home).toBe('/home/acct/.nxs');
    expect(config.dataDir).toBe('/home/acct/.nxs/data');
    expect(resolveNxsHome({ HOME: '/mnt/John Smith' }, noAccount)).toBe('/mnt/John Smith/.nxs');
    expect(resolveNxsHome({ HOME: 'relative', NXS_HOME: '/srv/nxs' }, noAccount)).toBe('/srv/nxs');
    expect(resolveNxsHome({ HOME: 'relative' }, () => '/home/acct')).toBe('/home/acct/.nxs');
  });

  it('HOME unset and no account home: NXS_ERR_NO_HOME (exit 5), not ./.nxs', () => {
    let err: unknown;
    try {
      loadConfig({ env: {}, accountHome: noAccount });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NxsError);
    expect((err as NxsError).code).toBe('NXS_ERR_NO_HOME');
    expect((err as NxsError).message).toBe('HOME is unset and this account has no home in the password database; set HOME or NXS_HOME to a folder of yours');
  });
});
