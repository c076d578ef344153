import { formatBytes } from '../core/format-bytes.ts';
import { isProbeError, type Facts, type LocalFacts, type NetworkProbeFacts, type Probed } from './facts.ts';

/** One line per probe, for the boot log and the CLI table. */
export function summarize(facts: Partial<LocalFacts> & Partial<NetworkProbeFacts>): [string, string][] {
  const rows: [string, string][] = [];
  const row = <T>(name: string, v: Probed<T> | undefined, fmt: (t: T) => string): void => {
    if (v === undefined) return;
    rows.push([name, isProbeError(v) ? `unknown (${v.error})` : fmt(v)]);
  };
  row('os', facts.os, (o) => `${o.distro?.prettyName ?? 'unknown distro'}, kernel ${o.kernel ?? '?'}, ${o.platform}/${o.arch}, libc ${o.libc.family}${o.libc.version ? ` ${o.libc.version}` : ''}`);
  row('cpu', facts.cpu, (c) => `${c.model ?? 'unknown model'}, ${c.logicalCores} logical core(s)${c.cgroupQuotaCores !== null ? `, cgroup v${c.cgroupVersion} quota ${c.cgroupQuotaCores}` : ''}, ${c.effectiveCores} usable`);
  row('memory', facts.memory, (m) =>
    `${formatBytes(m.effectiveTotalBytes)} usable (${formatBytes(m.effectiveAvailableBytes)} available)${m.cgroupLimitBytes !== null ? `, cgroup v${m.cgroupVersion} limit below host RAM ${formatBytes(m.totalBytes)}` : ''}, swap ${formatBytes(m.swapTotalBytes)}`,
  );
  row('disk', facts.disk, (d) => `${formatBytes(d.freeBytes)} free of ${formatBytes(d.totalBytes)} at ${d.path}${d.fsType ? ` (${d.fsType} on ${d.mountPoint})` : ''}${d.readOnly ? ', READ-ONLY' : ''}${d.noexec ? ', noexec' : ''}`);
  row('gpu', facts.gpu, (g) =>
    (g.devices.length === 0 ? 'none' : g.devices.map((d) => `${d.name}${d.memoryTotalMb !== null ? ` ${d.memoryTotalMb} MiB` : ''}${d.memoryFreeMb !== null ? ` (${d.memoryFreeMb} free)` : ''}${d.driver ? `, driver ${d.driver}` : ''}`).join('; ')) +
    (g.nvidiaSmiError ? ` [nvidia-smi: ${g.nvidiaSmiError}]` : ''),
  );
  row('container', facts.container, (c) => (c.kind === 'none' ? 'none' : `${c.kind} (${c.evidence})`));
  row('network', facts.network, (n) =>
    [
      n.state,
      `up: ${n.interfacesUp.join(', ') || 'none'}`,
      `route: ${n.defaultRoute ? `${n.defaultRoute.gateway} via ${n.defaultRoute.iface}` : 'none'}`,
      `dns: ${n.dns.join(', ') || 'none'}`,
      ...(Object.keys(n.proxies).length ? [`proxy: ${Object.entries(n.proxies).map(([k, v]) => `${k}=${v}`).join(' ')}`] : []),
      ...n.endpoints.map((e) => `${e.url} ${e.reachable ? `ok (HTTP ${e.status}, ${e.latencyMs} ms${e.via === 'proxy' ? ', via proxy' : ''})` : `unreachable (${e.error})`}`),
    ].join('; '),
  );
  row('local llm', facts.localLlm, (l) =>
    (['lmstudio', 'ollama'] as const)
      .map((k) => `${k}: ${l[k].running ? `${l[k].models.length} model(s)${l[k].models.length ? ` (${l[k].models.slice(0, 5).join(', ')})` : ''}${l[k].error ? ` ${l[k].error}` : ''}` : 'not running'}`)
      .join('; '),
  );
  return rows;
}

export function summaryLine(facts: Facts | LocalFacts): string {
  return summarize(facts).map(([k, v]) => `${k}: ${v}`).join(' | ');
}
