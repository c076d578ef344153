import { describe, expect, it } from 'vitest';
import { makeDetectStep } from '../../../src/detect/boot-step.ts';
import { hostRoutesStep } from '../../../src/boot/host-routes.ts';
import { readBootLog } from '../../../src/store/boot-records.ts';
import { isNxsError } from '../../../src/core/errors.ts';
import type { PressureReading } from '../../../src/detect/monitor-decision.ts';
import { startTestHost } from '../../helpers/test-host.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { FakeRoot, cgroupV2Box } from './fake-root.ts';
import { fakeLmStudio, closedPort } from './fake-llm-servers.ts';

const calm = async (): Promise<PressureReading> => ({ memoryPressure: null, diskFreeBytes: 1e12 });

describe('detect boot step', () => {
  it('detects a 2-core 1.5 GB container, applies standard, logs why, and serves the facts in /api/status', async () => {
    using root = cgroupV2Box(new FakeRoot(), { cores: 8, memGiB: 32, cpuMax: '200000 100000', memMax: String(1.5 * 1024 ** 3) }).write('/.dockerenv', '');
    await using lm = await fakeLmStudio(['qwen2.5-7b']);
    const closed = `http://127.0.0.1:${await closedPort()}`;
    const clock = new FakeClock();
    // A generous bound: the live fake must answer within it even on a loaded CI box; closed ports answer at once.
    await using host = await startTestHost({
      clock,
      steps: [makeDetectStep({ root: root.dir, read: calm }), hostRoutesStep],
      config: { detect: { lmstudio_url: lm.url, ollama_url: closed, endpoints: [closed], network_timeout_ms: 1500 } },
    });
    expect(host.ctx.profile.current.tier).toBe('standard');
    // Agents fitted to half of 1.5 GiB at 128 MiB each.
    expect(host.ctx.profile.current.maxAgents).toBe(6);
    const log = readBootLog(host.ctx.db, undefined)!.log;
    expect(log).toMatch(/detect cpu: Fake CPU @ 2\.0GHz, 8 logical core\(s\), cgroup v2 quota 2, 2 usable/);
    expect(log).toMatch(/detect container: docker \(\/\.dockerenv exists\)/);
    expect(log).toMatch(/tier standard \(detected\): box: 2 usable core\(s\), 1536 MiB memory/);
    expect(log).toMatch(/not full: 2 usable core\(s\) < 4/);

    // Readiness did not wait for the network: its facts arrive afterwards.
    const net = await host.parts.detect!.networkReady;
    expect(net.localLlm).toMatchObject({ lmstudio: { running: true, models: ['qwen2.5-7b'] }, ollama: { running: false } });
    const status = (await (await host.api('/api/status')).json()) as { detect: Record<string, any> };
    expect(status.detect).toMatchObject({ tier: 'standard', detected_tier: 'standard', forced_tier: null, warnings: [], disk_low: false });
    expect(status.detect.facts.cpu.effectiveCores).toBe(2);
    expect(status.detect.facts.localLlm.lmstudio.models).toEqual(['qwen2.5-7b']);
    expect(status.detect.facts.network.endpoints[0]).toMatchObject({ reachable: false, error: expect.stringMatching(/ECONNREFUSED/) });
    expect(readBootLog(host.ctx.db, undefined)!.log).toMatch(/detect local llm: lmstudio: 1 model\(s\) \(qwen2\.5-7b\)/);
  });

  it('honours NXS_TIER with a warning when the box cannot hold it', async () => {
    using root = cgroupV2Box(new FakeRoot(), { cores: 1, memGiB: 0.5 });
    await using host = await startTestHost({ clock: new FakeClock(), env: { NXS_TIER: 'full', HTTPS_PROXY: 'http://me:pr0xyPassw0rd@127.0.0.1:9' }, steps: [makeDetectStep({ root: root.dir, read: calm }), hostRoutesStep], config: { detect: { network_timeout_ms: 50, lmstudio_url: 'http://127.0.0.1:9', ollama_url: 'http://127.0.0.1:9' } } });
    expect(host.ctx.profile.current.tier).toBe('full');
    expect(host.parts.detect!.choice.tier).toBe('minimal');
    expect(host.parts.detect!.warnings).toContain('the box cannot hold tier full: 1 usable core(s) < 4 (tier_policy.full_min_cores)');
    const log = readBootLog(host.ctx.db, undefined)!.log;
    expect(log).toMatch(/tier full \(forced by config \(detection chose minimal\)\)/);
    expect(log).toMatch(/warning: the box cannot hold tier full: memory 512 MiB < 1024 MiB/);
    expect(host.logLines.some((l) => l.includes('cannot hold tier full'))).toBe(true);
    await host.parts.detect!.networkReady;
    // The proxy's password is registered as a secret and masked in the status.
    expect(host.ctx.redactor.scrub('proxy pr0xyPassw0rd')).not.toContain('pr0xyPassw0rd');
    const status = await (await host.api('/api/status')).text();
    expect(status).toContain('http://***@127.0.0.1:9');
    expect(status).not.toContain('pr0xyPassw0rd');
    expect(readBootLog(host.ctx.db, undefined)!.log).not.toContain('pr0xyPassw0rd');
  });

  it('steps the tier down under scripted pressure, refuses large work when disk is low, and never climbs above the start', async () => {
    using root = cgroupV2Box(new FakeRoot(), { cores: 8, memGiB: 16 });
    const readings: PressureReading[] = [
      { memoryPressure: null, diskFreeBytes: 1e12 },
      { memoryPressure: 'cgroup memory.events oom_kill +1', diskFreeBytes: 1e12 },
      { memoryPressure: null, diskFreeBytes: 1 },
    ];
    let i = 0;
    const clock = new FakeClock();
    await using host = await startTestHost({ clock, steps: [makeDetectStep({ root: root.dir, read: async () => readings[Math.min(i++, readings.length - 1)]! })], config: { detect: { network_timeout_ms: 50, lmstudio_url: 'http://127.0.0.1:9', ollama_url: 'http://127.0.0.1:9' } } });
    const changed = host.ctx.events.once('tier.changed');
    expect(host.ctx.profile.current.tier).toBe('full');
    await clock.advance(host.ctx.profile.current.monitorIntervalMs);
    expect(await changed).toEqual({ from: 'full', to: 'standard', reason: 'memory pressure: cgroup memory.events oom_kill +1' });
    expect(host.ctx.profile.current.tier).toBe('standard');
    const diskLow = host.ctx.events.once('disk.low');
    await clock.advance(host.ctx.profile.current.monitorIntervalMs);
    expect(await diskLow).toEqual({ freeBytes: 1, floorBytes: 128 * 1024 * 1024 });
    expect(host.parts.detect!.diskLow()).toBe(true);
    let err: unknown;
    try {
      host.parts.detect!.assertDiskRoom('a checkpoint');
    } catch (e) {
      err = e;
    }
    expect(isNxsError(err) && err.code).toBe('NXS_ERR_DISK_LOW');
    expect(String(err)).toMatch(/refusing a checkpoint: free disk is below the floor of 128 MiB/);
    const log = readBootLog(host.ctx.db, undefined)!.log;
    expect(log).toMatch(/tier full -> standard: memory pressure: cgroup memory.events oom_kill \+1/);
    expect(log).toMatch(/disk low: 1 bytes free < floor 134217728/);
    await host.parts.detect!.networkReady;
  });

  it('refuses a malformed tier_policy at start, naming the key', async () => {
    let err: unknown;
    try {
      await startTestHost({ steps: [], config: { tier_policy: { full_min_cores: 0 } } });
    } catch (e) {
      err = e;
    }
    expect(isNxsError(err) && err.code).toBe('NXS_ERR_CONFIG_INVALID');
    expect(String(err)).toMatch(/nxs\.yaml: tier_policy\.full_min_cores must be an integer from 1 to 4096; got 0/);
  });
});
