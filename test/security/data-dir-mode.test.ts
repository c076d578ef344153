import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it, expect, afterAll } from 'vitest';
import { startTestHost } from '../helpers/test-host.ts';
import { spawnCli } from '../helpers/cli-session.ts';
import { NxsError } from '../../src/core/errors.ts';

// Issue 14, item 10: a data folder that already existed with group or other access (made by hand,
// or under umask 022) was used as it was, so nxs.db and MEMORY.md were readable by every local user.
// Tests run as root; "another user" is nobody (65534).

const NOBODY = 65534;
const root = mkdtempSync(path.join(tmpdir(), 'nxs-datamode-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const modeOf = (file: string): number => statSync(file).mode & 0o777;

/** Every entry below `dir`, depth first. */
function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? [p, ...walk(p)] : [p];
  });
}

async function startError(dataDir: string): Promise<NxsError> {
  try {
    await using host = await startTestHost({ env: { NXS_DATA_DIR: dataDir } });
    void host;
  } catch (err) {
    if (err instanceof NxsError) return err;
    throw err;
  }
  throw new Error('the host started');
}

describe('the data folder is private (issue 14, item 10)', () => {
  it('a world-readable data folder from an earlier start is tightened to 0700, its files to owner-only, with one log line', async () => {
    const dataDir = path.join(root, 'loose');
    // A first start fills the folder (nxs.db, api-token, the assistant's files) ...
    {
      await using first = await startTestHost({ env: { NXS_DATA_DIR: dataDir } });
      void first;
    }
    // ... then someone opens it up, as a hand-made folder under umask 022 would be.
    chmodSync(dataDir, 0o755);
    writeFileSync(path.join(dataDir, 'MEMORY.md'), '# what the assistant remembers\n', { mode: 0o644 });
    chmodSync(path.join(dataDir, 'MEMORY.md'), 0o644);
    for (const p of walk(dataDir)) chmodSync(p, statSync(p).isDirectory() ? 0o755 : 0o644);
    expect(modeOf(path.join(dataDir, 'nxs.db'))).toBe(0o644);
    const before = walk(dataDir);

    await using host = await startTestHost({ env: { NXS_DATA_DIR: dataDir } });
    expect(modeOf(dataDir)).toBe(0o700);
    // Everything that was there is owner-only now (files this start creates later sit in the 0700 folder).
    const loose = before.filter((p) => (statSync(p, { throwIfNoEntry: false })?.mode ?? 0) & 0o077);
    expect(loose).toEqual([]);
    expect(modeOf(path.join(dataDir, 'MEMORY.md'))).toBe(0o600);
    expect(modeOf(path.join(dataDir, 'nxs.db'))).toBe(0o600);
    const said = host.logLines.filter((l) => l.includes('the data folder was open to other users'));
    expect(said).toHaveLength(1);
    expect(said[0]).toContain('mode 755');
  });

  it('a data folder owned by another user is refused: NXS_ERR_DATA_DIR_UNSAFE, exit 5', async () => {
    const dataDir = path.join(root, 'theirs');
    mkdirSync(dataDir, { mode: 0o700 });
    chownSync(dataDir, NOBODY, NOBODY);
    const err = await startError(dataDir);
    expect(err.code).toBe('NXS_ERR_DATA_DIR_UNSAFE');
    expect(err.message).toContain(`belongs to uid ${NOBODY}`);

    await using nxs = spawnCli(['start', '--data-dir', dataDir], { env: { NXS_HOME: root, HOME: root, NXS_PORT: '0' } });
    expect((await nxs.exited).code).toBe(5);
    expect(nxs.stderr()).toContain('[NXS_ERR_DATA_DIR_UNSAFE]');
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it('a token planted by another user in a folder that was open to others is refused, not used', async () => {
    const dataDir = path.join(root, 'planted');
    mkdirSync(dataDir);
    chmodSync(dataDir, 0o777);
    const planted = path.join(dataDir, 'api-token');
    writeFileSync(planted, 'planted_by_nobody_token_0123456789abcdefgh\n', { mode: 0o600 });
    chownSync(planted, NOBODY, NOBODY);
    const err = await startError(dataDir);
    expect(err.code).toBe('NXS_ERR_DATA_DIR_UNSAFE');
    expect(err.message).toContain(`${planted} belongs to uid ${NOBODY}`);
  });
});
