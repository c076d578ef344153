import { isIP } from 'node:net';

// Pure egress decisions: the proxy and http_fetch ask the same question the
// same way, and tests table them without sockets.

export interface EgressRule {
  /** Lower-case host name or IP literal; `*.example.com` matches subdomains only. */
  host: string;
  port: number | '*';
}

export interface EgressOverride {
  rule: EgressRule;
  expiresAt: number;
}

export type EgressDecision =
  | { allowed: true; via: 'allowlist' | 'override'; rule: string }
  | { allowed: false; reason: string };

/** `host:port`, `[v6]:port`, `*.domain:443`, `host:*`. Null when malformed. */
export function parseEgressRule(text: string): EgressRule | null {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9*][A-Za-z0-9.*-]*)):(\d{1,5}|\*)$/.exec(text.trim());
  if (!m) return null;
  const host = (m[1] ?? m[2] ?? '').toLowerCase();
  if (m[1] && isIP(host) !== 6) return null;
  if (host.includes('*') && !/^\*\.[a-z0-9.-]+$/.test(host)) return null;
  if (host.endsWith('.') || host.includes('..')) return null;
  const port = m[3] === '*' ? '*' : Number(m[3]);
  if (port !== '*' && (port < 1 || port > 65535)) return null;
  return { host, port };
}

export function formatRule(rule: EgressRule): string {
  return `${isIP(rule.host) === 6 ? `[${rule.host}]` : rule.host}:${rule.port}`;
}

export function normalizeHost(host: string): string {
  const h = host.trim().toLowerCase().replace(/\.$/, '');
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
}

export function ruleMatches(rule: EgressRule, host: string, port: number): boolean {
  if (rule.port !== '*' && rule.port !== port) return false;
  const h = normalizeHost(host);
  if (rule.host.startsWith('*.')) return h.endsWith(rule.host.slice(1)) && isIP(h) === 0;
  return rule.host === h;
}

/** Deny by default; the allowlist, then unexpired overrides, may allow. */
export function decideEgress(host: string, port: number, allow: readonly EgressRule[], overrides: readonly EgressOverride[], now: number): EgressDecision {
  if (!Number.isInteger(port) || port < 1 || port > 65535) return { allowed: false, reason: `port ${port} is not a valid TCP port` };
  const h = normalizeHost(host);
  if (h === '' || /[^a-z0-9.:-]/.test(h)) return { allowed: false, reason: `host "${host}" is not a valid host name or IP address` };
  for (const rule of allow) if (ruleMatches(rule, h, port)) return { allowed: true, via: 'allowlist', rule: formatRule(rule) };
  for (const o of overrides) {
    if (o.expiresAt > now && ruleMatches(o.rule, h, port)) return { allowed: true, via: 'override', rule: formatRule(o.rule) };
  }
  return { allowed: false, reason: `${h}:${port} is not on the egress allowlist (sandbox.egress.allow) and no override covers it` };
}

/**
 * A name on the allowlist must not resolve to this host or the cloud metadata
 * service (DNS rebinding): such addresses pass only when listed as IP literals.
 */
export function isSensitiveAddress(ip: string): boolean {
  const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  if (isIP(v4) === 4) return /^(127\.|0\.|169\.254\.)/.test(v4);
  return ip === '::1' || ip === '::' || /^fe[89ab]/i.test(ip);
}
