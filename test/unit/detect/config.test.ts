import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.ts';
import { DEFAULT_TIER_POLICY } from '../../../src/detect/tier-policy.ts';
import { NxsError } from '../../../src/core/errors.ts';

const parse = (doc: Record<string, unknown>, origins = new Map<string, string>()) => parseConfig(doc, origins, '/tmp/nxs-home');

function refusal(doc: Record<string, unknown>, origins?: Map<string, string>): NxsError {
  try {
    parse(doc, origins);
  } catch (err) {
    if (err instanceof NxsError) return err;
    throw err;
  }
  throw new Error('expected the config to be refused');
}

describe('tier_policy and detect config', () => {
  it('defaults to the seeds matrix', () => {
    const c = parse({});
    expect(c.detect.tierPolicy).toEqual(DEFAULT_TIER_POLICY);
    expect(c.detect.probes).toMatchObject({ endpoints: [], lmstudioUrl: 'http://127.0.0.1:1234', ollamaUrl: 'http://127.0.0.1:11434' });
  });

  it('accepts overrides', () => {
    const c = parse({ tier_policy: { full_min_cores: 8, step_up_after_ms: 60_000 }, detect: { endpoints: ['https://api.example.com/v1'], ollama_url: 'http://127.0.0.1:5555' } });
    expect(c.detect.tierPolicy.fullMinCores).toBe(8);
    expect(c.detect.probes.endpoints).toEqual(['https://api.example.com/v1']);
  });

  const bad: [string, Record<string, unknown>, string, RegExp][] = [
    ['a non-number', { tier_policy: { full_min_cores: 'lots' } }, 'tier_policy.full_min_cores', /must be an integer from 1 to 4096; got "lots"/],
    ['an unknown key', { tier_policy: { full_cores: 4 } }, 'tier_policy.full_cores', /one of the known keys of tier_policy/],
    ['not a mapping', { tier_policy: 'full' }, 'tier_policy', /a mapping/],
    ['a negative memory', { tier_policy: { minimal_below_memory_mb: -1 } }, 'tier_policy.minimal_below_memory_mb', /from 0/],
    ['full easier than minimal (cores)', { tier_policy: { minimal_max_cores: 4, full_min_cores: 4 } }, 'tier_policy.full_min_cores', /greater than tier_policy.minimal_max_cores \(4\)/],
    ['full easier than minimal (memory)', { tier_policy: { minimal_below_memory_mb: 4096, full_min_memory_mb_with_gpu: 2048 } }, 'tier_policy.full_min_memory_mb_with_gpu', /at least tier_policy.minimal_below_memory_mb/],
    ['a bad endpoint', { detect: { endpoints: ['ftp://x'] } }, 'detect.endpoints.0', /an http:\/\/ or https:\/\/ URL/],
    ['an unknown detect key', { detect: { probes: 1 } }, 'detect.probes', /known keys of detect/],
  ];
  it.each(bad)('refuses %s naming the key', (_name, doc, key, message) => {
    const err = refusal(doc, new Map([['tier_policy', '/etc/nxs.yaml'], ['detect', '/etc/nxs.yaml']]));
    expect(err.code).toBe('NXS_ERR_CONFIG_INVALID');
    expect(err.details?.key).toBe(key);
    expect(err.message).toMatch(message);
    expect(err.message).toContain(key);
  });
});
