import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startGitServer } from '../../helpers/git-server.ts';
import { backupIdentity, restoreIdentity } from '../../../src/assistant/backup/identity-backup.ts';
import type { BackupDestination } from '../../../src/assistant/config.ts';
import { startAssistantHost } from './support/host.ts';
import { runCli } from '../../../src/cli/program.ts';
import type { CliContext } from '../../../src/cli/cli-context.ts';
import { REPO_ROOT } from '../../helpers/test-context.ts';

function tempDir(): { dir: string; [Symbol.dispose](): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'nxs-idb-'));
  return { dir, [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }) };
}

function identityIn(dir: string, soul: string): string {
  const id = path.join(dir, 'identity');
  mkdirSync(id, { recursive: true });
  writeFileSync(path.join(id, 'SOUL.md'), soul);
  writeFileSync(path.join(id, 'MEMORY.md'), '# Memory\n\n- [2026-01-01] backed up fact\n');
  return id;
}

describe('identity backup and restore', () => {
  it('pushes to a folder, a local bare repository and a git server on loopback, and restores from each', async () => {
    using t = tempDir();
    await using git = await startGitServer({ auth: { user: 'nxs', password: 's3cret-token' } });
    const bare = path.join(t.dir, 'local.git');
    execFileSync('git', ['init', '-q', '--bare', bare]);
    const dests: BackupDestination[] = [
      { kind: 'folder', target: path.join(t.dir, 'usb'), branch: 'main' },
      { kind: 'git', target: bare, branch: 'main' },
      { kind: 'git', target: git.createRepo('identity'), branch: 'backup' },
    ];
    const id = identityIn(t.dir, '# Soul\nI am the backed-up soul.\n');
    const results = await backupIdentity({ identityDir: id, destinations: dests, now: new Date('2026-05-01T00:00:00Z') });
    expect(results.map((r) => r.ok)).toEqual([true, true, true]);
    // a second backup with nothing changed is a no-op for git
    const again = await backupIdentity({ identityDir: id, destinations: dests.slice(1), now: new Date('2026-05-02T00:00:00Z') });
    expect(again.map((r) => r.detail)).toEqual(['already up to date', 'already up to date']);
    for (const d of dests) {
      const target = path.join(t.dir, `restore-${dests.indexOf(d)}`);
      const r = await restoreIdentity({ identityDir: target, destinations: [d], overwrite: false });
      expect(r.files).toEqual(['SOUL.md', 'MEMORY.md']);
      expect(readFileSync(path.join(target, 'SOUL.md'), 'utf8')).toBe('# Soul\nI am the backed-up soul.\n');
    }
    expect(JSON.parse(readFileSync(path.join(t.dir, 'usb', 'nxs-identity', 'manifest.json'), 'utf8')).files).toHaveLength(2);
  });

  it('takes the first destination that answers, and says which failed when none does', async () => {
    using t = tempDir();
    await using git = await startGitServer();
    const remote = git.createRepo('id');
    const id = identityIn(t.dir, 'soul v1');
    const usb = { kind: 'folder' as const, target: path.join(t.dir, 'usb'), branch: 'main' };
    await backupIdentity({ identityDir: id, destinations: [{ kind: 'git', target: remote, branch: 'main' }, usb], now: new Date() });
    git.down();
    const target = path.join(t.dir, 'r');
    const r = await restoreIdentity({ identityDir: target, destinations: [{ kind: 'git', target: remote, branch: 'main' }, usb], overwrite: false });
    expect(r.from).toBe(`folder ${usb.target}`);
    expect(r.tried[0]!.ok).toBe(false);
    await expect(restoreIdentity({ identityDir: target, destinations: [{ kind: 'git', target: remote, branch: 'main' }, { kind: 'folder', target: path.join(t.dir, 'empty'), branch: 'main' }], overwrite: false })).rejects.toMatchObject({ code: 'NXS_ERR_IDENTITY_UNAVAILABLE' });
  });

  it('restores a missing identity at boot before falling back to the shipped default', async () => {
    using t = tempDir();
    await using git = await startGitServer();
    const remote = git.createRepo('boot');
    await backupIdentity({ identityDir: identityIn(t.dir, '# Soul\nRestored at boot.\n'), destinations: [{ kind: 'git', target: remote, branch: 'main' }], now: new Date() });
    await using h = await startAssistantHost({ assistant: { backup: { destinations: [{ git: remote }] } } });
    const soul = readFileSync(path.join(h.host.ctx.config.dataDir, 'identity', 'SOUL.md'), 'utf8');
    expect(soul).toBe('# Soul\nRestored at boot.\n');
    const log = ((await (await h.host.api('/api/boot/log')).json()) as { log: string }).log;
    expect(log).toContain('identity restored from git');
  });
});

describe('nxs memory and nxs identity (no host running)', () => {
  function cli(home: string): CliContext & { out: string[]; err: string[] } {
    const out: string[] = [];
    const err: string[] = [];
    return { version: 'test', env: { NXS_HOME: home }, paths: { runtimeDir: REPO_ROOT, payloadDir: path.join(REPO_ROOT, 'payload'), identityDir: path.join(REPO_ROOT, 'identity'), sqliteBinding: undefined, packed: false }, stdout: (s) => void out.push(s), stderr: (s) => void err.push(s), setExitCode: () => {}, isTTY: false, out, err };
  }

  it('adds, shows and forgets facts; backs up and restores; secrets in URLs are never printed', async () => {
    using t = tempDir();
    await using git = await startGitServer({ auth: { user: 'me', password: 'hunter2-token' } });
    const remote = git.createRepo('cli');
    const c = cli(t.dir);
    expect(await runCli(['memory', 'add', 'the', 'owner', 'is', 'Ada'], c)).toBe(0);
    expect(await runCli(['memory', 'show', '--json'], c)).toBe(0);
    expect(JSON.parse(c.out.at(-1)!).facts.map((f: { text: string }) => f.text)).toContain('the owner is Ada');
    expect(await runCli(['memory', 'forget', 'nothing-like-this'], c)).toBe(2);
    expect(c.err.at(-1)).toMatch(/no remembered fact contains "nothing-like-this".*\[NXS_ERR_MEMORY_INVALID\]/);
    expect(await runCli(['identity', 'backup', '--to', `git:${remote}`, '--to', path.join(t.dir, 'usb')], c)).toBe(0);
    rmSync(path.join(t.dir, 'data', 'identity'), { recursive: true });
    expect(await runCli(['identity', 'restore', '--from', `git:${remote}`], c)).toBe(0);
    expect(readFileSync(path.join(t.dir, 'data', 'identity', 'MEMORY.md'), 'utf8')).toContain('the owner is Ada');
    git.down();
    expect(await runCli(['identity', 'restore', '--from', `git:${remote}`], c)).toBe(4);
    const all = c.out.join('') + c.err.join('');
    expect(all).not.toContain('hunter2-token');
    expect(existsSync(path.join(t.dir, 'usb', 'nxs-identity', 'SOUL.md'))).toBe(false);
  });
});

describe('identity backup without a git binary (isomorphic-git)', () => {
  it('pushes to and restores from the loopback git server in pure JavaScript, interoperating with system git', async () => {
    using t = tempDir();
    await using git = await startGitServer({ auth: { user: 'nxs', password: 'pure-secret' } });
    const remote = git.createRepo('pure');
    const dest: BackupDestination[] = [{ kind: 'git', target: remote, branch: 'main' }];
    const id = identityIn(t.dir, '# Soul\npure v1\n');
    expect((await backupIdentity({ identityDir: id, destinations: dest, now: new Date(), gitImpl: 'pure' }))[0]).toMatchObject({ ok: true, detail: 'pushed 2 files' });
    expect((await backupIdentity({ identityDir: id, destinations: dest, now: new Date(), gitImpl: 'pure' }))[0]!.detail).toBe('already up to date');
    writeFileSync(path.join(id, 'SOUL.md'), '# Soul\npure v2\n');
    // the system git builds on the history isomorphic-git pushed, and the other way round
    expect((await backupIdentity({ identityDir: id, destinations: dest, now: new Date(), gitImpl: 'system' }))[0]!.detail).toBe('pushed 2 files');
    const target = path.join(t.dir, 'restored');
    await restoreIdentity({ identityDir: target, destinations: dest, overwrite: false, gitImpl: 'pure' });
    expect(readFileSync(path.join(target, 'SOUL.md'), 'utf8')).toBe('# Soul\npure v2\n');
    git.down();
    await expect(restoreIdentity({ identityDir: path.join(t.dir, 'x'), destinations: dest, overwrite: false, gitImpl: 'pure' })).rejects.toMatchObject({ code: 'NXS_ERR_IDENTITY_UNAVAILABLE' });
  });
});
