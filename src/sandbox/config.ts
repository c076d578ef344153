import path from 'node:path';
import type { ConfigSection } from '../config/section.ts';
import type { ConfigCheck } from '../config/check.ts';
import { parseEgressRule, type EgressRule } from './egress-policy.ts';

export const BACKEND_CHOICES = ['auto', 'bwrap', 'docker', 'none'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

export interface ExtraMount {
  /** Absolute host path; it appears at the same path inside the sandbox. */
  path: string;
  /** Writable for main conversations only; non-main always sees it read-only. */
  writable: boolean;
}

export interface SandboxConfig {
  backend: BackendChoice;
  /** The agents' writable folder, seen as /workspace inside. Undefined: <home>/workspace. */
  workspace: string | undefined;
  mounts: ExtraMount[];
  /** Host system folders bound read-only so commands can run (never the data folder or home). */
  systemPaths: string[];
  egress: { allow: EgressRule[] };
  /** Non-main conversations get no shell unless this is true (and then only read-only mounts). */
  shellForOther: boolean;
  /** The uid/gid commands run as when nxs itself runs as root (root is never used inside). */
  runAs: { uid: number; gid: number };
  /** After a timeout, how long a process group has between SIGTERM and SIGKILL. */
  killGraceMs: number;
  dockerImage: string;
  /** Upper bound on an owner's override (unsandboxed runs, extra egress). */
  maxOverrideMinutes: number;
}

export const DEFAULT_SYSTEM_PATHS = [
  '/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32',
  '/etc/alternatives', '/etc/ssl', '/etc/ca-certificates', '/etc/passwd', '/etc/group',
  '/etc/nsswitch.conf', '/etc/ld.so.cache', '/etc/localtime', '/etc/hosts',
];

const KEYS = ['backend', 'workspace', 'mounts', 'system_paths', 'egress', 'shell_for_other', 'run_as', 'kill_grace_ms', 'docker_image', 'max_override_minutes'];

export const sandboxSection: ConfigSection<SandboxConfig> = {
  keys: ['sandbox'],
  parse(root, check) {
    const s = check.obj(root.sandbox, 'sandbox', KEYS);
    const egress = check.obj(s.egress, 'sandbox.egress', ['allow']);
    const runAs = check.obj(s.run_as, 'sandbox.run_as', ['uid', 'gid']);
    const workspace = check.optStr(s.workspace, 'sandbox.workspace');
    if (workspace !== undefined && !path.isAbsolute(workspace)) check.fail('sandbox.workspace', 'an absolute path', workspace);
    return {
      backend: check.oneOf(s.backend, 'sandbox.backend', BACKEND_CHOICES, 'auto'),
      workspace,
      mounts: check.arr(s.mounts, 'sandbox.mounts').map((m, i) => parseMount(m, `sandbox.mounts.${i}`, check)),
      systemPaths: s.system_paths === undefined
        ? [...DEFAULT_SYSTEM_PATHS]
        : check.arr(s.system_paths, 'sandbox.system_paths').map((p, i) => absolute(p, `sandbox.system_paths.${i}`, check)),
      egress: {
        allow: check.arr(egress.allow, 'sandbox.egress.allow').map((r, i) => {
          const key = `sandbox.egress.allow.${i}`;
          const rule = parseEgressRule(check.str(r, key));
          return rule ?? check.fail(key, 'host:port (host may start with *., port may be *)', r);
        }),
      },
      shellForOther: check.bool(s.shell_for_other, 'sandbox.shell_for_other', false),
      runAs: {
        uid: check.int(runAs.uid, 'sandbox.run_as.uid', { min: 1, max: 4_294_967_294, def: 65534 }),
        gid: check.int(runAs.gid, 'sandbox.run_as.gid', { min: 1, max: 4_294_967_294, def: 65534 }),
      },
      killGraceMs: check.int(s.kill_grace_ms, 'sandbox.kill_grace_ms', { min: 0, max: 60_000, def: 2000 }),
      dockerImage: check.str(s.docker_image, 'sandbox.docker_image', 'debian:stable-slim'),
      maxOverrideMinutes: check.int(s.max_override_minutes, 'sandbox.max_override_minutes', { min: 1, max: 24 * 60, def: 60 }),
    };
  },
};

function parseMount(value: unknown, key: string, check: ConfigCheck): ExtraMount {
  if (typeof value === 'string') return { path: absolute(value, key, check), writable: false };
  const m = check.obj(value, key, ['path', 'writable']);
  return { path: absolute(m.path, `${key}.path`, check), writable: check.bool(m.writable, `${key}.writable`, false) };
}

function absolute(value: unknown, key: string, check: ConfigCheck): string {
  const p = check.str(value, key);
  if (!path.isAbsolute(p) || p.split('/').includes('..')) check.fail(key, 'an absolute path without ..', p);
  return path.normalize(p).replace(/\/+$/, '') || '/';
}
