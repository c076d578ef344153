import { describe, test, expect } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { makeToolbox, call, parse, type ToolboxFixture } from '../tools/toolbox-fixture.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { PROFILES } from '../../../src/detect/profile.ts';
import type { SandboxLimits } from '../../../src/sandbox/backend.ts';
import { BWRAP_OK, bwrapTitle, failWhereBwrapIsRequired } from './bwrap-support.ts';

const main = { agentId: 'a1', trust: 'main' as const };

function limit(f: ToolboxFixture, sandbox: Partial<SandboxLimits>): void {
  f.ctx.profile.set({ ...PROFILES.standard, sandbox: { ...PROFILES.standard.sandbox, ...sandbox } }, 'test');
}

/** Processes on this host whose command line holds `marker` (the sandbox's pid namespace is gone once none are left). */
function survivors(marker: string): number {
  let n = 0;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker)) n++;
    } catch {
      // The process ended while we looked.
    }
  }
  return n;
}

/** Runs a shell call; once its output matches `when`, moves the fake clock by `ms` (the wall limit, the grace). */
async function runThenAdvance(f: ToolboxFixture, clock: FakeClock, command: string, when: RegExp, steps: number[]) {
  let seen = '';
  let signalled!: () => void;
  const matched = new Promise<void>((r) => (signalled = r));
  const pending = f.toolbox.execute(call('shell', { command }), {
    ...main,
    onOutput: (chunk) => {
      seen += chunk.toString();
      if (when.test(seen)) signalled();
    },
  });
  await matched;
  for (const ms of steps) await clock.advance(ms);
  return parse((await pending).content);
}

failWhereBwrapIsRequired();

describe.skipIf(!BWRAP_OK)(bwrapTitle('limits inside the bwrap sandbox'), () => {
  test('a command that ignores SIGTERM is killed at the wall limit, with its whole process tree', async () => {
    const clock = new FakeClock();
    await using f = await makeToolbox({ clock });
    limit(f, { wallSeconds: 3 });
    const r = await runThenAdvance(f, clock, "trap '' TERM; sleep 987651 & sleep 987651 & echo ready; wait", /ready/, [3000, 2000]);
    expect(r.killed).toBe('timeout');
    expect(r.stdout).toBe('ready\n');
    expect(survivors('987651')).toBe(0);
    expect(clock.pending).toBe(0); // no timer left behind
    const entry = f.audit.entries.find((e) => e.operation_type === 'tool.shell');
    expect(entry).toMatchObject({ allowed: true, details: { outcome: { killed: 'timeout' } } });
  });

  test('a fork bomb is bounded by the process limit, then killed at the wall limit', async () => {
    const clock = new FakeClock();
    await using f = await makeToolbox({ clock });
    limit(f, { wallSeconds: 5, maxProcesses: 16 });
    const r = await runThenAdvance(f, clock, 'b(){ b | b & }; b; wait', /Cannot fork|fork failed|Resource temporarily/i, [5000, 2000]);
    expect(r.killed).toBe('timeout');
    expect(r.stderr).toMatch(/Cannot fork/);
    expect(r.truncated === true || r.stderr.length < 256 * 1024).toBe(true);
  });

  test('stopping the host kills commands still running', async () => {
    await using f = await makeToolbox();
    let ready!: () => void;
    const started = new Promise<void>((r) => (ready = r));
    const pending = f.toolbox.execute(call('shell', { command: 'echo ready; sleep 987653' }), { ...main, onOutput: () => ready() });
    await started;
    await f.ctx.lifecycle.shutdown(f.ctx.log, 2000);
    const r = parse((await pending).content);
    expect(r.killed).toBe('aborted');
    expect(survivors('987653')).toBe(0);
  });

  test('an output flood is cut at the output limit with a marker, and the command killed', async () => {
    await using f = await makeToolbox();
    limit(f, { outputBytes: 4096 });
    const r = parse((await f.toolbox.execute(call('shell', { command: 'yes nxs-flood' }), main)).content);
    expect(r.killed).toBe('output_limit');
    expect(r.truncated).toBe(true);
    expect(r.stdout).toMatch(/\[\.\.\. output truncated: \d+ more bytes not shown \(limit 4096\) \.\.\.\]$/);
    expect(r.stdout.length).toBeLessThan(4096 + 120);
  });

  test('memory and CPU time are limited per call', async () => {
    await using f = await makeToolbox();
    limit(f, { memoryMb: 64, cpuSeconds: 1 });
    const mem = parse((await f.toolbox.execute(call('shell', { command: "awk 'BEGIN { s = \"x\"; while (1) s = s s }' 2>&1; echo rc=$?" }), main)).content);
    expect(mem.stdout).toMatch(/rc=[1-9]/);
    const cpu = parse((await f.toolbox.execute(call('shell', { command: 'sh -c "while :; do :; done"; echo rc=$?' }), main)).content);
    expect(cpu.stdout).toMatch(/rc=(152|137|24)/); // SIGXCPU (128+24) or SIGKILL past the hard limit
    expect(cpu.killed).toBeNull();
  });
});

describe('the none backend', () => {
  test('refuses commands with a clear reason, unless an owner override is active; the override expires', async () => {
    const clock = new FakeClock();
    await using f = await makeToolbox({ clock, sandbox: { backend: 'none' } });
    const refused = await f.toolbox.execute(call('shell', { command: 'echo hi' }), main);
    expect(refused.error).toMatchObject({ code: 'NXS_ERR_SANDBOX_UNAVAILABLE', message: expect.stringMatching(/refused rather than run unconfined.*limited time/) });
    f.toolbox.sandbox.overrides.grant({ kind: 'unsandboxed', minutes: 5, reason: 'repairing the box by hand' }, 'operator');
    const ran = parse((await f.toolbox.execute(call('shell', { command: 'echo hi; pwd' }), main)).content);
    expect(ran).toMatchObject({ exit_code: 0, unsandboxed: true, backend: 'none' });
    expect(ran.stdout).toBe(`hi\n${f.workspace}\n`);
    await clock.advance(5 * 60_000);
    expect((await f.toolbox.execute(call('shell', { command: 'echo hi' }), main)).error?.code).toBe('NXS_ERR_SANDBOX_UNAVAILABLE');
    expect(f.audit.entries.map((e) => `${e.operation_type}:${e.allowed}`)).toEqual([
      'tool.shell:false', 'sandbox.override.grant:true', 'tool.shell:true', 'sandbox.override.expire:true', 'tool.shell:false',
    ]);
    expect(f.ctx.logLines.some((l) => l.includes('WITHOUT a sandbox'))).toBe(true);
  });

  test('unsandboxed, a command ignoring SIGTERM gets SIGKILL after the grace period', async () => {
    const clock = new FakeClock();
    await using f = await makeToolbox({ clock, sandbox: { backend: 'none', kill_grace_ms: 1000 } });
    limit(f, { wallSeconds: 2 });
    f.toolbox.sandbox.overrides.grant({ kind: 'unsandboxed', minutes: 5, reason: 'test of the kill path' }, 'operator');
    const r = await runThenAdvance(f, clock, "trap '' TERM; sleep 987652 & echo ready; wait; echo survived-term", /ready/, [2000, 1000]);
    expect(r.killed).toBe('timeout');
    expect(r.signal).toBe('SIGKILL');
    expect(survivors('987652')).toBe(0);
  });

  test('overrides are validated', async () => {
    await using f = await makeToolbox({ sandbox: { backend: 'none' } });
    const o = f.toolbox.sandbox.overrides;
    expect(() => o.grant({ kind: 'root', minutes: 5, reason: 'why not' }, 'op')).toThrow(/kind must be/);
    expect(() => o.grant({ kind: 'unsandboxed', minutes: 0, reason: 'why not' }, 'op')).toThrow(/minutes must be an integer from 1 to 60/);
    expect(() => o.grant({ kind: 'unsandboxed', minutes: 600, reason: 'why not' }, 'op')).toThrow(/sandbox.max_override_minutes/);
    expect(() => o.grant({ kind: 'egress', target: 'nope', minutes: 5, reason: 'why not' }, 'op')).toThrow(/host:port/);
    expect(() => o.grant({ kind: 'unsandboxed', minutes: 5, reason: '' }, 'op')).toThrow(/reason/);
  });
});
