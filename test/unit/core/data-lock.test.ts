import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { lockDataDir, LOCK_FILE } from '../../../src/boot/data-lock.ts';
import { parseLock, startTimeOf } from '../../../src/runtime/pid-lock.ts';
import { startTestHost } from '../../helpers/test-host.ts';
import { startHost, type Host } from '../../../src/boot/host.ts';
import { Writable } from 'node:stream';
import { REPO_ROOT } from '../../helpers/test-context.ts';

const dir = (): string => mkdtempSync(path.join(tmpdir(), 'nxs-lock-'));

describe('one host per data folder', () => {
  it('a second lock on a held folder is refused, naming the holder; release lets the next one in', () => {
    const d = dir();
    const held = lockDataDir(d);
    expect(parseLock(readFileSync(path.join(d, LOCK_FILE), 'utf8'))).toEqual({ pid: process.pid, start: startTimeOf(process.pid) });
    expect(() => lockDataDir(d)).toThrow(expect.objectContaining({ code: 'NXS_ERR_DATA_DIR_IN_USE', message: expect.stringContaining(`another nxs host (pid ${process.pid}) is running on the data folder ${d}`) }));
    held.release();
    expect(existsSync(path.join(d, LOCK_FILE))).toBe(false);
    lockDataDir(d).release();
  });

  it('takes over a stale lock: a dead pid, a reused pid (another start time), garbage', () => {
    for (const stale of ['4194302 12345\n', `${process.pid} 1\n`, 'not a lock at all', '']) {
      const d = dir();
      writeFileSync(path.join(d, LOCK_FILE), stale);
      const l = lockDataDir(d);
      expect(parseLock(readFileSync(path.join(d, LOCK_FILE), 'utf8'))?.pid).toBe(process.pid);
      l.release();
    }
  });

  it('release never removes a lock another host took over', () => {
    const d = dir();
    const l = lockDataDir(d);
    writeFileSync(path.join(d, LOCK_FILE), '4194302 12345\n');
    l.release();
    expect(readFileSync(path.join(d, LOCK_FILE), 'utf8')).toBe('4194302 12345\n');
  });

  it('a second host on the same data folder fails to start with exit 5; the first keeps running', async () => {
    await using first = await startTestHost({ steps: [] });
    const second = startHost({
      version: 'test',
      env: { NXS_HOME: first.home, NXS_PORT: '0' },
      paths: { runtimeDir: REPO_ROOT, payloadDir: path.join(REPO_ROOT, 'payload'), identityDir: path.join(REPO_ROOT, 'identity'), sqliteBinding: undefined, packed: false },
      steps: [],
    });
    await expect(second).rejects.toMatchObject({ code: 'NXS_ERR_DATA_DIR_IN_USE' });
    expect((await first.api('/readyz')).status).toBe(200);
  });

  it('a start refused after the store opened (a weak token) releases the store and the lock: the next start on the folder succeeds', async () => {
    const home = dir();
    const start = (env: Record<string, string>) =>
      startHost({
        version: 'test',
        env: { NXS_HOME: home, NXS_PORT: '0', ...env },
        paths: { runtimeDir: REPO_ROOT, payloadDir: path.join(REPO_ROOT, 'payload'), identityDir: path.join(REPO_ROOT, 'identity'), sqliteBinding: undefined, packed: false },
        logDestination: new Writable({ write: (_chunk, _enc, cb) => cb() }),
        steps: [],
      });
    await expect(start({ NXS_API_TOKEN: 'aaaaaaaa' })).rejects.toMatchObject({ code: 'NXS_ERR_TOKEN_WEAK' });
    expect(existsSync(path.join(home, LOCK_FILE))).toBe(false);
    const host = await start({});
    try {
      expect((await fetch(`${host.url}/readyz`)).status).toBe(200);
      // The refused start's boot was recorded in the store it closed; this one reads it back.
      expect(readBootList(host)).toHaveLength(2);
    } finally {
      await host.stop('test done');
    }
  });
});

function readBootList(host: Host): unknown[] {
  return host.ctx.db.prepare('SELECT boot_id FROM boots').all();
}
