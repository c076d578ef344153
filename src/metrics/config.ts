import { isIP } from 'node:net';
import type { ConfigSection } from '../config/section.ts';
import type { ConfigCheck } from '../config/check.ts';

export interface MetricsConfig {
  /** GET /metrics on the API port (a token holding READ_METRICS). */
  enabled: boolean;
  /**
   * A second, unauthenticated listener for scrapers that cannot send a header: off (null) unless
   * set. Loopback only, unless `allowNonLoopback` says the operator means it.
   */
  listen: { host: string; port: number } | null;
  allowNonLoopback: boolean;
}

export const metricsSection: ConfigSection<MetricsConfig> = {
  keys: ['metrics'],
  parse(root, check) {
    const m = check.obj(root.metrics, 'metrics', ['enabled', 'listen', 'allow_non_loopback']);
    const allowNonLoopback = check.bool(m.allow_non_loopback, 'metrics.allow_non_loopback', false);
    const listen = m.listen === undefined || m.listen === null || m.listen === false || m.listen === '' ? null : parseListen(m.listen, check);
    if (listen && !allowNonLoopback && !isLoopbackHost(listen.host)) {
      check.fail('metrics.listen', 'a loopback address (127.0.0.1:PORT, [::1]:PORT or localhost:PORT) since it answers without a token; set metrics.allow_non_loopback: true to expose it anyway', m.listen);
    }
    return { enabled: check.bool(m.enabled, 'metrics.enabled', true), listen, allowNonLoopback };
  },
};

const FORM = 'HOST:PORT (127.0.0.1:9464, [::1]:9464) or a port number, with the port from 0 to 65535';

function parseListen(value: unknown, check: ConfigCheck): { host: string; port: number } {
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string') return check.fail('metrics.listen', FORM, value);
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text.trim()) ?? /^()()(\d{1,5})$/.exec(text.trim());
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65535) return check.fail('metrics.listen', FORM, value);
  const host = match[1] || match[2] || '127.0.0.1';
  if (match[1] && isIP(host) !== 6) return check.fail('metrics.listen', FORM, value);
  return { host, port };
}

export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || /^::ffff:127\./.test(h);
  return false;
}
