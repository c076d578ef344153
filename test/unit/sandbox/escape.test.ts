import { describe, test, expect, afterEach } from 'vitest';
import net from 'node:net';
import http from 'node:http';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeToolbox, call, parse } from '../tools/toolbox-fixture.ts';
import { BWRAP_OK, bwrapTitle, failWhereBwrapIsRequired } from './bwrap-support.ts';

const SECRET = 'sk-nxs-test-secret-9f8e7d6c5b4a';
const main = { agentId: 'a1', trust: 'main' as const };

afterEach(() => {
  delete process.env.NXS_ESCAPE_TEST_SECRET;
});

async function listener(): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  let n = 0;
  const server = net.createServer((s) => {
    n++;
    s.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as net.AddressInfo).port, connections: () => n, close: () => new Promise((r) => server.close(() => r())) };
}

failWhereBwrapIsRequired();

describe.skipIf(!BWRAP_OK)(bwrapTitle('inside the bwrap sandbox'), () => {
  test('credentials are not reachable: environment, /proc/*/environ, the data folder, the token file, NXS_HOME', async () => {
    process.env.NXS_ESCAPE_TEST_SECRET = SECRET; // in nxs's own environment, as a provider key would be
    await using f = await makeToolbox({ env: { OPENAI_API_KEY: SECRET } });
    f.ctx.redactor.add(SECRET);
    writeFileSync(path.join(f.ctx.config.dataDir, 'api-token'), `${SECRET}\n`, { mode: 0o600 });
    writeFileSync(path.join(f.ctx.config.home, 'nxs.yaml'), `api_token: ${SECRET}\n`);
    const data = f.ctx.config.dataDir;
    const cmd = [
      'env',
      'cat /proc/*/environ 2>&1 | tr "\\0" "\\n"',
      `cat ${data}/api-token 2>&1`,
      `ls ${data} 2>&1`,
      `cat ${f.ctx.config.home}/nxs.yaml 2>&1`,
      'ls / 2>&1',
      'ls /proc | grep -c "^[0-9]"',
    ].join('; echo ---; ');
    const r = await f.toolbox.execute(call('shell', { command: cmd }), main);
    const out = parse(r.content);
    expect(r.ok).toBe(true);
    const all = `${out.stdout}\n${out.stderr}`;
    expect(all).not.toContain(SECRET);
    expect(all).not.toContain('[REDACTED]'); // a leak would have been scrubbed: make sure there was none to scrub
    expect(all).toContain(`cat: ${data}/api-token: No such file or directory`);
    expect(all).toContain(`cat: ${f.ctx.config.home}/nxs.yaml: No such file or directory`);
    const sections = String(out.stdout).split('---\n');
    expect(sections[0]!.trim().split('\n').map((l) => l.split('=')[0]).sort()).toEqual(['HOME', 'LANG', 'PATH', 'PWD']);
    const visible = ['bin', 'dev', 'etc', 'lib', 'lib32', 'lib64', 'libx32', 'proc', 'sbin', 'tmp', 'usr', 'workspace'];
    for (const entry of sections[5]!.trim().split('\n')) expect(visible).toContain(entry); // no root, home, var, run, data...
    expect(Number(sections[6]!.trim())).toBeLessThanOrEqual(4); // only the sandbox's own processes
  });

  test('the uid inside is not root, and nested user namespaces are refused', async () => {
    await using f = await makeToolbox();
    const r = parse((await f.toolbox.execute(call('shell', { command: 'id -u; unshare -Ur true 2>&1 || echo refused' }), main)).content);
    expect(r.stdout.split('\n')[0]).not.toBe('0');
    expect(r.stdout).toContain('refused');
  });

  test('a symlink planted inside towards the token file neither works inside nor through read_file', async () => {
    await using f = await makeToolbox();
    writeFileSync(path.join(f.ctx.config.dataDir, 'api-token'), `${SECRET}\n`, { mode: 0o600 });
    const token = path.join(f.ctx.config.dataDir, 'api-token');
    const r = parse((await f.toolbox.execute(call('shell', { command: `ln -s ${token} /workspace/t; ln -s ../../../../../${token} /workspace/rel; cat /workspace/t /workspace/rel 2>&1; cat /workspace/../../../${token} 2>&1` }), main)).content);
    expect(r.stdout).not.toContain(SECRET);
    for (const p of ['t', 'rel']) {
      const read = await f.toolbox.execute(call('read_file', { path: p }), main);
      expect(read.error?.code).toBe('NXS_ERR_PATH_DENIED');
      expect(read.content).not.toContain(SECRET);
    }
    expect(f.audit.entries.filter((e) => e.operation_type === 'tool.read_file' && !e.allowed)).toHaveLength(2);
  });

  test('the workspace is writable in main, read-only in other conversations (when shell is allowed there)', async () => {
    await using f = await makeToolbox({ sandbox: { shell_for_other: true } });
    const w = parse((await f.toolbox.execute(call('shell', { command: 'echo made > /workspace/m.txt && cat m.txt && echo tmp > /tmp/x && cat /tmp/x' }), main)).content);
    expect(w.stdout).toBe('made\ntmp\n');
    const o = parse((await f.toolbox.execute(call('shell', { command: 'cat m.txt; echo no > /workspace/o.txt' }), { agentId: 'a1', trust: 'other' })).content);
    expect(o.stdout).toBe('made\n');
    expect(o.stderr).toMatch(/Read-only file system/);
    expect(readdirSync(f.workspace)).toEqual(['m.txt']);
  });

  test('no network by default: a listener on 127.0.0.1 outside the sandbox is never reached', async () => {
    await using f = await makeToolbox();
    const l = await listener();
    try {
      const r = parse((await f.toolbox.execute(call('shell', { command: `bash -c 'echo hi > /dev/tcp/127.0.0.1/${l.port}' 2>&1; echo rc=$?; cat /proc/net/dev | grep -c :` }), main)).content);
      expect(r.stdout).toMatch(/Connection refused[\s\S]*rc=1/);
      expect(r.stdout.trim().endsWith('1')).toBe(true); // only the loopback interface
      expect(l.connections()).toBe(0);
    } finally {
      await l.close();
    }
  });

  test('egress goes only through the proxy: allowlisted host:port passes, anything else is denied and audited', async () => {
    const allowed = http.createServer((req, res) => res.end(`hello from ${req.url}`));
    await new Promise<void>((r) => allowed.listen(0, '127.0.0.1', r));
    const okPort = (allowed.address() as net.AddressInfo).port;
    const l = await listener();
    await using f = await makeToolbox({ sandbox: { egress: { allow: [`127.0.0.1:${okPort}`] } } });
    try {
      const viaProxy = (req: string) => `bash -c 'exec 3<>/dev/tcp/127.0.0.1/3128 && printf "${req}" >&3 && cat <&3'`;
      const cmd = [
        viaProxy(`GET http://127.0.0.1:${okPort}/hi HTTP/1.0\\r\\n\\r\\n`),
        viaProxy(`CONNECT 127.0.0.1:${l.port} HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n`),
        `bash -c 'echo > /dev/tcp/127.0.0.1/${l.port}' 2>&1 || echo direct-refused`,
      ].join('; echo; echo ---; ');
      const r = parse((await f.toolbox.execute(call('shell', { command: cmd }), main)).content);
      const [ok, denied, direct] = String(r.stdout).split('---\n');
      expect(ok).toMatch(/200 OK[\s\S]*hello from \/hi/);
      expect(denied).toMatch(/403 Forbidden[\s\S]*not on the egress allowlist/);
      expect(direct).toContain('direct-refused');
      expect(l.connections()).toBe(0);
      const deniedEntries = f.audit.entries.filter((e) => e.operation_type === 'egress.connect' && !e.allowed);
      expect(deniedEntries).toHaveLength(1);
      expect(deniedEntries[0]).toMatchObject({ agent_id: 'a1', details: { host: '127.0.0.1', port: l.port, via: 'connect' } });
    } finally {
      await l.close();
      await new Promise((r) => allowed.close(r));
    }
  });

  test('the allowed paths work: extra read-only mount visible at its own path, tools and shell agree on content', async () => {
    await using f = await makeToolbox();
    await f.toolbox.execute(call('write_file', { path: 'dir/a.txt', content: 'from the tool' }), main);
    const r = parse((await f.toolbox.execute(call('shell', { command: 'cat dir/a.txt && echo " + shell" >> dir/a.txt' }), main)).content);
    expect(r.stdout).toBe('from the tool');
    expect(readFileSync(path.join(f.workspace, 'dir/a.txt'), 'utf8')).toBe('from the tool + shell\n');
    const read = parse((await f.toolbox.execute(call('read_file', { path: '/workspace/dir/a.txt' }), main)).content);
    expect(read.content).toBe('from the tool + shell\n');
  });
});
