import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { planLogPrune } from '../../../src/detect/log-prune.ts';
import { providerEndpoints } from '../../../src/detect/provider-endpoints.ts';
import { makeDetectStep } from '../../../src/detect/boot-step.ts';
import { parseConfig } from '../../../src/config/load.ts';
import { readBootLog, listBoots } from '../../../src/store/boot-records.ts';
import type { PressureReading } from '../../../src/detect/monitor-decision.ts';
import { startTestHost } from '../../helpers/test-host.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { FakeRoot, cgroupV2Box } from './fake-root.ts';

const DAY = 24 * 60 * 60 * 1000;
const NOW = Date.UTC(2026, 5, 1);
const boot = (id: string, daysAgo: number) => ({ boot_id: id, started_at: NOW - daysAgo * DAY });
const file = (p: string, daysAgo: number) => ({ path: p, mtimeMs: NOW - daysAgo * DAY, size: 10 });

describe('planLogPrune', () => {
  const cases: { name: string; boots: ReturnType<typeof boot>[]; files?: ReturnType<typeof file>[]; days: number; want: { boots: string[]; files: string[] } }[] = [
    { name: 'nothing old: nothing goes', boots: [boot('cur', 0), boot('b1', 1)], days: 3, want: { boots: [], files: [] } },
    { name: 'old boots go, the current and the previous stay even when old', boots: [boot('cur', 0), boot('prev', 20), boot('old1', 30), boot('old2', 40)], days: 3, want: { boots: ['old1', 'old2'], files: [] } },
    { name: 'the retention decides: 10 days keeps a 5-day-old boot', boots: [boot('cur', 0), boot('prev', 1), boot('b5', 5), boot('b12', 12)], days: 10, want: { boots: ['b12'], files: [] } },
    { name: 'only the current boot: it stays', boots: [boot('cur', 0)], days: 1, want: { boots: [], files: [] } },
    {
      name: 'rotated files go whatever their age; live logs only when stale; other files never',
      boots: [boot('cur', 0)],
      files: [file('/d/chat-host.log', 0), file('/d/old-host.log', 9), file('/d/chat-host.log.1', 0), file('/d/chat-host.log.2.gz', 1), file('/d/x.log-20260101', 0), file('/d/nxs.db', 90), file('/d/notes.txt', 90)],
      days: 3,
      want: { boots: [], files: ['/d/old-host.log', '/d/chat-host.log.1', '/d/chat-host.log.2.gz', '/d/x.log-20260101'] },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const plan = planLogPrune({ boots: c.boots, currentBootId: 'cur', files: c.files ?? [], now: NOW, retentionDays: c.days });
      expect({ boots: [...plan.boots].sort(), files: plan.files }).toEqual({ boots: [...c.want.boots].sort(), files: c.want.files });
    });
  }
});

describe('providerEndpoints', () => {
  it('takes remote base URLs from the parsed providers section, without local ones or duplicates', () => {
    const config = parseConfig(
      {
        data_dir: '/tmp/unused',
        providers: [
          { name: 'groq', base_url: 'https://api.groq.com/openai/v1', model: 'x', api_key_env: 'GROQ_KEY' },
          { name: 'or', endpoint: 'https://openrouter.ai/api/v1', model: 'y', api_key_env: 'OR_KEY' },
          { name: 'groq2', base_url: 'https://api.groq.com/openai/v1/', model: 'z', api_key_env: 'GROQ_KEY' },
          { name: 'lm', base_url: 'http://127.0.0.1:1234/v1', model: 'q' },
        ],
      },
      new Map(),
      '/tmp',
    );
    expect(providerEndpoints(config)).toEqual(['https://api.groq.com/openai/v1', 'https://openrouter.ai/api/v1']);
  });

  const tolerant: [string, unknown, string[]][] = [
    ['no providers section', {}, []],
    ['a chain that is not a list', { providers: { chain: 'x' } }, []],
    ['entries of the wrong shape are skipped', { providers: { chain: [null, 3, { baseUrl: 7 }, { baseUrl: 'not a url' }, { baseUrl: 'https://ok.example/v1' }] } }, ['https://ok.example/v1']],
    ['local by flag or by loopback host', { providers: { chain: [{ baseUrl: 'http://gpu-box:8000/v1', local: true }, { baseUrl: 'http://localhost:11434/v1' }, { baseUrl: 'http://[::1]:8080/v1' }] } }, []],
  ];
  for (const [name, config, want] of tolerant) it(name, () => expect(providerEndpoints(config)).toEqual(want));
});

describe('low disk on a running host', () => {
  it('prunes old boot records and stale or rotated log files on disk.low, keeping current and previous boots, and says so in the boot log', async () => {
    using root = cgroupV2Box(new FakeRoot(), { cores: 8, memGiB: 16 });
    const readings: PressureReading[] = [{ memoryPressure: null, diskFreeBytes: 1e12 }, { memoryPressure: null, diskFreeBytes: 1 }];
    let i = 0;
    const clock = new FakeClock();
    await using host = await startTestHost({
      clock,
      config: { tier: 'minimal', detect: { network_timeout_ms: 50, lmstudio_url: 'http://127.0.0.1:9', ollama_url: 'http://127.0.0.1:9' } },
      steps: [makeDetectStep({ root: root.dir, read: async () => readings[Math.min(i++, readings.length - 1)]! })],
    });
    expect(host.ctx.profile.current.logRetentionDays).toBe(3);
    const { db } = host.ctx;
    const now = clock.now();
    const addBoot = (id: string, daysAgo: number, lines: number) => {
      db.prepare('INSERT INTO boots (boot_id, started_at, version, pid) VALUES (?, ?, ?, ?)').run(id, now - daysAgo * DAY, 'old', 1);
      for (let n = 1; n <= lines; n++) db.prepare('INSERT INTO boot_log (boot_id, seq, ts, entry) VALUES (?, ?, ?, ?)').run(id, n, now - daysAgo * DAY, `line ${n}`);
    };
    addBoot('boot_prev', 5, 2);
    addBoot('boot_old1', 10, 3);
    addBoot('boot_old2', 40, 4);
    const data = host.ctx.config.dataDir;
    mkdirSync(path.join(data, 'logs'), { recursive: true });
    const stale = path.join(data, 'chat-host.log');
    writeFileSync(stale, 'x'.repeat(100));
    utimesSync(stale, new Date(now - 9 * DAY), new Date(now - 9 * DAY));
    const rotated = path.join(data, 'logs', 'chat-host.log.1');
    writeFileSync(rotated, 'y'.repeat(50));
    const live = path.join(data, 'logs', 'session.log');
    writeFileSync(live, 'z');
    utimesSync(live, new Date(now), new Date(now));

    const low = host.ctx.events.once('disk.low');
    await clock.advance(host.ctx.profile.current.monitorIntervalMs);
    await low;
    expect(listBoots(db).map((b) => b.boot_id).sort()).toEqual([host.ctx.bootLog.bootId, 'boot_prev'].sort());
    expect(db.prepare("SELECT count(*) AS n FROM boot_log WHERE boot_id IN ('boot_old1', 'boot_old2')").get()).toEqual({ n: 0 });
    expect(readBootLog(db, 'boot_prev')!.log).toContain('line 2');
    expect([existsSync(stale), existsSync(rotated), existsSync(live)]).toEqual([false, false, true]);
    const log = readBootLog(db, undefined)!.log;
    expect(log).toMatch(/disk low: 1 bytes free < floor/);
    expect(log).toMatch(/disk low: pruned logs older than 3 days: 2 boot\(s\) with 7 boot-log line\(s\), 2 log file\(s\) \(150 bytes\)/);
    await host.parts.detect!.networkReady;
  });
});

describe('the reachability probe and the configured providers', () => {
  it('checks each remote provider base URL besides detect.endpoints', async () => {
    using root = cgroupV2Box(new FakeRoot(), { cores: 2, memGiB: 4 });
    await using host = await startTestHost({
      clock: new FakeClock(),
      config: {
        detect: { network_timeout_ms: 100, lmstudio_url: 'http://127.0.0.1:9', ollama_url: 'http://127.0.0.1:9', endpoints: ['http://192.0.2.1/health'] },
        providers: [{ name: 'remote', base_url: 'http://192.0.2.2/v1', model: 'm', api_key_env: 'REMOTE_KEY' }],
      },
      steps: [makeDetectStep({ root: root.dir, read: async () => ({ memoryPressure: null, diskFreeBytes: 1e12 }) })],
    });
    const net = await host.parts.detect!.networkReady;
    const urls = (net.network as { endpoints: { url: string }[] }).endpoints.map((e) => e.url);
    expect(urls).toEqual(['http://192.0.2.1/health', 'http://192.0.2.2/v1']);
  });
});
