import { describe, it, expect } from 'vitest';
import { planRetention, type RetentionItem } from '../../../src/checkpoints/retention.ts';

const DAY = 86_400_000;
const NOW = 100 * DAY;
const item = (id: string, subject: string | null, ageDays: number, bytes = 10): RetentionItem => ({ id, subject, createdAt: NOW - ageDays * DAY, bytes });
const imported = (id: string, subject: string | null, ageDays: number, bytes = 10): RetentionItem => ({ ...item(id, subject, ageDays, bytes), imported: true });

describe('planRetention', () => {
  it.each<[string, RetentionItem[], { keep: number; maxAgeDays: number; maxBytes: number }, string[]]>([
    ['nothing to do', [item('a', '1', 1), item('b', '1', 2)], { keep: 3, maxAgeDays: 30, maxBytes: 1000 }, []],
    ['beyond keep per subject', [item('a', '1', 1), item('b', '1', 2), item('c', '1', 3), item('d', '2', 9)], { keep: 2, maxAgeDays: 30, maxBytes: 1000 }, ['c']],
    ['too old, but the newest of a subject stays', [item('a', '1', 40), item('b', '2', 1), item('c', '2', 31)], { keep: 10, maxAgeDays: 30, maxBytes: 1000 }, ['c']],
    ['over the size budget: oldest first', [item('a', '1', 1, 40), item('b', '1', 2, 40), item('c', '1', 3, 40)], { keep: 10, maxAgeDays: 30, maxBytes: 90 }, ['c']],
    ['size budget never removes the newest of a subject', [item('a', '1', 1, 100), item('b', null, 2, 100)], { keep: 10, maxAgeDays: 30, maxBytes: 50 }, []],
    ['imports dated in the future do not push own checkpoints out of keep', [item('a', '1', 1), item('b', '1', 2), imported('i1', '1', -30), imported('i2', '1', -20)], { keep: 2, maxAgeDays: 30, maxBytes: 1000 }, []],
    ['over the size budget: imports go before own checkpoints', [item('a', '1', 1, 40), item('b', '1', 5, 40), imported('i1', '2', 1, 40), imported('i2', '2', 2, 40)], { keep: 10, maxAgeDays: 30, maxBytes: 120 }, ['i2']],
    ['host checkpoints count as their own subject', [item('h1', null, 1), item('h2', null, 2), item('a1', '1', 3)], { keep: 1, maxAgeDays: 30, maxBytes: 1000 }, ['h2']],
  ])('%s', (_name, items, policy, expected) => {
    expect(planRetention(items, policy, NOW).sort()).toEqual(expected.sort());
  });
});
