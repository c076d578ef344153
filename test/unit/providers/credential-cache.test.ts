import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CredentialCache, CREDENTIAL_RECHECK_MS } from '../../../src/providers/credential-cache.ts';
import type { CredentialSources } from '../../../src/providers/credentials.ts';
import { parseProviderEntry } from '../../../src/providers/provider-spec.ts';
import { ConfigCheck } from '../../../src/config/check.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

const spec = () => parseProviderEntry({ name: 'groq', base_url: 'https://api.groq.com/openai/v1' }, 'p', new ConfigCheck(), { order: 0, local: false });

function rig(prompt?: CredentialSources['prompt']) {
  const clock = new FakeClock();
  const env: Record<string, string | undefined> = { GROQ_API_KEY: 'gsk-first-key-1' };
  const secretsDir = mkdtempSync(path.join(tmpdir(), 'nxs-cred-cache-'));
  const redacted: string[] = [];
  const cache = new CredentialCache(clock, { env, secretsDir, store: null, prompt, redact: (s) => redacted.push(s) });
  return { clock, env, secretsDir, cache, redacted };
}

describe('CredentialCache', () => {
  it('reads the sources at most once per recheck interval, then picks up a rotated key', async () => {
    const r = rig();
    const p = spec();
    expect(r.cache.resolve(p)).toMatchObject({ value: 'gsk-first-key-1', source: 'env' });
    r.env.GROQ_API_KEY = undefined;
    writeFileSync(path.join(r.secretsDir, 'groq_api_key'), 'gsk-mounted-key-2\n');
    await r.clock.advance(CREDENTIAL_RECHECK_MS - 1);
    expect(r.cache.resolve(p)).toMatchObject({ value: 'gsk-first-key-1', source: 'env' });
    await r.clock.advance(1);
    expect(r.cache.resolve(p)).toMatchObject({ value: 'gsk-mounted-key-2', source: 'secret-file' });
    expect(r.redacted).toEqual(['gsk-first-key-1', 'gsk-mounted-key-2']);
  });

  it('reads again at once after forget (a refused key may just have been replaced)', () => {
    const r = rig();
    const p = spec();
    expect(r.cache.resolve(p)).toMatchObject({ value: 'gsk-first-key-1' });
    r.env.GROQ_API_KEY = 'gsk-replaced-key-3';
    expect(r.cache.resolve(p)).toMatchObject({ value: 'gsk-first-key-1' });
    r.cache.forget(p);
    expect(r.cache.resolve(p)).toMatchObject({ value: 'gsk-replaced-key-3', source: 'env' });
  });

  it('keeps each spec apart and never keeps an answer typed at a prompt', async () => {
    let asked = 0;
    const r = rig(async () => `typed-key-${++asked}-xyz`);
    r.env.GROQ_API_KEY = undefined;
    const p = spec();
    expect(await r.cache.resolve(p)).toMatchObject({ value: 'typed-key-1-xyz', source: 'prompt' });
    expect(await r.cache.resolve(p)).toMatchObject({ value: 'typed-key-2-xyz', source: 'prompt' });
    r.env.GROQ_API_KEY = 'gsk-env-key-4';
    // Another spec object (a probe's copy) resolves afresh.
    expect(r.cache.resolve({ ...p })).toMatchObject({ value: 'gsk-env-key-4' });
  });
});
