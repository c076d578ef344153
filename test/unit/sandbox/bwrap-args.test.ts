import { test, expect } from 'vitest';
import { buildBwrapArgs, limitedCommand, FORWARDER_TASKS } from '../../../src/sandbox/bwrap-args.ts';
import { buildDockerArgs } from '../../../src/sandbox/docker-backend.ts';
import type { MountTable } from '../../../src/sandbox/mount-table.ts';

const table: MountTable = {
  trust: 'main',
  forbidden: ['/root/.nxs/data', '/root/.nxs'],
  mounts: [
    { source: '/srv/ws', target: '/workspace', writable: true, kind: 'workspace' },
    { source: '/srv/docs', target: '/srv/docs', writable: false, kind: 'extra' },
  ],
};
const limits = { cpuSeconds: 10, memoryMb: 128, wallSeconds: 30, maxProcesses: 16, outputBytes: 65536 };

test('bwrap argv: every namespace unshared, dies with nxs, new session, clean env, only the planned mounts', () => {
  const a = buildBwrapArgs({ table, system: [{ path: '/usr', kind: 'bind' }, { path: '/bin', kind: 'symlink', link: 'usr/bin' }], limits, command: 'ls', egressSocket: null, prlimit: '/usr/bin/prlimit', disableUserns: true });
  for (const flag of ['--unshare-all', '--unshare-user', '--disable-userns', '--die-with-parent', '--new-session', '--clearenv']) expect(a).toContain(flag);
  const joined = a.join(' ');
  expect(joined).toContain('--bind /srv/ws /workspace');
  expect(joined).toContain('--ro-bind /srv/docs /srv/docs');
  expect(joined).toContain('--ro-bind /usr /usr');
  expect(joined).toContain('--symlink usr/bin /bin');
  expect(joined).not.toContain('/root/.nxs');
  expect(joined).not.toContain('HTTP_PROXY');
  expect(joined).not.toContain('--share-net');
  expect(a.slice(a.indexOf('--') + 1)).toEqual(['/usr/bin/prlimit', '--cpu=10', `--as=${128 * 1024 * 1024}`, '--nproc=16', '--core=0', '--', '/bin/sh', '-c', 'ls']);
  const envs = a.flatMap((x, i) => (x === '--setenv' ? [a[i + 1]] : []));
  expect(envs.sort()).toEqual(['HOME', 'LANG', 'PATH']);
});

test('with egress: the proxy socket and the forwarder are bound in, proxy variables set, forwarder threads get their own room', () => {
  const a = buildBwrapArgs({ table, system: [], limits, command: 'curl x', egressSocket: '/tmp/e/s1.sock', forwarder: { binds: [{ source: '/opt/node', target: '/run/nxs/node' }, { source: '/tmp/f/fwd.cjs', target: '/run/nxs/forwarder.js' }], argv: ['/run/nxs/node', '/run/nxs/forwarder.js'], detail: 'x' }, prlimit: null, disableUserns: false });
  const joined = a.join(' ');
  expect(joined).toContain('--ro-bind /tmp/e/s1.sock /run/nxs/egress.sock');
  expect(joined).toContain('--setenv HTTPS_PROXY http://127.0.0.1:3128');
  expect(joined).toContain('--ro-bind /opt/node /run/nxs/node --ro-bind /tmp/f/fwd.cjs /run/nxs/forwarder.js');
  expect(a).not.toContain('--disable-userns');
  const cmd = a.slice(a.indexOf('--') + 1);
  expect(cmd.slice(0, 4)).toEqual(['/run/nxs/node', '/run/nxs/forwarder.js', '/run/nxs/egress.sock', '3128']);
  expect(cmd.join(' ')).toContain(`ulimit -u ${16 + FORWARDER_TASKS}`);
});

test('without prlimit the limits are set by sh ulimit in the same shell', () => {
  const c = limitedCommand({ limits, command: 'echo hi', prlimit: null, egressSocket: null });
  expect(c[0]).toBe('/bin/sh');
  expect(c[2]).toMatch(/^ulimit -t 10 && ulimit -v 131072 && ulimit -c 0 && \{ ulimit -u 16 .* \} && exec \/bin\/sh -c "\$0"$/);
  expect(c[3]).toBe('echo hi');
});

test('the room left in the workspace is the file-size limit (RLIMIT_FSIZE), in bytes for prlimit and in 512-byte blocks for ulimit', () => {
  const fsized = { ...limits, fileSizeBytes: 10_000 };
  expect(limitedCommand({ limits: fsized, command: 'ls', prlimit: '/usr/bin/prlimit', egressSocket: null })).toContain('--fsize=10000');
  expect(limitedCommand({ limits: fsized, command: 'ls', prlimit: null, egressSocket: null })[2]).toContain('ulimit -f 19 && ');
  expect(limitedCommand({ limits, command: 'ls', prlimit: '/usr/bin/prlimit', egressSocket: null }).join(' ')).not.toContain('fsize');
  expect(buildDockerArgs('docker', 'debian:stable-slim', { command: 'ls', table, limits: fsized }, '65534:65534').join(' ')).toContain('--ulimit fsize=10000');
});

test('docker argv: no network, read-only root, non-root user, limits, mounts with their modes', () => {
  const a = buildDockerArgs('docker', 'debian:stable-slim', { command: 'ls', table, limits }, '65534:65534').join(' ');
  for (const part of ['--network none', '--read-only', '--user 65534:65534', '--cap-drop ALL', '--memory 128m', '--pids-limit 16', '--volume /srv/ws:/workspace:rw', '--volume /srv/docs:/srv/docs:ro']) expect(a).toContain(part);
});
