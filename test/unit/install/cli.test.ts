import { describe, it, expect } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../../../src/cli/program.ts';
import type { CliContext } from '../../../src/cli/cli-context.ts';
import { REPO_ROOT } from '../../helpers/test-context.ts';
import { signRelease } from '../../../build/release.ts';

async function cli(env: Record<string, string>, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const ctx: CliContext = {
    version: 'test',
    env,
    paths: { runtimeDir: REPO_ROOT, payloadDir: path.join(REPO_ROOT, 'payload'), identityDir: path.join(REPO_ROOT, 'identity'), sqliteBinding: undefined, packed: false },
    stdout: (t) => (out += t),
    stderr: (t) => (err += t),
    setExitCode: () => {},
    isTTY: false,
  };
  return { code: await runCli(argv, ctx), out, err };
}

describe('install, uninstall and verify commands', () => {
  it('install --dry-run prints the unit for the chosen tier and changes nothing', async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'nxs-cli-'));
    try {
      const r = await cli({ HOME: home, NXS_HOME: path.join(home, '.nxs') }, 'install', '--dry-run', '--user-unit', '--tier', 'standard', '--port', '8080');
      expect(r.code).toBe(0);
      expect(r.out).toContain(`# user unit ${home}/.config/systemd/user/nxs.service`);
      expect(r.out).toContain(`ExecStart=${home}/.local/bin/nxs --nxs-quiet start --port 8080`);
      expect(r.out).toContain('MemoryMax=2G');
      expect(r.out).toContain('Type=notify');
      expect(r.out).toContain('WatchdogSec=60s');
      const wd = await cli({ HOME: home }, 'install', '--dry-run', '--user-unit', '--tier', 'minimal', '--watchdog-sec', '120');
      expect(wd.out).toContain('WatchdogSec=120s');
      expect((await cli({ HOME: home }, 'install', '--dry-run', '--user-unit', '--tier', 'minimal', '--watchdog-sec', '0')).out).not.toContain('WatchdogSec=');
      const badWd = await cli({ HOME: home }, 'install', '--dry-run', '--user-unit', '--watchdog-sec', '3');
      expect(badWd.code).toBe(2);
      expect(badWd.err).toMatch(/--watchdog-sec must be 0 \(no watchdog\) or whole seconds from 10 to 86400; got 3/);
      expect((await cli({ HOME: home }, 'install', '--dry-run', '--tier', 'huge')).code).toBe(2);
      expect((await cli({ HOME: home }, 'install', '--dry-run', '--port', 'x')).code).toBe(2);
      // Not started from the single file and no --from: a clear environment error.
      const nofile = await cli({ HOME: home }, 'install', '--user-unit', '--bin-dir', path.join(home, 'bin'));
      expect(nofile.code).toBe(5);
      expect(nofile.err).toMatch(/NXS_SELF is unset.*--from.*\[NXS_ERR_INSTALL_SOURCE\]/);
      expect((await cli({ HOME: home }, 'uninstall', '--user-unit')).out).toMatch(/nothing to remove/);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('verify exits 0 for a good file and 9 with one clear line for a damaged one', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nxs-cli-verify-'));
    try {
      const file = path.join(dir, 'nxs');
      writeFileSync(file, 'release bytes');
      await signRelease([file], generateKeyPairSync('ed25519').privateKey, dir);
      const ok = await cli({}, 'verify', file, '--json');
      expect(ok.code).toBe(0);
      expect(JSON.parse(ok.out)).toMatchObject({ name: 'nxs', checked: 'checksum', signature: null });
      // Run from source no key is built in, and the nxs-release.pub beside the file is not taken for one.
      const plain = await cli({}, 'verify', file);
      expect(plain.out).toMatch(/^ok \(checksum only\): nxs\nchecked: the sha256 of nxs \([0-9a-f]{64}\) is the one .*SHA256SUMS lists\nnot checked: who made the list; this nxs has no release key built in/);
      const pinned = await cli({}, 'verify', file, '--key', path.join(dir, 'nxs-release.pub'));
      expect(pinned.out).toMatch(/\nchecked: .*SHA256SUMS\.sig is a valid signature of that list by the key in .*nxs-release\.pub, fingerprint [0-9a-f]{16}\n$/);
      appendFileSync(file, '!');
      const bad = await cli({}, 'verify', file);
      expect(bad.code).toBe(9);
      expect(bad.err.trim().split('\n')).toHaveLength(1);
      expect(bad.err).toMatch(/does not match the signed checksum.*\[NXS_ERR_VERIFY_FAILED\]/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
