import path from 'node:path';
import { loadConfig, type Config, type LoadedConfig } from '../config/load.ts';
import { systemClock, type Clock } from '../core/clock.ts';
import { createLogger, prettyDestination, type Logger } from '../core/logger.ts';
import { EventBus } from '../core/events.ts';
import type { Lifecycle } from '../core/lifecycle.ts';
import { SecretRedactor } from '../core/secrets-redactor.ts';
import type { Context } from '../core/context.ts';
import { openStore, type Db } from '../store/database.ts';
import { ALL_MIGRATIONS } from '../store/migration-registry.ts';
import { PROFILES, ProfileHolder } from '../detect/profile.ts';
import { TokenAuthority } from '../http/auth.ts';
import { BootLog } from './boot-log.ts';
import { lockDataDir } from './data-lock.ts';
import { prepareDataDir } from './data-dir.ts';
import { ensureOperatorToken } from './api-token.ts';
import type { HostBase } from './parts.ts';
import type { DestinationStream } from 'pino';
import type { ConfigFlags } from '../config/load.ts';
import type { RuntimePaths } from '../runtime/paths.ts';
import type { BootStep } from './boot-step.ts';
import { HostMetrics } from '../metrics/host-metrics.ts';
import { LogTail } from '../console/log-tail.ts';

// Steps 1 to 4 of startHost (src/boot/host.ts): what the host holds before it listens.

export interface StartHostOptions {
  version: string;
  env: Readonly<Record<string, string | undefined>>;
  flags?: ConfigFlags;
  paths: RuntimePaths;
  clock?: Clock;
  /** Log sink; stderr when omitted. */
  logDestination?: DestinationStream;
  /** Replaces BOOT_STEPS (tests start a host with only the parts they need). */
  steps?: readonly BootStep[];
}

/** The boot's own clock: the boot log, when it began, and each phase timed into the log. */
export interface Boot {
  opts: StartHostOptions;
  clock: Clock;
  bootLog: BootLog;
  /** `performance.now()` when startHost was called (the process line of the boot log). */
  bootStartedAt: number;
  startedAt: number;
  timed<T>(name: string, fn: () => T | Promise<T>, detail?: (v: T) => string): Promise<T>;
}

/** What step 1 read: the config, the logger on it, and the secrets it knows. */
export interface Settings {
  loaded: LoadedConfig;
  config: Config;
  log: Logger;
  redactor: SecretRedactor;
  logTail: LogTail;
}

export function beginBoot(opts: StartHostOptions): Boot {
  const bootStartedAt = performance.now();
  const clock = opts.clock ?? systemClock;
  const bootLog = new BootLog(clock);
  return {
    opts,
    clock,
    bootLog,
    bootStartedAt,
    startedAt: clock.now(),
    async timed(name, fn, detail) {
      const t0 = performance.now();
      const v = await fn();
      bootLog.phase(name, performance.now() - t0, detail?.(v));
      return v;
    },
  };
}

/** 1. The layered config, the secrets it holds registered with the redactor, and the logger. */
export async function readSettings(boot: Boot): Promise<Settings> {
  const { opts } = boot;
  const redactor = new SecretRedactor();
  redactor.add(opts.env.NXS_API_TOKEN);
  const loaded = await boot.timed('config', () => reread(opts), (c) => c.files.join(', ') || 'defaults');
  const { config } = loaded;
  redactor.add(config.apiToken);
  const pretty = config.log.pretty === 'always' || (config.log.pretty === 'auto' && Boolean(process.stderr.isTTY));
  // The console's live tail reads the lines as the logger writes them (src/console/log-tail.ts).
  const logTail = new LogTail();
  const log = createLogger({
    level: config.log.level,
    redactor,
    destination: opts.logDestination ?? (pretty ? await prettyDestination() : undefined),
    tap: (line) => logTail.push(line),
  });
  return { loaded, config, log, redactor, logTail };
}

function reread(opts: StartHostOptions): LoadedConfig {
  return loadConfig({ env: opts.env, flags: opts.flags, defaultsFile: path.join(opts.paths.payloadDir, 'nxs.yaml') });
}

/**
 * 2. The data folder (tightened to owner-only), its lock and the store. Each stop
 * is registered the moment its resource is held: the lock first, so it is released
 * last, once the store is closed.
 */
export async function openDataFolder(boot: Boot, { config, loaded, log }: Settings, lifecycle: Lifecycle): Promise<Db> {
  const repaired = await boot.timed('data-dir', () => prepareDataDir(config.dataDir), () => config.dataDir);
  if (repaired) log.warn({ dataDir: config.dataDir, wasMode: repaired.wasMode, tightened: repaired.tightened }, `the data folder was open to other users (mode ${repaired.wasMode}); tightened it to 0700 and ${repaired.tightened} entries in it to owner-only`);
  // One host per store: a second one on this data folder stops here (exit 5).
  const dataLock = lockDataDir(config.dataDir);
  lifecycle.onStop('data-lock', () => dataLock.release());
  const db = await boot.timed('store', () =>
    openStore({
      file: path.join(config.dataDir, 'nxs.db'),
      nativeBinding: boot.opts.paths.sqliteBinding,
      synchronous: config.store.synchronous,
      busyTimeoutMs: config.store.busyTimeoutMs,
      migrations: ALL_MIGRATIONS,
    }),
  );
  lifecycle.onStop('store', () => {
    try {
      db.pragma('optimize');
    } finally {
      db.close();
    }
  });
  const { opts, bootLog } = boot;
  bootLog.attach(db, { version: opts.version, pid: process.pid, startedAt: boot.startedAt });
  bootLog.add(`nxs ${opts.version} starting (pid ${process.pid}, config ${loaded.files.join(', ') || 'built-in defaults'})`);
  return db;
}

/** 3. The operator's token (set, or made at first start); a weak one ends the start here. */
export async function readOperatorToken(boot: Boot, { config, loaded, redactor }: Settings): Promise<string> {
  const { env } = boot.opts;
  // Env is the later layer: when NXS_API_TOKEN is set it is the token's source, else the user's config file is.
  const source = env.NXS_API_TOKEN ? 'environment variable NXS_API_TOKEN' : `api_token in ${loaded.files.at(-1) ?? 'the config'}`;
  const token = await boot.timed('token', () => ensureOperatorToken(config.dataDir, config.apiToken ? { value: config.apiToken, source } : undefined));
  redactor.add(token);
  return token;
}

/** 4. The one context every part is handed. */
export function makeContext(boot: Boot, { config, log, redactor }: Settings, db: Db, lifecycle: Lifecycle): Context {
  const { opts, bootLog } = boot;
  const ctx: Context = {
    version: opts.version,
    config,
    rereadConfig: () => reread(opts),
    env: opts.env,
    log,
    clock: boot.clock,
    db,
    events: new EventBus({ log }), // a listener that throws is logged, never breaks its emitter
    paths: opts.paths,
    redactor,
    bootLog,
    lifecycle,
    profile: new ProfileHolder(PROFILES[config.tier === 'auto' ? 'standard' : config.tier]),
  };
  lifecycle.onStop('boot-log', () => bootLog.markStopped());
  return ctx;
}

export function makeHostBase(version: string, operatorToken: string, logTail: LogTail): HostBase {
  return {
    routes: [],
    auth: new TokenAuthority(operatorToken),
    status: new Map(),
    readiness: new Map(),
    operatorToken,
    logTail,
    // Made before the HTTP server: it counts every request, and the steps hand its observers to their parts.
    metrics: new HostMetrics(version),
  };
}

