// One build at a time per staging folder. build.ts wipes and refills .build/<arch>/
// and then writes dist/; two builds from one tree (an `npm start` while `npm test`
// builds for its e2e suite) would overwrite each other's staging and could leave a
// mixed dist/nxs. The second build waits for the first instead of failing: one
// after the other is what both users wanted.
import { mkdirSync, statSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { systemClock, type Clock, type TimerHandle } from '../src/core/clock.ts';
import { errorMessage } from '../src/core/errors.ts';
import { selfIdentity, tryPidLock, type HeldLock, type LockHolder, type StaleLock } from '../src/runtime/pid-lock.ts';

/** A re-check in case fs.watch misses a removal (network file systems), and to notice a holder that died. */
export const RECHECK_MS = 5_000;
/** A full release build takes ~2 min on 2 cores; a holder alive this long is stuck, or is not a build. */
export const WAIT_LIMIT_MS = 15 * 60_000;

export class BuildLockTimeout extends Error {
  readonly code = 'BUILD_LOCK_TIMEOUT';
  readonly holder: LockHolder | null;
  constructor(message: string, holder: LockHolder | null) {
    super(message);
    this.holder = holder;
  }
}

export interface TakeOptions {
  /** The lock file, e.g. <root>/.build/x64.lock; its folder must exist. */
  file: string;
  /** What it guards, for messages: `.build/x64`. */
  label: string;
  /** One line for the user (stderr in build.ts). */
  say: (line: string) => void;
  clock?: Clock;
  recheckMs?: number;
  timeoutMs?: number;
  self?: { pid: number; start: string | null };
}

/**
 * Takes the lock, waiting while a live build holds it: woken by fs.watch on the
 * lock's folder when the lock goes, with one timer as a backstop; never a tight loop.
 * Says once per holder that it waits; rejects with BuildLockTimeout after timeoutMs.
 */
export function takeBuildLock(o: TakeOptions): Promise<HeldLock> {
  const clock = o.clock ?? systemClock;
  const recheckMs = o.recheckMs ?? RECHECK_MS;
  const timeoutMs = o.timeoutMs ?? WAIT_LIMIT_MS;
  const self = o.self ?? selfIdentity();
  const base = path.basename(o.file);
  const deadline = clock.monotonic() + timeoutMs;
  return new Promise((resolve, reject) => {
    let settled = false;
    let watcher: FSWatcher | undefined;
    let timer: TimerHandle | undefined;
    let told: LockHolder | null = null;
    const settle = (done: () => void): void => {
      settled = true;
      watcher?.close();
      if (timer) clock.clearTimeout(timer);
      done();
    };
    const attempt = (): void => {
      if (settled) return;
      if (timer) clock.clearTimeout(timer);
      timer = undefined;
      let got;
      try {
        got = tryPidLock(o.file, self);
      } catch (err) {
        settle(() => reject(new Error(`build: cannot take the lock ${o.file}: ${errorMessage(err)}`, { cause: err })));
        return;
      }
      if (got.held) {
        const held = got.held;
        if (held.tookOver) o.say(tookOverLine(o.file, held.tookOver));
        settle(() => resolve(held));
        return;
      }
      const holder = got.holder;
      if (holder && (told?.pid !== holder.pid || told.start !== holder.start)) {
        told = holder;
        o.say(`build: waiting for the build with pid ${holder.pid} (started ${startedAt(o.file)}) to finish with ${o.label}`);
      }
      const left = deadline - clock.monotonic();
      if (left <= 0) {
        const who = told ? `the build with pid ${told.pid}` : 'other builds';
        const fix = told ? `stop it (kill ${told.pid}) if it is stuck` : `remove ${o.file} if no build is running`;
        settle(() => reject(new BuildLockTimeout(`build: gave up after ${Math.round(timeoutMs / 60_000)} min waiting for ${who} to finish with ${o.label}; ${fix}, then build again`, told)));
        return;
      }
      timer = clock.setTimeout(attempt, Math.min(recheckMs, left));
    };
    // Watch before the first try, so a release between the try and the watch is not missed.
    try {
      watcher = watch(path.dirname(o.file), (_event, name) => {
        if (name === null || name === base) attempt();
      });
      // A watch that fails later (inotify limits) leaves the timer, which still finds the lock freed.
      watcher.on('error', () => watcher?.close());
    } catch {
      watcher = undefined; // no inotify at all: the timer alone
    }
    attempt();
  });
}

function tookOverLine(file: string, stale: StaleLock): string {
  const what = path.join(path.basename(path.dirname(file)), path.basename(file));
  if (!stale.holder) return `build: took over ${what}, which named no build (unreadable)`;
  const why = stale.why === 'gone' ? 'which is gone' : 'whose pid now names another process';
  return `build: took over ${what} left by pid ${stale.holder.pid}, ${why}`;
}

/** When the holder took the lock (the lock file's mtime), as HH:MM:SS local time. */
function startedAt(file: string): string {
  try {
    return statSync(file).mtime.toTimeString().slice(0, 8);
  } catch {
    return 'just now'; // released between the try and this look
  }
}

/**
 * For build.ts: takes <root>/.build/<arch>.lock (or <dir>/<arch>.lock: build.ts --build-dir)
 * for the rest of this process and releases it at exit, after a throw, and on
 * SIGINT/SIGTERM/SIGHUP (then dies of that signal as it would have). A SIGKILL
 * leaves the lock, which the next build takes over.
 */
export async function holdStagingLock(root: string, arch: string, say: (line: string) => void = (l) => console.error(l), dir = path.join(root, '.build')): Promise<HeldLock> {
  mkdirSync(dir, { recursive: true });
  let lock: HeldLock;
  try {
    lock = await takeBuildLock({ file: path.join(dir, `${arch}.lock`), label: path.relative(root, path.join(dir, arch)) || path.join(dir, arch), say });
  } catch (err) {
    say(errorMessage(err));
    process.exit(1);
  }
  process.on('exit', () => lock.release());
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      lock.release();
      process.kill(process.pid, signal);
    });
  }
  return lock;
}
