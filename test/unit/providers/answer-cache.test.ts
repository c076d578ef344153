import { describe, it, expect } from 'vitest';
import { makeTestContext } from '../../helpers/test-context.ts';
import { AnswerCache, cacheKey } from '../../../src/providers/answer-cache.ts';
import type { ChatCompletion } from '../../../src/providers/types.ts';

const answer = (text: string): ChatCompletion => ({ id: text, object: 'chat.completion', created: 0, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }] });
const req = (q: string) => ({ messages: [{ role: 'user' as const, content: q }] });

describe('emergency answer cache', () => {
  it('is exact-match, ignores key order, and keeps only the most recently used entries', async () => {
    await using ctx = await makeTestContext();
    let t = 0;
    const cache = new AnswerCache(ctx.db, 2, () => ++t);
    cache.put(req('a'), answer('A'), 'p');
    cache.put(req('b'), answer('B'), 'p');
    expect(cache.get(req('a'))?.completion.id).toBe('A');
    cache.put(req('c'), answer('C'), 'p');
    expect(cache.size()).toBe(2);
    expect(cache.get(req('b'))).toBeNull();
    expect(cache.get(req('a'))?.completion.id).toBe('A');
    expect(cache.get({ messages: [{ role: 'user', content: 'a' }], temperature: 0.9 })).toBeNull();
    expect(cacheKey({ messages: [{ content: 'x', role: 'user' }] })).toBe(cacheKey({ messages: [{ role: 'user', content: 'x' }] }));
  });

  it('putLater writes after the current turn, in one transaction, and reads see pending answers', async () => {
    await using ctx = await makeTestContext();
    const cache = new AnswerCache(ctx.db, 10, () => 1);
    const rows = () => (ctx.db.prepare('SELECT count(*) AS n FROM llm_answer_cache').get() as { n: number }).n;
    cache.putLater(req('a'), answer('A'), 'p');
    cache.putLater(req('b'), answer('B'), 'p');
    expect(rows()).toBe(0); // nothing on the response path
    await new Promise<void>((r) => setImmediate(r));
    expect(rows()).toBe(2);
    cache.putLater(req('c'), answer('C'), 'p');
    expect(cache.get(req('c'))?.completion.id).toBe('C'); // a read flushes first
  });
});
