import { describe, it, expect } from 'vitest';
import { startFakeProvider } from '../../helpers/fake-provider.ts';
import { makeClient } from '../providers/client-helpers.ts';
import { generateReply } from '../../../src/assistant/conversation/generate-reply.ts';
import { SecretRedactor } from '../../../src/core/secrets-redactor.ts';

const messages = [{ role: 'user' as const, content: 'what is the wifi password?' }];
const noTools = (): string => 'unused';

// Issue 16: after the stream found every provider down (and had looked in the emergency cache itself),
// generateReply made a plain call that walked the chain again to reach the same cache.
describe('generateReply on the real fallback client', () => {
  it('every provider down: one walk of the chain, then NXS_ERR_PROVIDERS_EXHAUSTED for the caller to defer', async () => {
    await using a = await startFakeProvider({ name: 'a', fallback: { kind: 'status', status: 503 } });
    await using rig = await makeClient([{ name: 'a', base_url: a.url, model: 'a-m', api_key: 'sk-a-secret-key', retries: 0 }]);
    const deltas: string[] = [];
    await expect(generateReply(rig.client, { messages }, noTools, (t) => deltas.push(t), new AbortController().signal, new SecretRedactor())).rejects.toMatchObject({ code: 'NXS_ERR_PROVIDERS_EXHAUSTED' });
    expect(a.requests).toHaveLength(1);
    expect(deltas).toEqual([]);
  });

  it('every provider down with the answer in the emergency cache: the stream serves it, the chain asked once', async () => {
    await using a = await startFakeProvider({ name: 'a' });
    await using rig = await makeClient([{ name: 'a', base_url: a.url, model: 'a-m', api_key: 'sk-a-secret-key', retries: 0 }]);
    a.script({ kind: 'ok', content: 'It is on the fridge.' });
    const signal = new AbortController().signal;
    expect(await generateReply(rig.client, { messages }, noTools, () => {}, signal, new SecretRedactor())).toMatchObject({ text: 'It is on the fridge.', cached: false });
    a.fallback = { kind: 'status', status: 503 };
    const before = a.requests.length;
    const deltas: string[] = [];
    const r = await generateReply(rig.client, { messages }, noTools, (t) => deltas.push(t), signal, new SecretRedactor());
    expect(r).toMatchObject({ text: 'It is on the fridge.', cached: true });
    expect(deltas.join('')).toBe('It is on the fridge.');
    expect(a.requests.length - before).toBe(1);
  });
});
