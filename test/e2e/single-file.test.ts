import { describe, it, expect } from 'vitest';
import { copyFileSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync, openSync, writeSync, closeSync, truncateSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import path from 'node:path';
import { NXS, runNxs, startNxs, tempDir, toolPath } from './run-nxs.ts';

function payloadSha(): string {
  const m = /^NXS_PAYLOAD_SHA256='([0-9a-f]{64})'/m.exec(readFileSync(NXS, 'latin1').slice(0, 20000));
  return m![1]!;
}

function runtimeEntries(home: string): string[] {
  const dir = path.join(home, '.nxs/runtime');
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

describe('dist/nxs on a box without node', () => {
  it('has no node on the PATH it is given', async () => {
    const home = tempDir();
    const r = await runNxs([], { home, shell: ['/bin/sh', '-c', 'command -v node || echo none'], file: '' });
    expect(r.stdout.trim()).toBe('none');
  });

  it('first run unpacks and reaches /readyz; a second run does not unpack again', async () => {
    const home = tempDir();
    const first = await startNxs([], { home });
    expect(first.stderr()).toContain('unpacked nxs');
    const ready = await fetch(`${first.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true });
    expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
    expect((await first.stop()).code).toBe(0);

    const marker = path.join(home, '.nxs/runtime', payloadSha(), '.complete');
    const before = statSync(marker).mtimeMs;
    const second = await startNxs([], { home });
    expect(second.stderr()).not.toContain('unpacked');
    expect(statSync(marker).mtimeMs).toBe(before);
    expect((await second.stop()).code).toBe(0);
    expect(runtimeEntries(home).filter((e) => !e.startsWith('.lock'))).toEqual([payloadSha()]);
  });

  for (const shell of [['/bin/dash'], ['/bin/bash'], ['/bin/busybox', 'sh']]) {
    it(`runs under ${shell.join(' ')} with only busybox tools`, async () => {
      const home = tempDir();
      const r = await runNxs(['--version'], { home, shell, path: toolPath('busybox') });
      expect(r.stderr).toContain('unpacked nxs');
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    });
  }

  it('four copies started at once all reach ready with one intact unpack', async () => {
    const home = tempDir();
    const hosts = await Promise.all([0, 1, 2, 3].map((i) => startNxs(['--data-dir', path.join(home, `data${i}`)], { home })));
    const unpacks = hosts.filter((h) => h.stderr().includes('unpacked nxs')).length;
    expect(unpacks).toBe(1);
    for (const h of hosts) expect((await fetch(`${h.url}/readyz`)).status).toBe(200);
    const codes = await Promise.all(hosts.map((h) => h.stop()));
    expect(codes.map((c) => c.code)).toEqual([0, 0, 0, 0]);
    expect(runtimeEntries(home).filter((e) => !e.startsWith('.lock'))).toEqual([payloadSha()]);
  });

  it('four copies at once under busybox (mkdir lock, no flock) also unpack once', async () => {
    const home = tempDir();
    const pathDir = toolPath('busybox');
    const runs = await Promise.all([0, 1, 2, 3].map(() => runNxs(['--version'], { home, shell: ['/bin/busybox', 'sh'], path: pathDir })));
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(runs.filter((r) => r.stderr.includes('unpacked nxs')).length).toBe(1);
    expect(runtimeEntries(home).filter((e) => !e.startsWith('.lock'))).toEqual([payloadSha()]);
  });

  it('refuses a flipped byte with one clear line and leaves nothing behind', async () => {
    const home = tempDir();
    const file = path.join(tempDir(), 'nxs');
    copyFileSync(NXS, file);
    const size = statSync(file).size;
    const fd = openSync(file, 'r+');
    const buf = Buffer.alloc(1);
    const at = size - 5000;
    const { readSync } = await import('node:fs');
    readSync(fd, buf, 0, 1, at);
    buf[0] = buf[0]! ^ 0xff;
    writeSync(fd, buf, 0, 1, at);
    closeSync(fd);
    const r = await runNxs(['--version'], { home, file });
    expect(r.code).toBe(9);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/corrupt: payload checksum [0-9a-f]{64}, expected/);
    expect(runtimeEntries(home).filter((e) => !e.startsWith('.lock'))).toEqual([]);
  });

  it('refuses a flipped byte in the shipped unzstd before running it (exit 9, nothing behind)', async () => {
    const home = tempDir();
    const file = path.join(tempDir(), 'nxs');
    copyFileSync(NXS, file);
    const headerBytes = Number(/^NXS_HEADER_BYTES=(\d+)/m.exec(readFileSync(file, 'latin1').slice(0, 20000))![1]);
    const fd = openSync(file, 'r+');
    const buf = Buffer.alloc(1);
    const { readSync } = await import('node:fs');
    readSync(fd, buf, 0, 1, headerBytes + 4096);
    buf[0] = buf[0]! ^ 0xff;
    writeSync(fd, buf, 0, 1, headerBytes + 4096);
    closeSync(fd);
    // The e2e PATH has no zstd, so the header must use (and so check) its own.
    const r = await runNxs(['--version'], { home, file });
    expect(r.code).toBe(9);
    expect(r.stderr.trim().split('\n')).toEqual([`nxs: ${file} is corrupt: its unpacker does not match its checksum; download or copy it again`]);
    expect(runtimeEntries(home).filter((e) => !e.startsWith('.lock'))).toEqual([]);
  });

  it('refuses a truncated file and names the shortfall', async () => {
    const home = tempDir();
    const file = path.join(tempDir(), 'nxs');
    copyFileSync(NXS, file);
    truncateSync(file, statSync(file).size - 1_000_000);
    const r = await runNxs(['--version'], { home, file });
    expect(r.code).toBe(9);
    expect(r.stderr).toMatch(/truncated: \d+ of \d+ bytes/);
    expect(runtimeEntries(home).filter((e) => !e.startsWith('.lock'))).toEqual([]);
  });

  it('falls back to another place when HOME cannot be written, and says where', async () => {
    const base = tempDir();
    writeFileSync(path.join(base, 'not-a-dir'), '');
    const home = path.join(base, 'not-a-dir', 'home');
    const xdg = tempDir();
    const host = await startNxs([], { home, env: { XDG_RUNTIME_DIR: xdg } });
    expect(host.stderr()).toContain(`unpacking into ${xdg}/nxs instead of ${home}/.nxs`);
    expect(host.stdout()).toContain(`data ${xdg}/nxs/data`);
    expect((await host.stop()).code).toBe(0);
    // The warm run finds the same place without unpacking again.
    const again = await runNxs(['--version'], { home, env: { XDG_RUNTIME_DIR: xdg } });
    expect(again.code).toBe(0);
    expect(again.stderr).not.toContain('unpacked');
  });

  it('header options: --nxs-info, --nxs-check, --nxs-list, --nxs-extract, unknown', async () => {
    const home = tempDir();
    const info = await runNxs(['--nxs-info'], { home });
    expect(info.stdout).toContain(`sha256    ${payloadSha()}`);
    const check = await runNxs(['--nxs-check'], { home });
    expect(check.code).toBe(0);
    const list = await runNxs(['--nxs-list'], { home });
    expect(list.stdout).toContain('bin/nxs');
    expect(list.stdout).toContain('vendor/better-sqlite3/better_sqlite3.node');
    const target = path.join(tempDir(), 'x');
    const ex = await runNxs(['--nxs-extract', target], { home });
    expect(ex.code).toBe(0);
    expect(existsSync(path.join(target, 'bin/nxs'))).toBe(true);
    // The shipped defaults travel with their parsed twin, made from their exact text.
    const defaults = readFileSync(path.join(target, 'payload/nxs.yaml'), 'utf8');
    const twin = JSON.parse(readFileSync(path.join(target, 'payload/nxs.yaml.json'), 'utf8')) as { sha256: string; doc: unknown };
    expect(twin.sha256).toBe(createHash('sha256').update(defaults).digest('hex'));
    expect(twin.doc).toMatchObject({ server: { port: 7878 } });
    expect(info.stdout).toMatch(/\(tar\.zst\)/);
    const bad = await runNxs(['--nxs-bogus'], { home });
    expect(bad.code).toBe(2);
    expect(runtimeEntries(home)).toEqual([]);
  });
});

describe('nxs start as a user runs it', () => {
  it('exits 0 on SIGTERM and on SIGINT', async () => {
    const home = tempDir();
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const host = await startNxs([], { home });
      const r = await host.stop(signal);
      expect(r.code).toBe(0);
      expect(existsSync(path.join(home, '.nxs/data/host.json'))).toBe(false);
    }
  });

  it('refuses a bad config naming the file and the key (exit 3)', async () => {
    const home = tempDir();
    const cfg = path.join(home, 'bad.yaml');
    writeFileSync(cfg, 'server:\n  port: http\n');
    const r = await runNxs(['start', '--config', cfg], { home });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`${cfg}: server.port must be an integer from 0 to 65535; got "http"`);
    const env = await runNxs(['start'], { home, env: { NXS_PORT: '99999' } });
    expect(env.code).toBe(3);
    expect(env.stderr).toContain('environment variable NXS_PORT: server.port must be an integer from 0 to 65535; got "99999"');
    const typo = await runNxs(['start', '--config', cfg], { home: tempDir() });
    expect(typo.code).toBe(3);
  });

  it('says clearly when the port is taken (exit 5)', async () => {
    const home = tempDir();
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    const r = await runNxs(['start', '--port', String(port)], { home });
    blocker.close();
    expect(r.code).toBe(5);
    expect(r.stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);
  });

  it('status asks the running host; exit 4 when none runs; usage errors exit 2', async () => {
    const home = tempDir();
    const none = await runNxs(['status'], { home });
    expect(none.code).toBe(4);
    expect(none.stderr).toContain('no host is running');
    const host = await startNxs([], { home });
    const st = await runNxs(['status', '--json'], { home });
    expect(st.code).toBe(0);
    expect(JSON.parse(st.stdout)).toMatchObject({ data_dir: path.join(home, '.nxs/data') });
    // One host per data folder: a second start on it stops at once (exit 5) and names the first.
    const dup = await runNxs(['start', '--port', '0'], { home });
    expect(dup.code).toBe(5);
    expect(dup.stderr).toMatch(/another nxs host \(pid \d+\) is running on the data folder .*\[NXS_ERR_DATA_DIR_IN_USE\]/);
    // The core ran from the code cache the build trained on a real start (V8 accepted it).
    const log = await runNxs(['boot', 'log'], { home });
    expect(log.stdout).toMatch(/process: \d+ ms since exec \(Node bootstrap \d+ ms, code loaded and CLI parsed by \d+ ms, code cache accepted\)/);
    await host.stop();
    expect((await runNxs(['bogus'], { home })).code).toBe(2);
    expect((await runNxs(['start', '--bogus'], { home })).code).toBe(2);
    expect((await runNxs(['start', '--port', 'x'], { home })).code).toBe(2);
    expect((await runNxs(['--help'], { home })).code).toBe(0);
  });
});
