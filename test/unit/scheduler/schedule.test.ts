import { describe, expect, it } from 'vitest';
import { nextRun, type ScheduleSpec } from '../../../src/scheduler/schedule.ts';
import { planDue } from '../../../src/scheduler/missed-policy.ts';
import { parseDuration } from '../../../src/scheduler/duration.ts';

const T = (iso: string) => Date.parse(iso);
const H = 3_600_000;

describe('nextRun', () => {
  it.each<[string, ScheduleSpec, string, string | null]>([
    ['cron in UTC', { kind: 'cron', expr: '0 9 * * *', tz: null }, '2026-03-01T08:59:59Z', '2026-03-01T09:00:00Z'],
    ['cron strictly after', { kind: 'cron', expr: '0 9 * * *', tz: null }, '2026-03-01T09:00:00Z', '2026-03-02T09:00:00Z'],
    ['cron in a time zone', { kind: 'cron', expr: '0 9 * * *', tz: 'Europe/Paris' }, '2026-01-01T10:00:00Z', '2026-01-02T08:00:00Z'],
    ['cron across DST (Paris summer)', { kind: 'cron', expr: '0 9 * * *', tz: 'Europe/Paris' }, '2026-06-01T10:00:00Z', '2026-06-02T07:00:00Z'],
    ['cron weekdays', { kind: 'cron', expr: '30 8 * * 1-5', tz: null }, '2026-11-20T09:00:00Z', '2026-11-23T08:30:00Z'],
    ['every: first at anchor + interval', { kind: 'every', everyMs: 60_000, anchor: T('2026-01-01T00:00:00Z') }, '2026-01-01T00:00:00Z', '2026-01-01T00:01:00Z'],
    ['every: aligned to the anchor', { kind: 'every', everyMs: 60_000, anchor: T('2026-01-01T00:00:00Z') }, '2026-01-01T00:05:30Z', '2026-01-01T00:06:00Z'],
    ['at: in the future', { kind: 'at', at: T('2026-05-01T00:00:00Z') }, '2026-04-01T00:00:00Z', '2026-05-01T00:00:00Z'],
    ['at: passed', { kind: 'at', at: T('2026-05-01T00:00:00Z') }, '2026-05-01T00:00:00Z', null],
  ])('%s', (_name, spec, after, expected) => {
    expect(nextRun(spec, T(after))).toBe(expected === null ? null : T(expected));
  });
});

describe('planDue (missed-run policy)', () => {
  const hourly: ScheduleSpec = { kind: 'cron', expr: '0 * * * *', tz: null };
  const due = T('2026-01-01T00:00:00Z');
  it.each<[string, number, 'skip' | 'once' | 'each', number, number[], number]>([
    // [case, now offset, policy, max lateness, runs (hours after due), skipped]
    ['on time: runs whatever the policy', 5_000, 'skip', H, [0], 0],
    ['barely late, one occurrence: runs', 30_000, 'skip', 0, [0], 0],
    ['down 5h, skip: none', 5 * H + 1, 'skip', 24 * H, [], 6],
    ['down 5h, once: the latest', 5 * H + 1, 'once', 24 * H, [5], 5],
    ['down 5h, each: all six', 5 * H + 1, 'each', 24 * H, [0, 1, 2, 3, 4, 5], 0],
    ['down 5h, each within 2h lateness', 5 * H + 1, 'each', 2 * H, [4, 5], 4],
    ['down 5h, once with lateness under the latest', 5 * H + 30 * 60_000, 'once', 10 * 60_000, [], 6],
    ['one occurrence 2h late, once', 2 * H, 'once', 24 * H, [2], 2],
  ])('%s', (_name, offset, policy, maxLate, runs, skipped) => {
    const plan = planDue(hourly, due, due + offset, policy, maxLate);
    expect(plan.run).toEqual(runs.map((h) => due + h * H));
    expect(plan.skipped).toBe(skipped);
    expect(plan.next).toBe(nextRun(hourly, due + offset));
  });

  it('jumps over a very long outage without iterating every occurrence', () => {
    const everySecond: ScheduleSpec = { kind: 'every', everyMs: 1000, anchor: 0 };
    const plan = planDue(everySecond, 1000, 365 * 24 * H, 'each', 5_000);
    expect(plan.run).toHaveLength(6);
    expect(plan.skipped).toBeGreaterThan(10_000);
  });
});

describe('parseDuration', () => {
  it.each<[string, number | null]>([
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['2d', 172_800_000],
    ['1500', 1500],
    ['', null],
    ['5 minutes', null],
    ['-1s', null],
  ])('%s', (text, ms) => expect(parseDuration(text)).toBe(ms));
});
