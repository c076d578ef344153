import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { parseConfig, type Config } from '../../src/config/load.ts';
import { createLogger } from '../../src/core/logger.ts';
import { EventBus } from '../../src/core/events.ts';
import { Lifecycle } from '../../src/core/lifecycle.ts';
import { SecretRedactor } from '../../src/core/secrets-redactor.ts';
import type { Context } from '../../src/core/context.ts';
import type { Clock } from '../../src/core/clock.ts';
import { openStore } from '../../src/store/database.ts';
import { ALL_MIGRATIONS } from '../../src/store/migration-registry.ts';
import { BootLog } from '../../src/boot/boot-log.ts';
import { PROFILES, ProfileHolder } from '../../src/detect/profile.ts';
import type { TierName } from '../../src/config/schema.ts';
import { FakeClock } from './fake-clock.ts';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../..');

export interface TestContext extends Context {
  /** Every log line written, as text (search it for planted secrets). */
  logLines: string[];
  dir: string;
  clock: Clock;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * A real context for unit tests: a temp data folder with a migrated SQLite
 * store, a logger writing into `logLines`, a fake clock unless one is given.
 * Use with `await using ctx = await makeTestContext()`.
 */
export async function makeTestContext(opts: { config?: Record<string, unknown>; clock?: Clock; tier?: TierName; env?: Record<string, string> } = {}): Promise<TestContext> {
  const dir = mkdtempSync(path.join(tmpdir(), 'nxs-test-'));
  const doc = { data_dir: path.join(dir, 'data'), ...(opts.config ?? {}) };
  const config: Config = parseConfig(doc, new Map(), dir);
  const clock = opts.clock ?? new FakeClock();
  const logLines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      cb();
    },
  });
  const redactor = new SecretRedactor();
  const log = createLogger({ level: 'debug', redactor, destination: sink });
  const { mkdirSync } = await import('node:fs');
  mkdirSync(config.dataDir, { recursive: true });
  const db = openStore({ file: path.join(config.dataDir, 'nxs.db'), synchronous: 'normal', busyTimeoutMs: 1000, migrations: ALL_MIGRATIONS });
  const bootLog = new BootLog(clock);
  bootLog.attach(db, { version: 'test', pid: process.pid, startedAt: clock.now() });
  const lifecycle = new Lifecycle();
  const ctx: TestContext = {
    version: 'test',
    config,
    rereadConfig: () => ({ config: parseConfig(doc, new Map(), dir), files: [] }),
    env: opts.env ?? {},
    log,
    clock,
    db,
    events: new EventBus({ log }),
    paths: { runtimeDir: REPO_ROOT, payloadDir: path.join(REPO_ROOT, 'payload'), identityDir: path.join(REPO_ROOT, 'identity'), sqliteBinding: undefined, packed: false },
    redactor,
    bootLog,
    lifecycle,
    profile: new ProfileHolder(PROFILES[opts.tier ?? 'standard']),
    logLines,
    dir,
    async [Symbol.asyncDispose]() {
      await lifecycle.shutdown(log, 2000);
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return ctx;
}
