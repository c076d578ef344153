import { describe, it, expect } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { takeBuildLock, BuildLockTimeout, RECHECK_MS, WAIT_LIMIT_MS } from '../../../build/build-lock.ts';
import { parseLock, removeIfUnchanged, startTimeOf, staleness, tryPidLock } from '../../../src/runtime/pid-lock.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

const CHILD = path.join(import.meta.dirname, 'hold-lock-child.ts');
const WAITING = /^build: waiting for the build with pid (\d+) \(started \d\d:\d\d:\d\d\) to finish with \.build\/x64$/;

function tempRoot(): { root: string; file: string } {
  const root = mkdtempSync(path.join(tmpdir(), 'nxs-build-lock-'));
  mkdirSync(path.join(root, '.build'));
  return { root, file: path.join(root, '.build', 'x64.lock') };
}

/** A taker whose `said` lines arrive as events: `nextLine()` resolves on the next one. */
function taker(file: string, clock: FakeClock): { lock: ReturnType<typeof takeBuildLock>; said: string[]; nextLine(): Promise<string>; settled(): boolean } {
  const said: string[] = [];
  let seen = 0;
  let wake: (() => void) | undefined;
  let settled = false;
  const lock = takeBuildLock({ file, label: '.build/x64', clock, say: (line) => (said.push(line), wake?.()) });
  lock.then(() => (settled = true), () => (settled = true));
  // Lines said before anyone asked (the first try runs at once) count as next too.
  const nextLine = async (): Promise<string> => {
    if (seen === said.length) await new Promise<void>((r) => (wake = r));
    return said[seen++]!;
  };
  return { lock, said, settled: () => settled, nextLine };
}

/** A child that takes the lock as build.ts does; `held` resolves when it holds it. */
function child(root: string, mode: 'hold' | 'throw' | 'kill9'): { proc: ChildProcess; held: Promise<void>; exit: Promise<[number | null, string | null]>; stderr(): string } {
  const proc = spawn(process.execPath, [CHILD, root, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const held = new Promise<void>((resolve) => proc.stdout!.on('data', (d: Buffer) => d.toString().includes('held') && resolve()));
  return { proc, held, exit: once(proc, 'exit') as Promise<[number | null, string | null]>, stderr: () => err };
}

describe('the build lock: one build at a time per staging folder', () => {
  it('a live holder makes a second taker wait until it releases, saying so once, with one timer and no loop', async () => {
    const { file } = tempRoot();
    const clock = new FakeClock();
    const first = await takeBuildLock({ file, label: '.build/x64', clock, say: () => {} });
    const second = taker(file, clock);
    expect(await second.nextLine()).toMatch(WAITING);
    expect(clock.pending).toBe(1);
    await clock.advance(RECHECK_MS * 3); // the backstop re-checks while the holder lives
    expect(second.settled()).toBe(false);
    expect(second.said).toHaveLength(1);
    expect(clock.pending).toBe(1);
    first.release(); // fs.watch wakes the waiter; the fake clock does not move
    const held = await second.lock;
    expect(clock.pending).toBe(0);
    expect(parseLock(readFileSync(file, 'utf8'))).toEqual({ pid: process.pid, start: startTimeOf(process.pid) });
    held.release();
    expect(existsSync(file)).toBe(false);
  });

  it('a build process holding it makes the next wait; SIGTERM releases it and the waiter goes on', async () => {
    const { root, file } = tempRoot();
    const holder = child(root, 'hold');
    await holder.held;
    const clock = new FakeClock(); // only fs.watch can wake the waiter
    const waiter = taker(file, clock);
    expect(Number(WAITING.exec(await waiter.nextLine())![1])).toBe(holder.proc.pid);
    holder.proc.kill('SIGTERM');
    expect(await holder.exit).toEqual([null, 'SIGTERM']);
    const held = await waiter.lock;
    expect(held.tookOver).toBeNull();
    held.release();
  });

  it('two builds started at once: one holds, the other waits and then holds', async () => {
    const { root } = tempRoot();
    const a = child(root, 'hold');
    const b = child(root, 'hold');
    const [first, second] = await Promise.race([a.held.then(() => [a, b]), b.held.then(() => [b, a])]);
    const saidWaiting = new Promise<void>((resolve) => second!.proc.stderr!.on('data', () => WAITING.test(second!.stderr().trim()) && resolve()));
    await saidWaiting;
    expect(Number(WAITING.exec(second!.stderr().trim())![1])).toBe(first!.proc.pid); // said once, naming the holder
    first!.proc.kill('SIGTERM');
    await first!.exit;
    await second!.held;
    second!.proc.kill('SIGTERM');
    expect(await second!.exit).toEqual([null, 'SIGTERM']);
  });

  it('the lock is gone after a build that throws', async () => {
    const { root, file } = tempRoot();
    const build = child(root, 'throw');
    const [code] = await build.exit;
    expect(code).toBe(1);
    expect(build.stderr()).toContain('the build failed half-way');
    expect(existsSync(file)).toBe(false);
  });

  it('the lock of a build killed with SIGKILL is taken over, with a one-line note', async () => {
    const { root, file } = tempRoot();
    const build = child(root, 'kill9');
    expect(await build.exit).toEqual([null, 'SIGKILL']);
    expect(parseLock(readFileSync(file, 'utf8'))?.pid).toBe(build.proc.pid);
    const next = taker(file, new FakeClock());
    const held = await next.lock;
    expect(next.said).toEqual([`build: took over .build/x64.lock left by pid ${build.proc.pid}, which is gone`]);
    expect(parseLock(readFileSync(file, 'utf8'))?.pid).toBe(process.pid);
    held.release();
  });

  it('a lock whose pid is alive but names another process (pid reused) is taken over', async () => {
    const { file } = tempRoot();
    writeFileSync(file, `${process.pid} 1\n`);
    const next = taker(file, new FakeClock());
    (await next.lock).release();
    expect(next.said).toEqual([`build: took over .build/x64.lock left by pid ${process.pid}, whose pid now names another process`]);
  });

  it('a holder that dies while another waits (its lock left behind) is noticed by the backstop timer', async () => {
    const { file } = tempRoot();
    const sleeper = spawn('sleep', ['600'], { stdio: 'ignore' });
    await once(sleeper, 'spawn');
    writeFileSync(file, `${sleeper.pid} ${startTimeOf(sleeper.pid!)}\n`);
    const clock = new FakeClock();
    const waiter = taker(file, clock);
    expect(await waiter.nextLine()).toMatch(WAITING);
    sleeper.kill('SIGKILL');
    await once(sleeper, 'exit'); // reaped: no /proc entry left
    expect(waiter.settled()).toBe(false); // nothing touched the lock, so fs.watch says nothing
    await clock.advance(RECHECK_MS);
    (await waiter.lock).release();
    expect(waiter.said[1]).toBe(`build: took over .build/x64.lock left by pid ${sleeper.pid}, which is gone`);
  });

  it('gives up after the bound with an error naming the holder, and leaves its lock alone', async () => {
    const { file } = tempRoot();
    const clock = new FakeClock();
    const first = await takeBuildLock({ file, label: '.build/x64', clock, say: () => {} });
    const waiter = taker(file, clock);
    await waiter.nextLine();
    const failed = expect(waiter.lock).rejects.toThrow(BuildLockTimeout);
    await clock.advance(WAIT_LIMIT_MS);
    await failed;
    await expect(waiter.lock).rejects.toThrow(`build: gave up after 15 min waiting for the build with pid ${process.pid} to finish with .build/x64; stop it (kill ${process.pid}) if it is stuck, then build again`);
    expect(clock.pending).toBe(0);
    expect(parseLock(readFileSync(file, 'utf8'))?.pid).toBe(process.pid);
    first.release();
  });
});

describe('the pid lock underneath (shared with the data-folder lock)', () => {
  it.each([
    [null, '123', 'unreadable'],
    [{ pid: 7, start: '123' }, null, 'gone'],
    [{ pid: 7, start: '123' }, '456', 'reused'],
    [{ pid: 7, start: '123' }, '123', 'live'],
  ] as const)('staleness(%j, now %s) is %s', (holder, now, expected) => {
    expect(staleness(holder, now)).toBe(expected);
  });

  it('removes a stale lock only if it still says what was judged stale', () => {
    const { file } = tempRoot();
    writeFileSync(file, '4194302 1\n');
    expect(removeIfUnchanged(file, '4194302 2\n')).toBe('changed'); // a fresh lock made since: kept
    expect(readFileSync(file, 'utf8')).toBe('4194302 1\n');
    expect(removeIfUnchanged(file, '4194302 1\n')).toBe('removed');
    expect(existsSync(file)).toBe(false);
    expect(removeIfUnchanged(file, '4194302 1\n')).toBe('absent');
  });

  it('never leaves its private files behind, and a release is one-shot', () => {
    const { root, file } = tempRoot();
    const got = tryPidLock(file);
    expect(got.held).not.toBeNull();
    const again = tryPidLock(file);
    expect(again).toEqual({ held: null, holder: { pid: process.pid, start: startTimeOf(process.pid) } });
    got.held!.release();
    const next = tryPidLock(file);
    got.held!.release(); // a second release must not remove the next holder's lock
    expect(existsSync(file)).toBe(true);
    next.held!.release();
    expect(readdirSync(path.join(root, '.build'))).toEqual([]);
  });
});
