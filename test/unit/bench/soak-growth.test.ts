import { describe, expect, it } from 'vitest';
import { judgeSoak, type SoakSample } from '../../../bench/lib/soak-growth.ts';

const MiB = 1048576;

function s(minute: number, over: Partial<SoakSample> = {}): SoakSample {
  return { minute, restarted: false, rssBytes: 100 * MiB, heapBytes: 20 * MiB, fds: 30, dbBytes: 4 * MiB, walBytes: 4 * MiB, messages: minute * 100, p99Ms: 100, ...over };
}

const failed = (samples: SoakSample[], warm = 1): string[] => judgeSoak(samples, warm).filter((b) => !b.ok).map((b) => b.metric);

describe('judgeSoak: what counts as growing after warm-up', () => {
  it.each([
    ['a flat run', [s(1), s(2), s(3), s(4)], []],
    ['growth during warm-up only', [s(1, { rssBytes: 10 * MiB }), s(2), s(3), s(4)], []],
    ['RSS past +25% and +48 MiB', [s(1), s(2), s(3), s(4, { rssBytes: 200 * MiB })], ['rss_bytes']],
    ['RSS up 40 MiB (under the 48 MiB floor)', [s(1), s(2), s(3), s(4, { rssBytes: 140 * MiB })], []],
    ['V8 heap past +24 MiB', [s(1), s(2), s(3), s(4, { heapBytes: 50 * MiB })], ['heap_bytes']],
    ['a descriptor leak', [s(1), s(2), s(3), s(4, { fds: 47 })], ['fds']],
    ['a stalled WAL', [s(1), s(2), s(3), s(4, { walBytes: 65 * MiB })], ['wal_bytes']],
    ['a store growing faster than its messages', [s(1), s(2), s(3), s(4, { dbBytes: 4 * MiB + 200 * 8192 + 1 })], ['db_bytes']],
    ['latency tripled', [s(1), s(2), s(3), s(4, { p99Ms: 700 })], ['p99_ms']],
  ] as const)('%s', (_name, samples, expected) => {
    expect(failed([...samples])).toEqual(expected);
  });

  it('judges each side of a restart on its own (a new process starts small)', () => {
    const samples = [s(1), s(2, { rssBytes: 150 * MiB }), s(3, { restarted: true, rssBytes: 60 * MiB }), s(4, { rssBytes: 70 * MiB }), s(5, { rssBytes: 200 * MiB })];
    expect(failed(samples).sort()).toEqual(['rss_bytes (segment 2)']);
  });

  it('says nothing when the run ends inside its warm-up', () => {
    expect(judgeSoak([s(1), s(2)], 2)).toEqual([]);
  });
});
