import { describe, test, expect } from 'vitest';
import { decideEgress, parseEgressRule, isSensitiveAddress, type EgressRule } from '../../../src/sandbox/egress-policy.ts';

const rules = (...t: string[]): EgressRule[] => t.map((x) => parseEgressRule(x)!);

describe('parseEgressRule', () => {
  test.each([
    ['api.github.com:443', { host: 'api.github.com', port: 443 }],
    ['API.GitHub.com:443', { host: 'api.github.com', port: 443 }],
    ['*.example.com:*', { host: '*.example.com', port: '*' }],
    ['10.0.0.5:8080', { host: '10.0.0.5', port: 8080 }],
    ['[::1]:80', { host: '::1', port: 80 }],
  ])('%s parses', (text, rule) => expect(parseEgressRule(text)).toEqual(rule));

  test.each(['example.com', 'example.com:0', 'example.com:70000', '*:443', 'a*b.com:443', 'http://x.com:80', 'x..com:1', '[zz]:80', ':443'])('%s is refused', (text) => {
    expect(parseEgressRule(text)).toBeNull();
  });
});

describe('decideEgress', () => {
  const allow = rules('api.github.com:443', '*.example.com:*', '127.0.0.1:8080');
  const now = 1_000;
  test.each([
    ['api.github.com', 443, true],
    ['API.GITHUB.COM.', 443, true],
    ['api.github.com', 80, false],
    ['evil.com', 443, false],
    ['a.example.com', 22, true],
    ['example.com', 443, false], // *.x matches subdomains only
    ['notexample.com', 443, false],
    ['127.0.0.1', 8080, true],
    ['127.0.0.1', 8081, false],
    ['169.254.169.254', 80, false],
    ['bad host', 80, false],
  ] as const)('%s:%s allowed=%s', (host, port, allowed) => {
    expect(decideEgress(host, port, allow, [], now).allowed).toBe(allowed);
  });

  test('an override allows until it expires, never after', () => {
    const o = [{ rule: parseEgressRule('evil.com:443')!, expiresAt: 2_000 }];
    expect(decideEgress('evil.com', 443, allow, o, 1_999)).toMatchObject({ allowed: true, via: 'override' });
    expect(decideEgress('evil.com', 443, allow, o, 2_000).allowed).toBe(false);
  });

  test('a denial names the target and the config key', () => {
    const d = decideEgress('evil.com', 443, allow, [], now);
    expect(d.allowed).toBe(false);
    if (!d.allowed) expect(d.reason).toMatch(/evil\.com:443 .*sandbox\.egress\.allow/);
  });
});

test.each([
  ['127.0.0.1', true], ['127.8.8.8', true], ['169.254.169.254', true], ['0.0.0.0', true], ['::1', true], ['::ffff:127.0.0.1', true], ['fe80::1', true],
  ['10.0.0.1', false], ['93.184.216.34', false], ['2606:2800::1', false],
] as const)('isSensitiveAddress(%s) = %s', (ip, sensitive) => expect(isSensitiveAddress(ip)).toBe(sensitive));
