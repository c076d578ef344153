import type { SandboxLimits } from './backend.ts';
import type { MountTable } from './mount-table.ts';
import type { ForwarderLaunch } from './forwarder-launch.ts';

/** A host system path as it will appear inside: bound read-only, or recreated as the same symlink. */
export type SystemEntry = { path: string; kind: 'bind' } | { path: string; kind: 'symlink'; link: string };

export const SANDBOX_PATH = '/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin';
/** Inside the sandbox the egress proxy's socket is here, and the forwarder listens on this loopback port. */
export const EGRESS_SOCKET_TARGET = '/run/nxs/egress.sock';
export const EGRESS_LOCAL_PORT = 3128;
/** Threads of the in-sandbox node forwarder (main, libuv and V8 workers), measured at 7 to 11 on Node 24. */
export const FORWARDER_TASKS = 16;

export interface BwrapArgsInput {
  table: MountTable;
  system: readonly SystemEntry[];
  limits: SandboxLimits;
  command: string;
  /** Host path of the egress socket for this run, or null for no network. */
  egressSocket: string | null;
  /** How the in-sandbox forwarder starts (what to bind in, its argv), when egress is on. */
  forwarder?: ForwarderLaunch | undefined;
  /** Absolute path of `prlimit` inside (same as host, under a bound system path), or null to use sh's ulimit. */
  prlimit: string | null;
  disableUserns: boolean;
}

/** The minimal environment inside: nothing of nxs's own (no tokens, no provider keys). */
export function sandboxEnv(egress: boolean): Record<string, string> {
  const env: Record<string, string> = { PATH: SANDBOX_PATH, HOME: '/workspace', LANG: 'C.UTF-8' };
  if (egress) {
    const proxy = `http://127.0.0.1:${EGRESS_LOCAL_PORT}`;
    Object.assign(env, { HTTP_PROXY: proxy, HTTPS_PROXY: proxy, http_proxy: proxy, https_proxy: proxy, NO_PROXY: '', no_proxy: '' });
  }
  return env;
}

/**
 * bwrap's argv for one run. Pure: every path was resolved and checked before.
 * A fresh tmpfs root holds only the system paths, /proc of a new pid namespace,
 * a minimal /dev, a private /tmp, the workspace and the configured mounts.
 * Every namespace is unshared (so no network unless the proxy socket is bound
 * in); a nested user namespace is refused; the command dies with nxs.
 */
export function buildBwrapArgs(input: BwrapArgsInput): string[] {
  const a: string[] = ['bwrap', '--unshare-all', '--unshare-user'];
  if (input.disableUserns) a.push('--disable-userns');
  a.push('--die-with-parent', '--new-session', '--hostname', 'nxs-sandbox', '--clearenv');
  for (const [k, v] of Object.entries(sandboxEnv(input.egressSocket !== null))) a.push('--setenv', k, v);
  for (const e of input.system) {
    if (e.kind === 'bind') a.push('--ro-bind', e.path, e.path);
    else a.push('--symlink', e.link, e.path);
  }
  a.push('--proc', '/proc', '--dev', '/dev');
  a.push('--size', String(input.limits.memoryMb * 1024 * 1024), '--perms', '1777', '--tmpfs', '/tmp');
  // Sources are real paths resolved when the table was built; their parents are
  // outside every writable mount, so nothing in a sandbox can swap them.
  for (const m of input.table.mounts) a.push(m.writable ? '--bind' : '--ro-bind', m.source, m.target);
  if (input.egressSocket !== null) {
    a.push('--ro-bind', input.egressSocket, EGRESS_SOCKET_TARGET);
    if (input.forwarder) {
      for (const b of input.forwarder.binds) a.push('--ro-bind', b.source, b.target);
    }
  }
  a.push('--chdir', '/workspace', '--info-fd', '3', '--');
  a.push(...limitedCommand(input));
  return a;
}

/** The command under per-call rlimits: CPU seconds, address space, processes, file size (when given), no core files. */
export function limitedCommand(input: Pick<BwrapArgsInput, 'limits' | 'command' | 'prlimit' | 'egressSocket' | 'forwarder'>): string[] {
  const { limits } = input;
  const bytes = limits.memoryMb * 1024 * 1024;
  const forwarder = input.egressSocket !== null ? input.forwarder : undefined;
  const forwarding = forwarder !== undefined;
  // RLIMIT_NPROC counts every task of the uid in the sandbox's user namespace,
  // the forwarder's threads included: give them their own room.
  const nproc = limits.maxProcesses + (forwarding ? FORWARDER_TASKS : 0);
  const fsize = limits.fileSizeBytes;
  // sh's ulimit -f counts 512-byte blocks: rounded down, so the limit is never looser than asked.
  const inner = input.prlimit
    ? [input.prlimit, `--cpu=${limits.cpuSeconds}`, `--as=${bytes}`, `--nproc=${nproc}`, ...(fsize !== undefined ? [`--fsize=${fsize}`] : []), '--core=0', '--', '/bin/sh', '-c', input.command]
    : ['/bin/sh', '-c', `ulimit -t ${limits.cpuSeconds} && ulimit -v ${limits.memoryMb * 1024} && ulimit -c 0 && ${fsize !== undefined ? `ulimit -f ${Math.floor(fsize / 512)} && ` : ''}{ ulimit -u ${nproc} 2>/dev/null || ulimit -p ${nproc}; } && exec /bin/sh -c "$0"`, input.command];
  if (forwarder) {
    // The forwarder starts first, outside the rlimits (node needs a large address
    // space), and prints one line once it listens; the command runs after that.
    return [...forwarder.argv, EGRESS_SOCKET_TARGET, String(EGRESS_LOCAL_PORT), '--', ...inner];
  }
  return inner;
}
