import { describe, it, expect } from 'vitest';
import { startFakeProvider } from '../../helpers/fake-provider.ts';
import { makeClient, msg } from './client-helpers.ts';
import type { ChatChunk } from '../../../src/providers/types.ts';

const prov = (name: string, url: string, extra: Record<string, unknown> = {}) => ({ name, base_url: url, model: `${name}-m`, api_key: `sk-${name}-secret-key`, retries: 0, ...extra });

async function collect(it: AsyncIterable<ChatChunk>): Promise<{ chunks: ChatChunk[]; text: string; error?: unknown }> {
  const chunks: ChatChunk[] = [];
  try {
    for await (const c of it) chunks.push(c);
  } catch (error) {
    return { chunks, text: join(chunks), error };
  }
  return { chunks, text: join(chunks) };
}
const join = (cs: ChatChunk[]) => cs.map((c) => c.choices.map((x) => (typeof x.delta.content === 'string' ? x.delta.content : '')).join('')).join('');

describe('streaming', () => {
  it('streams a complete answer', async () => {
    await using a = await startFakeProvider({ name: 'a', fallback: { kind: 'ok', content: 'one two three' } });
    await using rig = await makeClient([prov('a', a.url)]);
    const s = rig.client.stream(msg());
    const r = await collect(s.chunks);
    expect(r.text).toBe('one two three');
    expect(await s.outcome).toMatchObject({ provider: 'a', ending: 'complete', text: 'one two three' });
    expect(a.requests[0]!.body.stream).toBe(true);
  });

  it.each([
    ['a 500', { kind: 'status', status: 500 }],
    ['a 401', { kind: 'status', status: 401 }],
    ['a reset', { kind: 'reset' }],
    ['a malformed first chunk', { kind: 'malformed-sse', sent: [] }],
  ] as const)('fails over invisibly on %s before the first token', async (_n, step) => {
    await using a = await startFakeProvider({ name: 'a', fallback: step });
    await using b = await startFakeProvider({ name: 'b', fallback: { kind: 'ok', content: 'from b' } });
    await using rig = await makeClient([prov('a', a.url), prov('b', b.url)]);
    const s = rig.client.stream(msg());
    const r = await collect(s.chunks);
    expect(r.error).toBeUndefined();
    expect(r.text).toBe('from b');
    expect(await s.outcome).toMatchObject({ provider: 'b', ending: 'complete' });
  });

  it.each([
    ['cut', { kind: 'cut-mid-stream', sent: ['The answer ', 'is '] }],
    ['malformed chunk', { kind: 'malformed-sse', sent: ['The answer ', 'is '] }],
    ['upstream error event', { kind: 'error-mid-stream', sent: ['The answer ', 'is '] }],
  ] as const)('a stream %s mid-answer continues on a provider declared continuation: assistant-prefix, with the partial answer as prefix', async (_n, step) => {
    await using a = await startFakeProvider({ name: 'a', fallback: step });
    await using b = await startFakeProvider({ name: 'b', fallback: { kind: 'ok', content: '42.' } });
    await using rig = await makeClient([prov('a', a.url), prov('b', b.url, { continuation: 'assistant-prefix' })]);
    const s = rig.client.stream(msg('q'));
    const r = await collect(s.chunks);
    expect(r.error).toBeUndefined();
    expect(r.text).toBe('The answer is 42.');
    expect(new Set(r.chunks.map((c) => c.id)).size).toBe(1);
    expect(b.requests[0]!.body.messages).toEqual([{ role: 'user', content: 'q' }, { role: 'assistant', content: 'The answer is ', prefix: true }]);
    expect(await s.outcome).toMatchObject({ provider: 'b', ending: 'continued', text: 'The answer is 42.' });
  });

  it.each([
    ['cut', { kind: 'cut-mid-stream', sent: ['pong ', 'from '] }],
    ['upstream error event', { kind: 'error-mid-stream', sent: ['pong ', 'from '] }],
  ] as const)('issue 15: a stream %s mid-answer is never spliced onto an ordinary provider (it ends with an error, no finish_reason)', async (_n, step) => {
    await using a = await startFakeProvider({ name: 'a', fallback: step });
    await using b = await startFakeProvider({ name: 'b', fallback: { kind: 'ok', content: 'pong from beta: hello' } });
    await using rig = await makeClient([prov('a', a.url), prov('b', b.url)]);
    const s = rig.client.stream(msg('q'));
    const r = await collect(s.chunks);
    expect(r.text).toBe('pong from ');
    expect(r.error).toMatchObject({ code: 'NXS_ERR_STREAM_INCOMPLETE' });
    expect(r.chunks.every((c) => c.choices.every((x) => x.finish_reason === null))).toBe(true);
    expect(b.requests).toHaveLength(0);
    expect(await s.outcome).toMatchObject({ ending: 'incomplete', text: 'pong from ' });
  });

  it.each([
    ['starts over', 'The answer is 42.', 'incomplete'],
    ['echoes the prefix, then continues', 'The answer is forty-two.', 'continued'],
  ] as const)('a continuation that %s is checked at the seam', async (_n, content, ending) => {
    await using a = await startFakeProvider({ name: 'a', fallback: { kind: 'cut-mid-stream', sent: ['The answer ', 'is fo'] } });
    await using b = await startFakeProvider({ name: 'b', fallback: { kind: 'ok', content } });
    await using rig = await makeClient([prov('a', a.url), prov('b', b.url, { continuation: 'assistant-prefix' })]);
    const s = rig.client.stream(msg('q'));
    const r = await collect(s.chunks);
    expect(await s.outcome).toMatchObject({ ending });
    if (ending === 'incomplete') {
      expect(r.text).toBe('The answer is fo');
      expect(r.error).toMatchObject({ code: 'NXS_ERR_STREAM_INCOMPLETE', message: expect.stringMatching(/started a new answer/) });
    } else {
      expect(r.error).toBeUndefined();
      expect(r.text).toBe('The answer is forty-two.');
    }
  });

  it('a stream that stalls mid-answer is cut on the clock and continued', async () => {
    await using a = await startFakeProvider({ name: 'a', fallback: { kind: 'hang-mid-stream', sent: ['half '] } });
    await using b = await startFakeProvider({ name: 'b', fallback: { kind: 'ok', content: 'done' } });
    await using rig = await makeClient([prov('a', a.url), prov('b', b.url, { continuation: 'assistant-prefix' })], { stream_stall_ms: 5000 });
    const s = rig.client.stream(msg());
    const it = s.chunks[Symbol.asyncIterator]();
    const seen: ChatChunk[] = [];
    seen.push((await it.next()).value, (await it.next()).value);
    expect(join(seen)).toBe('half ');
    const pending = it.next();
    await rig.clock.advance(5000);
    seen.push((await pending).value);
    for (let r = await it.next(); !r.done; r = await it.next()) seen.push(r.value);
    expect(join(seen)).toBe('half done');
    expect(await s.outcome).toMatchObject({ ending: 'continued' });
  });

  it('with on_stream_cut: incomplete, a cut ends with an error even where a provider could continue', async () => {
    await using a = await startFakeProvider({ name: 'a', fallback: { kind: 'cut-mid-stream', sent: ['partial '] } });
    await using b = await startFakeProvider({ name: 'b' });
    await using rig = await makeClient([prov('a', a.url), prov('b', b.url, { continuation: 'assistant-prefix' })], { on_stream_cut: 'incomplete' });
    const s = rig.client.stream(msg());
    const r = await collect(s.chunks);
    expect(r.error).toMatchObject({ code: 'NXS_ERR_STREAM_INCOMPLETE' });
    expect(r.chunks.at(-1)!.choices[0]!.finish_reason).toBeNull();
    expect(await s.outcome).toMatchObject({ ending: 'incomplete', text: 'partial ' });
    expect(b.requests).toHaveLength(0);
  });

  it('a cut with no provider left to continue is incomplete, never complete', async () => {
    await using a = await startFakeProvider({ name: 'a', fallback: { kind: 'cut-mid-stream', sent: ['partial '] } });
    await using rig = await makeClient([prov('a', a.url)]);
    const s = rig.client.stream(msg());
    const r = await collect(s.chunks);
    expect(r.error).toMatchObject({ code: 'NXS_ERR_STREAM_INCOMPLETE' });
    expect(await s.outcome).toMatchObject({ ending: 'incomplete' });
  });

  it('a slow trickle is not a stall', async () => {
    await using a = await startFakeProvider({ name: 'a', fallback: { kind: 'trickle', pieces: ['a ', 'b ', 'c'], intervalMs: 5 } });
    await using rig = await makeClient([prov('a', a.url)]);
    const s = rig.client.stream(msg());
    expect((await collect(s.chunks)).text).toBe('a b c');
    expect(await s.outcome).toMatchObject({ ending: 'complete' });
  });

  it('all providers down before the first token: exhausted, or the cached answer', async () => {
    await using a = await startFakeProvider({ name: 'a', fallback: { kind: 'ok', content: 'remembered' } });
    await using rig = await makeClient([prov('a', a.url)], { breaker_failures: 5 });
    await collect(rig.client.stream(msg('same')).chunks);
    a.fallback = { kind: 'status', status: 500 };
    const s = rig.client.stream(msg('same'));
    const r = await collect(s.chunks);
    expect(r.text).toBe('remembered');
    expect(await s.outcome).toMatchObject({ cached: true });
    const s2 = rig.client.stream(msg('other'));
    expect((await collect(s2.chunks)).error).toMatchObject({ code: 'NXS_ERR_PROVIDERS_EXHAUSTED' });
    await expect(s2.outcome).rejects.toMatchObject({ code: 'NXS_ERR_PROVIDERS_EXHAUSTED' });
  });
});
