import { isLoopbackUrl } from './loopback.ts';

/**
 * The configured providers' base URLs, for the reachability probe. Reads the
 * parsed providers section (`config.providers.chain[].baseUrl`, see
 * src/providers/config.ts) tolerantly: that part's shape may still change,
 * and detection must never fail because of it, so anything unexpected is
 * skipped. Local providers (flagged `local`, or on loopback) are left out:
 * the local-LLM probe covers them, and a local answer must not make the box
 * look online. Duplicates go; order is kept.
 */
export function providerEndpoints(config: unknown): string[] {
  const providers = field(config, 'providers');
  const chain = field(providers, 'chain');
  if (!Array.isArray(chain)) return [];
  const out: string[] = [];
  for (const p of chain) {
    const url = field(p, 'baseUrl');
    if (typeof url !== 'string' || field(p, 'local') === true || isLoopbackUrl(url)) continue;
    try {
      new URL(url);
    } catch {
      continue;
    }
    if (!out.includes(url)) out.push(url);
  }
  return out;
}

function field(o: unknown, key: string): unknown {
  return typeof o === 'object' && o !== null ? (o as Record<string, unknown>)[key] : undefined;
}
