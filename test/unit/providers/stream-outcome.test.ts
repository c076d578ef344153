import { describe, it, expect } from 'vitest';
import { startFakeProvider } from '../../helpers/fake-provider.ts';
import { makeClient, msg, until } from './client-helpers.ts';

// The contract in src/providers/types.ts (LlmClient.stream): `outcome` settles
// whether or not `chunks` is read, and agrees with what the iterator did.
const prov = (name: string, url: string, extra: Record<string, unknown> = {}) => ({ name, base_url: url, model: `${name}-m`, api_key: `sk-${name}-secret-key`, retries: 0, ...extra });

describe('stream outcome contract', () => {
  it('a consumer that only awaits outcome gets the whole answer', async () => {
    await using a = await startFakeProvider({ name: 'a', fallback: { kind: 'ok', content: 'one two three' } });
    await using rig = await makeClient([prov('a', a.url)]);
    const o = await rig.client.stream(msg()).outcome;
    expect(o).toMatchObject({ provider: 'a', ending: 'complete', text: 'one two three' });
  });

  it('only awaiting outcome of an unfinishable stream resolves ending incomplete (the iterator would throw NXS_ERR_STREAM_INCOMPLETE)', async () => {
    await using a = await startFakeProvider({ name: 'a', fallback: { kind: 'cut-mid-stream', sent: ['The answer ', 'is '] } });
    await using rig = await makeClient([prov('a', a.url)]);
    const s = rig.client.stream(msg());
    expect(await s.outcome).toMatchObject({ ending: 'incomplete', text: 'The answer is ' });
    // Read afterwards, the buffered chunks are the real ones (no made-up finish_reason), then the error.
    const seen: string[] = [];
    let error: unknown;
    try {
      for await (const c of s.chunks) seen.push(String(c.choices[0]?.finish_reason ?? ''));
    } catch (e) {
      error = e;
    }
    expect(seen.every((f) => f === '')).toBe(true);
    expect(error).toMatchObject({ code: 'NXS_ERR_STREAM_INCOMPLETE' });
  });

  it('every provider failing rejects outcome with the error the iterator throws', async () => {
    await using a = await startFakeProvider({ name: 'a', fallback: { kind: 'status', status: 500 } });
    await using rig = await makeClient([prov('a', a.url)], { cache_entries: 0 });
    const s = rig.client.stream(msg());
    await expect(s.outcome).rejects.toMatchObject({ code: 'NXS_ERR_PROVIDERS_EXHAUSTED' });
    await expect(s.chunks[Symbol.asyncIterator]().next()).rejects.toMatchObject({ code: 'NXS_ERR_PROVIDERS_EXHAUSTED' });
  });

  it('a consumer that stops reading early cancels the upstream and outcome rejects NXS_ERR_PROVIDER_ABORTED', async () => {
    await using a = await startFakeProvider({ name: 'a', fallback: { kind: 'hang-mid-stream', sent: ['first ', 'second '] } });
    await using rig = await makeClient([prov('a', a.url)]);
    const s = rig.client.stream(msg());
    for await (const c of s.chunks) {
      if (c.choices[0]?.delta.content) break;
    }
    await expect(s.outcome).rejects.toMatchObject({ code: 'NXS_ERR_PROVIDER_ABORTED' });
    await until(() => a.requests.length === 1);
  });

  it("the caller's signal aborts a stream nobody reads, and outcome rejects", async () => {
    await using a = await startFakeProvider({ name: 'a', fallback: { kind: 'hang-mid-stream', sent: ['first '] } });
    await using rig = await makeClient([prov('a', a.url)]);
    const ac = new AbortController();
    const s = rig.client.stream(msg(), { signal: ac.signal });
    await until(() => a.requests.length === 1);
    ac.abort(new Error('user hung up'));
    await expect(s.outcome).rejects.toMatchObject({ code: 'NXS_ERR_PROVIDER_ABORTED' });
  });
});
