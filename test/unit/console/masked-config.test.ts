import { describe, it, expect } from 'vitest';
import { maskedConfig, MASK } from '../../../src/console/masked-config.ts';
import { SecretRedactor } from '../../../src/core/secrets-redactor.ts';

describe('maskedConfig', () => {
  it('masks text under secret-named keys, keeps flags, numbers and the names of places, and scrubs registered secrets elsewhere', () => {
    const redactor = new SecretRedactor();
    redactor.add('sk-registered-0123456789abcdef');
    const config = {
      apiToken: 'operator-token-0123456789abcdef0123',
      providers: { chain: [{ name: 'a', baseUrl: 'http://h/v1', credential: { env: 'OPENAI_API_KEY', value: 'sk-x', none: false }, headers: { authorization: 'Bearer y' } }] },
      client: { maxTokens: 512, secretsDir: '/data/secrets' },
      telegram: { tokenEnv: 'TG_TOKEN' },
      note: 'a url with sk-registered-0123456789abcdef in it',
      tags: new Set(['x']),
      byName: new Map([['k', { password: 'p' }]]),
      fn: () => 1,
    };
    expect(maskedConfig(config, redactor)).toEqual({
      apiToken: MASK,
      providers: { chain: [{ name: 'a', baseUrl: 'http://h/v1', credential: { env: MASK, value: MASK, none: false }, headers: { authorization: MASK } }] },
      client: { maxTokens: 512, secretsDir: '/data/secrets' },
      telegram: { tokenEnv: 'TG_TOKEN' },
      note: 'a url with [REDACTED] in it',
      tags: ['x'],
      byName: { k: { password: MASK } },
    });
  });
});
