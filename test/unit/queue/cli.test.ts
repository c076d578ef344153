import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { runCli } from '../../../src/cli/program.ts';
import { startTestHost, type TestHost } from '../../helpers/test-host.ts';
import { REPO_ROOT } from '../../helpers/test-context.ts';
import { hostRoutesStep } from '../../../src/boot/host-routes.ts';
import { queueStep } from '../../../src/queue/boot-step.ts';
import { schedulerStep } from '../../../src/scheduler/boot-step.ts';

async function nxs(host: TestHost, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, {
    version: 'test',
    env: { NXS_HOME: host.home },
    paths: { runtimeDir: REPO_ROOT, payloadDir: path.join(REPO_ROOT, 'payload'), identityDir: path.join(REPO_ROOT, 'identity'), sqliteBinding: undefined, packed: false },
    stdout: (t) => void (out += t),
    stderr: (t) => void (err += t),
    setExitCode: () => {},
    isTTY: false,
  });
  return { code, out, err };
}

describe('nxs queue and nxs tasks', () => {
  it('selftest, stats, ls --history, retry and purge-dead against a running host', async () => {
    await using host = await startTestHost({ steps: [hostRoutesStep, queueStep, schedulerStep] });
    const st = await nxs(host, 'queue', 'selftest', '200', '--groups', '4', '--json');
    expect(st.code).toBe(0);
    expect(JSON.parse(st.out)).toMatchObject({ enqueued: 200, completed: 200 });
    const stats = await nxs(host, 'queue', 'stats');
    expect(stats.out).toMatch(/selftest\s+0\s+0\s+0\s+0\s+200/);
    const hist = await nxs(host, 'queue', 'ls', '--history', '--limit', '3', '--json');
    expect((JSON.parse(hist.out) as unknown[]).length).toBe(3);
    const retry = await nxs(host, 'queue', 'retry', '1');
    expect(retry.code).toBe(2);
    expect(retry.err).toContain('[NXS_ERR_JOB_NOT_DEAD]');
    expect((await nxs(host, 'queue', 'purge-dead', '--json')).out).toContain('"purged": 0');
    const full = await nxs(host, 'queue', 'selftest', '5000', '--groups', '1');
    expect(full.code).toBe(8);
    expect(full.err).toContain('[NXS_ERR_QUEUE_FULL]');
  });

  it('adds, lists, runs and removes tasks; bad input names the field', async () => {
    await using host = await startTestHost({ steps: [hostRoutesStep, queueStep, schedulerStep] });
    const add = await nxs(host, 'tasks', 'add', 'tick', '--every', '10m', '--queue', 'selftest', '--payload', '{"a":1}', '--missed', 'skip');
    expect(add.code).toBe(0);
    expect(add.out).toMatch(/^task tick added: every 10m, next run /);
    const bad = await nxs(host, 'tasks', 'add', 'x', '--cron', '0 9 * * *', '--tz', 'Nowhere/Town', '--queue', 'selftest');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('tz must be an IANA time zone');
    const ls = JSON.parse((await nxs(host, 'tasks', 'ls', '--json')).out) as { name: string; missed: string }[];
    expect(ls).toEqual([expect.objectContaining({ name: 'tick', missed: 'skip' })]);
    expect((await nxs(host, 'tasks', 'run-now', 'tick')).out).toMatch(/^task tick: job \d+ enqueued/);
    expect((await nxs(host, 'tasks', 'rm', 'tick')).code).toBe(0);
    expect((await nxs(host, 'tasks', 'rm', 'tick')).code).toBe(6);
  });
});
