import { existsSync } from 'node:fs';
import { readText, under } from '../probe.ts';
import type { ContainerFacts, ProbeEnv } from '../facts.ts';

/**
 * Which container (if any) we run in. Kubernetes first (its pods also look like
 * docker or containerd); then the marker files engines leave; then cgroup paths;
 * then WSL, which is not a container but shapes the box the same way.
 */
export async function probeContainer(pe: ProbeEnv): Promise<ContainerFacts> {
  const [cgroup, osrelease, systemdContainer, dockerenv, containerenv] = await Promise.all([
    readText(pe.root, '/proc/self/cgroup'),
    readText(pe.root, '/proc/sys/kernel/osrelease'),
    readText(pe.root, '/run/systemd/container'),
    exists(under(pe.root, '/.dockerenv')),
    exists(under(pe.root, '/run/.containerenv')),
  ]);
  const cg = cgroup ?? '';
  if (pe.env.KUBERNETES_SERVICE_HOST) return { kind: 'kubernetes', evidence: 'KUBERNETES_SERVICE_HOST is set' };
  if (/kubepods/.test(cg)) return { kind: 'kubernetes', evidence: '/proc/self/cgroup mentions kubepods' };
  if (containerenv) return { kind: 'podman', evidence: '/run/.containerenv exists' };
  if (dockerenv) return { kind: 'docker', evidence: '/.dockerenv exists' };
  const marker = (systemdContainer ?? pe.env.container ?? '').trim();
  if (marker === 'podman' || marker === 'docker' || marker === 'lxc') return { kind: marker, evidence: `container marker says ${marker}` };
  if (/libpod|podman/.test(cg)) return { kind: 'podman', evidence: '/proc/self/cgroup mentions libpod' };
  if (/docker/.test(cg)) return { kind: 'docker', evidence: '/proc/self/cgroup mentions docker' };
  if (/\/lxc[./]|lxc\.payload/.test(cg)) return { kind: 'lxc', evidence: '/proc/self/cgroup mentions lxc' };
  if (pe.env.WSL_DISTRO_NAME || /microsoft/i.test(osrelease ?? '')) return { kind: 'wsl', evidence: pe.env.WSL_DISTRO_NAME ? 'WSL_DISTRO_NAME is set' : 'kernel release names Microsoft' };
  return { kind: 'none', evidence: null };
}

/** The markers sit at the root and in /run (the system's own folders): a sync check is microseconds. */
async function exists(p: string): Promise<boolean> {
  return existsSync(p);
}
