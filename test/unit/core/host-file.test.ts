import { describe, it, expect } from 'vitest';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { readHostFile, readLiveHostFile, pidAlive } from '../../../src/runtime/host-file.ts';
import { writeHostFile } from '../../../src/boot/host-file.ts';
import { runCli } from '../../../src/cli/program.ts';
import { REPO_ROOT } from '../../helpers/test-context.ts';

const info = (pid: number) => ({ pid, url: 'http://127.0.0.1:9', port: 9, boot_id: 'b', version: 'test', started_at: new Date(0).toISOString() });

// A pid that ran and is gone: a child that exited (its pid is not reused within the test).
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

describe('host.json of a host that was killed', () => {
  it('reads as no host, while the file itself stays readable', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nxs-hostfile-'));
    const gone = deadPid();
    expect(pidAlive(gone)).toBe(false);
    expect(pidAlive(process.pid)).toBe(true);
    writeHostFile(dir, info(gone));
    expect(readHostFile(dir)?.pid).toBe(gone);
    expect(readLiveHostFile(dir)).toBeNull();
    writeHostFile(dir, info(process.pid));
    expect(readLiveHostFile(dir)?.pid).toBe(process.pid);
  });

  it('makes CLI commands say no host runs (exit 4) instead of a dead URL not answering', async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'nxs-hostfile-cli-'));
    const dataDir = path.join(home, 'data');
    mkdirSync(dataDir, { recursive: true });
    writeHostFile(dataDir, info(deadPid()));
    const out: string[] = [];
    const code = await runCli(['agents', 'ls'], {
      version: 'test',
      env: { NXS_HOME: home, NXS_API_TOKEN: 'token-for-a-test-1234-0123456789abcdef' },
      paths: { runtimeDir: REPO_ROOT, payloadDir: path.join(REPO_ROOT, 'payload'), identityDir: path.join(REPO_ROOT, 'identity'), sqliteBinding: undefined, packed: false },
      stdout: (t: string) => out.push(t),
      stderr: (t: string) => out.push(t),
      setExitCode: () => undefined,
      isTTY: false,
    });
    expect(code).toBe(4);
    expect(out.join('')).toMatch(/no host is running for the data folder/);
  });
});
