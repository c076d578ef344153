import { readdir } from 'node:fs/promises';
import { readText, under } from '../probe.ts';
import { httpGet } from './http-get.ts';
import type { EndpointReach, NetworkFacts, ProbeEnv } from '../facts.ts';

const PROXY_VARS = ['HTTPS_PROXY', 'HTTP_PROXY', 'ALL_PROXY', 'NO_PROXY'];

/**
 * Interfaces up (/sys/class/net), default route (/proc/net/route), DNS (resolv.conf),
 * proxy variables in effect, and whether each given endpoint answers within the bound.
 * "offline" is a valid answer.
 */
export async function probeNetwork(pe: ProbeEnv, opts: { endpoints: readonly string[]; timeoutMs: number }): Promise<NetworkFacts> {
  const [interfacesUp, route, resolv] = await Promise.all([interfaces(pe.root), readText(pe.root, '/proc/net/route'), readText(pe.root, '/etc/resolv.conf')]);
  const proxies = proxiesInEffect(pe.env);
  const endpoints = await Promise.all(opts.endpoints.map((url) => reach(url, pe.env, opts.timeoutMs)));
  const defaultRoute = route === null ? null : parseDefaultRoute(route);
  const outward = interfacesUp.some((i) => i !== 'lo');
  let state: NetworkFacts['state'];
  if (endpoints.some((e) => e.reachable)) state = 'online';
  else if (endpoints.length > 0 || (!defaultRoute && !outward)) state = 'offline';
  else state = defaultRoute ? 'unverified' : 'offline';
  return { state, interfacesUp, defaultRoute, dns: resolv === null ? [] : parseResolv(resolv), proxies, endpoints };
}

async function interfaces(root: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(under(root, '/sys/class/net'));
  } catch {
    // No sysfs (a chroot, a fake tree without it): no interface known to be up.
    return [];
  }
  const up: string[] = [];
  for (const name of names.sort()) {
    const state = (await readText(root, `/sys/class/net/${name}/operstate`))?.trim();
    // Loopback and many virtual links report "unknown" while passing traffic.
    if (state === 'up' || state === 'unknown') up.push(name);
  }
  return up;
}

/** The line whose destination and mask are 0 is the default route; the gateway is little-endian hex. */
export function parseDefaultRoute(text: string): NetworkFacts['defaultRoute'] {
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length >= 8 && f[1] === '00000000' && f[7] === '00000000') {
      const g = f[2]!;
      const gateway = /^[0-9A-Fa-f]{8}$/.test(g) ? [3, 2, 1, 0].map((i) => parseInt(g.slice(i * 2, i * 2 + 2), 16)).join('.') : g;
      return { iface: f[0]!, gateway };
    }
  }
  return null;
}

export function parseResolv(text: string): string[] {
  return text
    .split('\n')
    .map((l) => /^\s*nameserver\s+(\S+)/.exec(l)?.[1])
    .filter((v): v is string => Boolean(v));
}

/** Proxy variables with any user:password masked: they are credentials. */
export function proxiesInEffect(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of PROXY_VARS) {
    const value = env[name] ?? env[name.toLowerCase()];
    if (value) out[name] = name === 'NO_PROXY' ? value : maskProxy(value);
  }
  return out;
}

export function maskProxy(value: string): string {
  try {
    const u = new URL(value);
    if (u.username || u.password) {
      u.username = '***';
      u.password = '';
    }
    return u.href.replace(/\/$/, '');
  } catch {
    return value.replace(/\/\/[^@/]*@/, '//***@');
  }
}

function proxyFor(url: URL, env: Readonly<Record<string, string | undefined>>): { host: string; port: number } | null {
  const noProxy = (env.NO_PROXY ?? env.no_proxy ?? '').split(',').map((s) => s.trim().replace(/^\./, '')).filter(Boolean);
  if (noProxy.includes('*') || noProxy.some((d) => url.hostname === d || url.hostname.endsWith(`.${d}`))) return null;
  const raw = url.protocol === 'https:' ? (env.HTTPS_PROXY ?? env.https_proxy ?? env.ALL_PROXY ?? env.all_proxy) : (env.HTTP_PROXY ?? env.http_proxy ?? env.ALL_PROXY ?? env.all_proxy);
  if (!raw) return null;
  try {
    const p = new URL(raw);
    return { host: p.hostname, port: Number(p.port) || (p.protocol === 'https:' ? 443 : 80) };
  } catch {
    return null;
  }
}

/** Any HTTP answer (even 401 or 404) means the endpoint is reachable; only no answer means it is not. */
async function reach(url: string, env: Readonly<Record<string, string | undefined>>, timeoutMs: number): Promise<EndpointReach> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { url: '(not shown)', reachable: false, error: 'not a valid URL', via: 'direct' };
  }
  const via = proxyFor(parsed, env);
  const shown = displayUrl(parsed);
  try {
    const a = await httpGet(url, timeoutMs, via ? { via } : {});
    return { url: shown, reachable: true, status: a.status, latencyMs: a.latencyMs, via: via ? 'proxy' : 'direct' };
  } catch (err) {
    return { url: shown, reachable: false, error: err instanceof Error ? err.message : String(err), via: via ? 'proxy' : 'direct' };
  }
}

/** The endpoint as shown in status and logs: no user:password, no query (some APIs take `?key=`). */
export function displayUrl(u: URL): string {
  const c = new URL(u.href);
  c.username = '';
  c.password = '';
  const hadQuery = c.search !== '';
  c.search = '';
  return hadQuery ? `${c.href}?…` : c.href;
}
