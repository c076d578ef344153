import { mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it, expect, afterAll } from 'vitest';
import { spawnCli } from '../helpers/cli-session.ts';
import { loadConfig } from '../../src/config/load.ts';
import { MAX_CONFIG_BYTES } from '../../src/config/config-file.ts';
import { NxsError } from '../../src/core/errors.ts';

// Issue 14, item 10: `--config /dev/zero` grew memory at 350 MB/s and ignored SIGTERM, a FIFO hung
// the start, and `--config /etc/shadow` echoed its first line in the error.

const home = mkdtempSync(path.join(tmpdir(), 'nxs-cfgfile-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

/** `nxs start --config <file>` as a user runs it; resolves with its exit code and stderr. */
async function startWith(file: string): Promise<{ code: number | null; stderr: string }> {
  await using nxs = spawnCli(['start', '--config', file], { env: { NXS_HOME: home, HOME: home, NXS_PORT: '0' } });
  // A deadline only for the old, broken behaviour (it read forever or hung on the FIFO).
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`nxs start --config ${file} did not exit\n${nxs.stderr()}`)), 20_000)));
  try {
    const { code } = await Promise.race([nxs.exited, deadline]);
    return { code, stderr: nxs.stderr() };
  } finally {
    clearTimeout(timer);
  }
}

function errorOf(fn: () => unknown): NxsError {
  try {
    fn();
  } catch (err) {
    if (err instanceof NxsError) return err;
    throw err;
  }
  throw new Error('expected an NxsError');
}

describe('the config file is read only when it is a small regular file (issue 14, item 10)', () => {
  it('--config /dev/zero exits at once with exit 3, reading nothing from the device', async () => {
    const r = await startWith('/dev/zero');
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('/dev/zero is a character device, not a regular file');
    expect(r.stderr).toContain('[NXS_ERR_CONFIG_UNREADABLE]');
  });

  it('--config on a FIFO with no writer does not hang: exit 3', async () => {
    const fifo = path.join(home, 'config.fifo');
    execFileSync('mkfifo', [fifo]);
    const r = await startWith(fifo);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('is a FIFO (named pipe), not a regular file');
  });

  it('a file larger than the bound is refused after reading one byte past it', () => {
    const big = path.join(home, 'big.yaml');
    writeFileSync(big, `# ${'x'.repeat(MAX_CONFIG_BYTES)}\ntier: auto\n`);
    const err = errorOf(() => loadConfig({ env: { NXS_HOME: home, NXS_CONFIG: big } }));
    expect(err.code).toBe('NXS_ERR_CONFIG_UNREADABLE');
    expect(err.message).toContain(`is larger than ${MAX_CONFIG_BYTES} bytes`);
  });

  it('a directory is refused by name', () => {
    const err = errorOf(() => loadConfig({ env: { NXS_HOME: home }, flags: { config: home } }));
    expect(err.code).toBe('NXS_ERR_CONFIG_UNREADABLE');
    expect(err.message).toContain('is a directory');
  });
});

describe('a file that is not an nxs config is never quoted (issue 14, item 10)', () => {
  // A shadow file as Debian writes it: each line parses as a YAML key, so the unknown-key message
  // used to print the first line, hash and all. A copy with a known hash, and the real one when there is one.
  const fake = path.join(home, 'shadow');
  writeFileSync(fake, 'root:$6$N0tSalt$SECRETHASHa1b2c3d4e5f6g7h8i9j0:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n', { mode: 0o600 });
  const files = [fake, ...(existsSync('/etc/shadow') ? ['/etc/shadow'] : [])];

  it.each(files)('--config %s: exit 3, "not an nxs config" with the line and column, and none of its text', async (file) => {
    const r = await startWith(file);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`${file} is not an nxs config`);
    expect(r.stderr).toContain('line 1, column 1');
    expect(r.stderr).toContain('[NXS_ERR_CONFIG_INVALID]');
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return; // not readable by this user: nxs could not have printed it either
    }
    for (const line of text.split('\n').filter(Boolean)) {
      // No line, and no field longer than a few characters (user names, hashes), reaches stderr.
      expect(r.stderr).not.toContain(line);
      for (const field of line.split(':').filter((f) => f.length > 4)) expect(r.stderr).not.toContain(field);
    }
  });

  it('a YAML syntax error names the line, the column and the kind of mistake, not the text', () => {
    const file = path.join(home, 'broken.yaml');
    writeFileSync(file, 'tier: auto\nsecret_like: "abc\\qTOPSECRET"\n');
    const err = errorOf(() => loadConfig({ env: { NXS_HOME: home, NXS_CONFIG: file } }));
    expect(err.code).toBe('NXS_ERR_CONFIG_UNREADABLE');
    expect(err.message).toBe(`${file} at line 2, column 18: not valid YAML: an invalid escape in a double-quoted string (BAD_DQ_ESCAPE)`);
  });

  it('a typo in a real config is still named, so it can be fixed', () => {
    const file = path.join(home, 'typo.yaml');
    writeFileSync(file, 'sever:\n  port: 1\n');
    const err = errorOf(() => loadConfig({ env: { NXS_HOME: home, NXS_CONFIG: file } }));
    expect(err.message).toContain(`${file}: sever must be one of the known keys of the config`);
  });
});
