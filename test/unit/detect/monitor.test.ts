import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decideMonitor, initialMonitorState, nextLookInMs, type MonitorState, type PressureReading } from '../../../src/detect/monitor-decision.ts';
import { ResourceMonitor } from '../../../src/detect/monitor.ts';
import { PressureReader } from '../../../src/detect/pressure-reader.ts';
import { DEFAULT_TIER_POLICY } from '../../../src/detect/tier-policy.ts';
import { PROFILES, ProfileHolder } from '../../../src/detect/profile.ts';
import { EventBus } from '../../../src/core/events.ts';
import { createLogger } from '../../../src/core/logger.ts';
import { SecretRedactor } from '../../../src/core/secrets-redactor.ts';
import { Writable } from 'node:stream';
import type { TierName } from '../../../src/config/schema.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { FakeRoot, cgroupV2Box } from './fake-root.ts';

const policy = { ...DEFAULT_TIER_POLICY, stepDownGapMs: 60_000, stepUpAfterMs: 600_000 };
const FLOOR = 100;
const calm: PressureReading = { memoryPressure: null, diskFreeBytes: 1e12 };
const hot: PressureReading = { memoryPressure: "PSI some avg10=40% >= 20%", diskFreeBytes: 1e12 };

/** Feeds readings at the given times and returns the tier after each and every action kind. */
function run(start: TierName, script: [number, PressureReading][]): { tiers: TierName[]; actions: string[]; state: MonitorState } {
  let state = initialMonitorState(start, 0);
  const tiers: TierName[] = [];
  const actions: string[] = [];
  for (const [at, reading] of script) {
    const r = decideMonitor(state, reading, at, { policy, diskFloorBytes: FLOOR });
    state = r.state;
    tiers.push(state.tier);
    actions.push(...r.actions.map((a) => (a.kind === 'step' ? `step ${a.from}->${a.to}` : a.kind)));
  }
  return { tiers, actions, state };
}

describe('decideMonitor', () => {
  it('steps down one tier under pressure, at most once per gap', () => {
    const r = run('full', [[0, hot], [30_000, hot], [60_000, hot], [120_000, hot]]);
    expect(r.tiers).toEqual(['standard', 'standard', 'minimal', 'minimal']);
    expect(r.actions).toEqual(['memory.pressure', 'step full->standard', 'step standard->minimal']);
  });

  it('steps back up only after sustained calm, one tier per calm period, never above the ceiling', () => {
    const r = run('full', [
      [0, hot],
      [60_000, hot],
      [90_000, calm],
      [600_000, calm], // calm for 510 s: not yet
      [690_000, calm], // calm 600 s: up one
      [1_000_000, calm],
      [1_290_000, calm], // another 600 s: up again, to the ceiling
      [5_000_000, calm], // stays at the ceiling
    ]);
    expect(r.tiers).toEqual(['standard', 'minimal', 'minimal', 'minimal', 'standard', 'standard', 'full', 'full']);
    expect(r.actions.filter((a) => a.startsWith('step'))).toEqual(['step full->standard', 'step standard->minimal', 'step minimal->standard', 'step standard->full']);
  });

  it('a new burst resets the calm clock', () => {
    const r = run('standard', [[0, hot], [100_000, calm], [500_000, hot], [600_000, calm], [800_000, calm], [1_200_000, calm]]);
    expect(r.tiers).toEqual(['minimal', 'minimal', 'minimal', 'minimal', 'minimal', 'standard']);
    expect(r.actions.filter((a) => a === 'memory.pressure')).toHaveLength(2);
  });

  it('minimal cannot step lower; pressure is still reported once per episode', () => {
    const r = run('minimal', [[0, hot], [100_000, hot]]);
    expect(r.tiers).toEqual(['minimal', 'minimal']);
    expect(r.actions).toEqual(['memory.pressure']);
  });

  it('raises disk.low once below the floor and clears it only well above (no flapping)', () => {
    const d = (free: number): PressureReading => ({ memoryPressure: null, diskFreeBytes: free });
    const r = run('standard', [[0, d(99)], [1, d(50)], [2, d(110)], [3, d(124)], [4, d(125)], [5, d(99)], [6, { memoryPressure: null, diskFreeBytes: null }]]);
    expect(r.actions).toEqual(['disk.low', 'disk.ok', 'disk.low']);
    expect(r.state.diskLow).toBe(true);
  });
});

describe('nextLookInMs', () => {
  const at = (over: Partial<MonitorState>): MonitorState => ({ ...initialMonitorState('standard', 0), ...over });
  const short = { ...policy, stepUpAfterMs: 2_000 };
  it.each([
    ['at the ceiling: the interval', at({ tier: 'standard', calmSince: 0 }), short, 60_000],
    ['under pressure: the interval', at({ tier: 'minimal', underPressure: true, calmSince: null }), short, 60_000],
    ['below the ceiling, the step up due before the interval: then', at({ tier: 'minimal', calmSince: 100_000 }), short, 2_000],
    ['below the ceiling, the step up due after the interval: the interval', at({ tier: 'minimal', calmSince: 100_000 }), policy, 60_000],
    ['the step up overdue: now', at({ tier: 'minimal', calmSince: 0 }), short, 0],
  ] as const)('%s', (_name, state, pol, expected) => {
    // Regression (survival drill "memory-pressure"): the tier came back a whole interval after its calm period ended.
    expect(nextLookInMs(state, 100_000, 60_000, pol)).toBe(expected);
  });
});

function monitorRig(start: TierName, readings: PressureReading[]) {
  const clock = new FakeClock();
  const profile = new ProfileHolder(PROFILES[start]);
  const events = new EventBus();
  const notes: string[] = [];
  const seen: string[] = [];
  events.on('tier.changed', (e) => seen.push(`tier.changed ${e.from}->${e.to}`));
  events.on('memory.pressure', (e) => seen.push(`memory.pressure ${e.detail}`));
  events.on('disk.low', (e) => seen.push(`disk.low ${e.freeBytes}`));
  const log = createLogger({ level: 'silent', redactor: new SecretRedactor(), destination: new Writable({ write: (_c, _e, cb) => cb() }) });
  let i = 0;
  const monitor = new ResourceMonitor({
    clock,
    profile,
    events,
    log,
    note: (l) => notes.push(l),
    policy,
    ceiling: start,
    read: async () => readings[Math.min(i++, readings.length - 1)]!,
    applyTier: (t, reason) => profile.set(PROFILES[t], reason),
  });
  return { clock, profile, notes, seen, monitor, reads: () => i };
}

describe('ResourceMonitor on a fake clock', () => {
  it('reads at start, then once per profile interval, with one timer pending while idle', async () => {
    const rig = monitorRig('standard', [calm]);
    rig.monitor.start();
    await rig.clock.advance(0);
    expect(rig.reads()).toBe(1);
    expect(rig.clock.pending).toBe(1);
    expect(rig.clock.nextDue! - rig.clock.now()).toBe(PROFILES.standard.monitorIntervalMs);
    await rig.clock.advance(PROFILES.standard.monitorIntervalMs * 3);
    expect(rig.reads()).toBe(4);
    expect(rig.clock.pending).toBe(1);
    rig.monitor.stop();
    expect(rig.clock.pending).toBe(0);
  });

  it('keeps its last free-disk reading for the parts that weigh work against it (no statfs of their own)', async () => {
    const rig = monitorRig('standard', [{ memoryPressure: null, diskFreeBytes: 5_000 }, { memoryPressure: null, diskFreeBytes: null }]);
    expect(rig.monitor.diskFreeBytes()).toBeNull();
    rig.monitor.start();
    await rig.clock.advance(0);
    expect(rig.monitor.diskFreeBytes()).toBe(5_000);
    await rig.clock.advance(PROFILES.standard.monitorIntervalMs);
    // A look that could not read the disk says unknown rather than keep a stale figure.
    expect(rig.monitor.diskFreeBytes()).toBeNull();
    rig.monitor.stop();
  });

  it('applies the smaller profile under pressure, emits events, writes the boot log, and uses the new interval', async () => {
    const rig = monitorRig('full', [calm, hot, hot, hot, { memoryPressure: null, diskFreeBytes: 10 }]);
    rig.monitor.start();
    await rig.clock.advance(0);
    expect(rig.profile.current.tier).toBe('full');
    await rig.clock.advance(PROFILES.full.monitorIntervalMs);
    expect(rig.profile.current.tier).toBe('standard');
    expect(rig.seen).toEqual(['memory.pressure PSI some avg10=40% >= 20%', 'tier.changed full->standard']);
    expect(rig.notes).toContain('tier full -> standard: memory pressure: PSI some avg10=40% >= 20%');
    // The next look comes at the standard profile's interval.
    expect(rig.clock.nextDue! - rig.clock.now()).toBe(PROFILES.standard.monitorIntervalMs);
    await rig.clock.advance(PROFILES.standard.monitorIntervalMs); // 30 s < gap 60 s: no second step
    expect(rig.profile.current.tier).toBe('standard');
    await rig.clock.advance(PROFILES.standard.monitorIntervalMs);
    expect(rig.profile.current.tier).toBe('minimal');
    await rig.clock.advance(PROFILES.minimal.monitorIntervalMs);
    expect(rig.monitor.diskLow()).toBe(true);
    expect(rig.seen.at(-1)).toBe('disk.low 10');
    rig.monitor.stop();
  });

  it('a look asked for while one runs is coalesced into one more reading', async () => {
    const rig = monitorRig('standard', [calm]);
    rig.monitor.start();
    void rig.monitor.look();
    void rig.monitor.look();
    await rig.clock.advance(0);
    expect(rig.reads()).toBe(2);
    expect(rig.clock.pending).toBe(1);
    rig.monitor.stop();
  });
});

describe('ResourceMonitor watching memory.events', () => {
  it('looks at once when the watched file changes, without the clock moving', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nxs-events-'));
    const file = path.join(dir, 'memory.events');
    writeFileSync(file, 'high 0\n');
    const clock = new FakeClock();
    const profile = new ProfileHolder(PROFILES.standard);
    let reads = 0;
    let onRead: (() => void) | null = null;
    const log = createLogger({ level: 'silent', redactor: new SecretRedactor(), destination: new Writable({ write: (_c, _e, cb) => cb() }) });
    const monitor = new ResourceMonitor({
      clock, profile, events: new EventBus(), log, note: () => {}, policy, ceiling: 'standard', watchFile: file,
      applyTier: (t, r) => profile.set(PROFILES[t], r),
      read: async () => {
        reads++;
        onRead?.();
        return reads > 1 ? hot : calm;
      },
    });
    const second = new Promise<void>((r) => (onRead = () => reads === 2 && r()));
    monitor.start();
    await clock.advance(0);
    expect(reads).toBe(1);
    writeFileSync(file, 'high 5\n');
    await second;
    await clock.advance(0);
    expect(profile.current.tier).toBe('minimal');
    monitor.stop();
  });
});

describe('PressureReader', () => {
  it('sees cgroup v2 memory.events counters grow, PSI over the bar, and RSS over the tier budget', async () => {
    using root = cgroupV2Box(new FakeRoot(), { cores: 2, memGiB: 4, memMax: String(2 * 1024 ** 3), memCurrent: 1024 ** 3 });
    root.write('/sys/fs/cgroup/memory.events', 'low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n').write('/sys/fs/cgroup/memory.pressure', 'some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n');
    const data = mkdtempSync(path.join(tmpdir(), 'nxs-data-'));
    let rss = 100 * 1024 * 1024;
    const reader = new PressureReader({ root: root.dir, dataDir: data, rss: () => rss });
    expect(await reader.eventsFile()).toBe('/sys/fs/cgroup/memory.events');
    const first = await reader.read('standard', policy);
    expect(first.memoryPressure).toBeNull();
    expect(first.diskFreeBytes).toBeGreaterThan(0);

    root.write('/sys/fs/cgroup/memory.events', 'low 0\nhigh 3\nmax 1\noom 0\noom_kill 0\n');
    expect((await reader.read('standard', policy)).memoryPressure).toBe('cgroup memory.events max +1, high +3');
    expect((await reader.read('standard', policy)).memoryPressure).toBeNull();

    writeFileSync(root.path('/sys/fs/cgroup/memory.pressure'), 'some avg10=35.50 avg60=10.00 avg300=1.00 total=9\n');
    rss = 600 * 1024 * 1024;
    expect((await reader.read('minimal', policy)).memoryPressure).toBe('PSI some avg10=35.5% >= 20%; resident 600 MiB > minimal budget 512 MiB');
  });

  it('counts low available memory against the effective total', async () => {
    using root = cgroupV2Box(new FakeRoot(), { cores: 2, memGiB: 4, availGiB: 0.1 });
    const reader = new PressureReader({ root: root.dir, dataDir: tmpdir(), rss: () => 0 });
    expect((await reader.read('standard', policy)).memoryPressure).toMatch(/^available memory 2\.5% < 5%$/);
  });
});
