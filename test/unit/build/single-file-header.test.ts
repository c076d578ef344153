import { describe, it, expect, beforeAll } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, statSync, symlinkSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { toolPath } from '../../helpers/header-tools.ts';
import { buildFakeFile, flipByte, type FakeFile } from './fake-file.ts';

// The header's unpack path on a small file made the way build.ts makes dist/nxs
// (test/e2e/single-file.test.ts runs the same cases on the real, built file).
let fake: FakeFile;
let systemPath: string;
let busyboxPath: string;
beforeAll(() => {
  fake = buildFakeFile();
  systemPath = toolPath('system');
  busyboxPath = toolPath('busybox');
});

const temp = (p = 'nxs-hdr-'): string => mkdtempSync(path.join(tmpdir(), p));

function run(args: string[], opts: { home: string; file?: string; shell?: string[]; path?: string; env?: Record<string, string> }) {
  const [cmd, ...pre] = [...(opts.shell ?? ['/bin/sh']), opts.file ?? fake.file];
  const r = spawnSync(cmd!, [...pre, ...args], { env: { HOME: opts.home, PATH: opts.path ?? systemPath, ...opts.env }, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** What is left in <home>/.nxs/runtime apart from lock files. */
function left(home: string): string[] {
  const dir = path.join(home, '.nxs/runtime');
  return existsSync(dir) ? readdirSync(dir).filter((e) => !e.startsWith('.lock')).sort() : [];
}

function copyOfFake(): string {
  const file = path.join(temp(), 'nxs');
  copyFileSync(fake.file, file);
  return file;
}

describe('the header with a zstd payload and its shipped unzstd', () => {
  for (const shell of [['/bin/dash'], ['/bin/bash'], ['/bin/busybox', 'sh']]) {
    it(`unpacks once and execs bin/nxs with the arguments under ${shell.join(' ')} (busybox tools only)`, () => {
      const home = temp();
      const first = run(['start', '--port', '0'], { home, shell, path: busyboxPath });
      expect(first.stderr).toContain('unpacked nxs 9.9.9');
      expect(first.code).toBe(0);
      expect(first.stdout.trim()).toBe(`fake-nxs runtime=${home}/.nxs/runtime/${fake.payloadSha256} args=start --port 0`);
      // Nothing but the runtime: the helper, the error capture and the temp folder are gone.
      expect(left(home)).toEqual([fake.payloadSha256]);
      const second = run(['x'], { home, shell, path: busyboxPath });
      expect(second.stderr).toBe('');
      expect(second.stdout).toContain('args=x');
    });
  }

  it('a warm start needs only dd and sha256sum (its own check) and ls (are the folders still ours?)', () => {
    const home = temp();
    expect(run(['--version'], { home }).code).toBe(0);
    const bare = temp('nxs-warm-path-');
    for (const tool of ['dd', 'sha256sum', 'ls']) symlinkSync(path.join(systemPath, tool), path.join(bare, tool));
    const warm = run(['--version'], { home, path: bare });
    expect(warm.stderr).toBe('');
    expect(warm.stdout).toContain('args=--version');
    // Without them it cannot check itself: exit 5 with one line, before anything runs.
    const none = run(['--version'], { home, path: temp('nxs-empty-path-') });
    expect(none.code).toBe(5);
    expect(none.stderr).toBe(`nxs: cannot check ${fake.file}: it needs dd and sha256sum (or busybox)\n`);
  });

  it('refuses a flipped payload byte with one line, exit 9, and leaves nothing behind', () => {
    const file = copyOfFake();
    flipByte(file, statSync(file).size - Math.floor(fake.payloadBytes / 2));
    const home = temp();
    const r = run(['--version'], { home, file });
    expect(r.code).toBe(9);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/corrupt: payload checksum [0-9a-f]{64}, expected [0-9a-f]{64}/);
    expect(r.stdout).toBe('');
    expect(left(home)).toEqual([]);
  });

  it('refuses a flipped byte in the shipped unzstd before running it: exit 9, nothing behind', () => {
    const file = copyOfFake();
    flipByte(file, fake.headerBytes + Math.floor(fake.helperBytes / 2));
    const home = temp();
    const r = run(['--version'], { home, file });
    expect(r.code).toBe(9);
    expect(r.stderr.trim().split('\n')).toEqual([`nxs: ${file} is corrupt: its unpacker does not match its checksum; download or copy it again`]);
    expect(left(home)).toEqual([]);
    // --nxs-check looks at the payload only; --nxs-extract needs the unpacker and refuses.
    const dest = path.join(temp(), 'x');
    expect(run(['--nxs-extract', dest], { home, file }).code).toBe(9);
    expect(existsSync(dest)).toBe(false);
  });

  it("uses the system's zstd when there is one (the shipped unzstd is then not even read)", () => {
    const file = copyOfFake();
    flipByte(file, fake.headerBytes + 100);
    const withZstd = toolPath('system');
    symlinkSync(execFileSync('sh', ['-c', 'command -v zstd'], { encoding: 'utf8' }).trim(), path.join(withZstd, 'zstd'));
    const home = temp();
    const r = run(['--version'], { home, file, path: withZstd });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('args=--version');
    expect(left(home)).toEqual([fake.payloadSha256]);
  });

  it('refuses a truncated file naming the shortfall', () => {
    const file = copyOfFake();
    truncateSync(file, statSync(file).size - 100);
    const home = temp();
    const r = run(['--version'], { home, file });
    expect(r.code).toBe(9);
    expect(r.stderr).toMatch(/truncated: \d+ of \d+ bytes/);
    expect(left(home)).toEqual([]);
  });

  it('header options: --nxs-info says tar.zst; --nxs-check, --nxs-list, --nxs-extract; unknown exits 2', () => {
    const home = temp();
    const info = run(['--nxs-info'], { home });
    expect(info.stdout).toMatch(/payload {3}\d+ bytes \(tar\.zst\)/);
    expect(info.stdout).toMatch(new RegExp(`unzstd {4}${fake.helperBytes} bytes \\(static, sha256 [0-9a-f]{64}\\)`));
    expect(run(['--nxs-check'], { home }).code).toBe(0);
    const listTmp = temp();
    const list = run(['--nxs-list'], { home, env: { TMPDIR: listTmp } });
    expect(list.code).toBe(0);
    expect(list.stdout).toContain('bin/nxs');
    expect(readdirSync(listTmp)).toEqual([]);
    const parent = temp();
    const ex = run(['--nxs-extract', path.join(parent, 'x')], { home });
    expect(ex.code).toBe(0);
    expect(readdirSync(parent)).toEqual(['x']);
    expect(existsSync(path.join(parent, 'x/bin/nxs'))).toBe(true);
    expect(run(['--nxs-extract', path.join(parent, 'x')], { home }).code).toBe(5);
    expect(run(['--nxs-bogus'], { home }).code).toBe(2);
    expect(left(home)).toEqual([]);
  });
});
