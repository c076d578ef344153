import path from 'node:path';
import type { DestinationStream } from 'pino';
import { loadConfig, type ConfigFlags } from '../config/load.ts';
import { systemClock, type Clock } from '../core/clock.ts';
import { createLogger, prettyDestination, type Logger } from '../core/logger.ts';
import { EventBus } from '../core/events.ts';
import { Lifecycle } from '../core/lifecycle.ts';
import { SecretRedactor } from '../core/secrets-redactor.ts';
import { NxsError, errorMessage } from '../core/errors.ts';
import type { Context } from '../core/context.ts';
import { openStore } from '../store/database.ts';
import { ALL_MIGRATIONS } from '../store/migration-registry.ts';
import type { RuntimePaths } from '../runtime/paths.ts';
import { PROFILES, ProfileHolder } from '../detect/profile.ts';
import { TokenAuthority } from '../http/auth.ts';
import { Router } from '../http/router.ts';
import { publicAccess, type Route } from '../http/route.ts';
import { startHttpServer, type RunningServer } from '../http/server.ts';
import { BootLog } from './boot-log.ts';
import { lockDataDir } from './data-lock.ts';
import { prepareDataDir } from './data-dir.ts';
import { codeCacheState } from '../runtime/load-core.ts';
import { ensureOperatorToken } from './api-token.ts';
import { writeHostFile, removeHostFile } from './host-file.ts';
import { BOOT_STEPS, type BootStep } from './steps.ts';
import type { HostParts } from './parts.ts';
import { HostMetrics } from '../metrics/host-metrics.ts';
import { LogTail } from '../console/log-tail.ts';

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

export interface Host {
  ctx: Context;
  parts: HostParts;
  url: string;
  port: number;
  /** Settles once `host.ready` was emitted (on the event loop's next turn after startHost returns). */
  announced: Promise<void>;
  /** Every route the API answers (the route matrix test reads it). */
  routes(): Route[];
  stop(reason: string): Promise<void>;
}

/**
 * The composition root. Phases, each timed into the boot log: config, data
 * folder, store, token, HTTP (so /healthz answers while the rest starts), then
 * the boot steps; the host is ready when the last step returns.
 */
export async function startHost(opts: StartHostOptions): Promise<Host> {
  const bootStartedAt = performance.now();
  const clock = opts.clock ?? systemClock;
  const startedAt = clock.now();
  const bootLog = new BootLog(clock);
  const timed = async <T>(name: string, fn: () => T | Promise<T>, detail?: (v: T) => string): Promise<T> => {
    const t0 = performance.now();
    const v = await fn();
    bootLog.phase(name, performance.now() - t0, detail?.(v));
    return v;
  };

  const redactor = new SecretRedactor();
  redactor.add(opts.env.NXS_API_TOKEN);
  const { config, files } = await timed('config', () => loadConfig({ env: opts.env, flags: opts.flags, defaultsFile: path.join(opts.paths.payloadDir, 'nxs.yaml') }), (c) => c.files.join(', ') || 'defaults');
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

  const repaired = await timed('data-dir', () => prepareDataDir(config.dataDir), () => config.dataDir);
  if (repaired) log.warn({ dataDir: config.dataDir, wasMode: repaired.wasMode, tightened: repaired.tightened }, `the data folder was open to other users (mode ${repaired.wasMode}); tightened it to 0700 and ${repaired.tightened} entries in it to owner-only`);
  // One host per store: a second one on this data folder stops here (exit 5).
  const dataLock = lockDataDir(config.dataDir);
  let db: Awaited<ReturnType<typeof openStore>>;
  try {
    db = await timed('store', () =>
      openStore({
        file: path.join(config.dataDir, 'nxs.db'),
        nativeBinding: opts.paths.sqliteBinding,
        synchronous: config.store.synchronous,
        busyTimeoutMs: config.store.busyTimeoutMs,
        migrations: ALL_MIGRATIONS,
      }),
    );
  } catch (err) {
    dataLock.release();
    throw err;
  }
  bootLog.attach(db, { version: opts.version, pid: process.pid, startedAt });
  bootLog.add(`nxs ${opts.version} starting (pid ${process.pid}, config ${files.join(', ') || 'built-in defaults'})`);

  const lifecycle = new Lifecycle();
  // Registered first, so it runs last: the lock goes once the store is closed.
  lifecycle.onStop('data-lock', () => dataLock.release());
  lifecycle.onStop('store', () => {
    try {
      db.pragma('optimize');
    } finally {
      db.close();
    }
  });
  // Env is the later layer: when NXS_API_TOKEN is set it is the token's source, else the user's config file is.
  const tokenSource = opts.env.NXS_API_TOKEN ? 'environment variable NXS_API_TOKEN' : `api_token in ${files.at(-1) ?? 'the config'}`;
  let operatorToken: string;
  try {
    operatorToken = await timed('token', () => ensureOperatorToken(config.dataDir, config.apiToken ? { value: config.apiToken, source: tokenSource } : undefined));
  } catch (err) {
    // A refused token ends the start here: close the store and free the data folder for the next try.
    await lifecycle.shutdown(log, config.shutdownTimeoutMs);
    throw err;
  }
  redactor.add(operatorToken);

  const ctx: Context = {
    version: opts.version,
    config,
    rereadConfig: () => loadConfig({ env: opts.env, flags: opts.flags, defaultsFile: path.join(opts.paths.payloadDir, 'nxs.yaml') }),
    env: opts.env,
    log,
    clock,
    db,
    events: new EventBus(),
    paths: opts.paths,
    redactor,
    bootLog,
    lifecycle,
    profile: new ProfileHolder(PROFILES[config.tier === 'auto' ? 'standard' : config.tier]),
  };
  lifecycle.onStop('boot-log', () => bootLog.markStopped());

  const router = new Router();
  // Made before the HTTP server: it counts every request, and the steps hand its observers to their parts.
  const metrics = new HostMetrics(opts.version);
  const parts: HostParts = {
    routes: [],
    auth: new TokenAuthority(operatorToken),
    status: new Map(),
    readiness: new Map(),
    operatorToken,
    logTail,
    metrics,
  };
  let ready = false;
  router.addAll(healthRoutes(() => ready, parts));

  let server: RunningServer;
  try {
    server = await timed('http', () =>
      startHttpServer({ log, redactor, auth: parts.auth, router, maxBodyBytes: config.server.maxBodyBytes, limits: config.server, isReady: () => ready, observer: metrics.http }, config.server.host, config.server.port),
    );
  } catch (err) {
    await lifecycle.shutdown(log, config.shutdownTimeoutMs);
    throw err;
  }
  lifecycle.onStop('http', () => server.close());

  try {
    for (const step of opts.steps ?? BOOT_STEPS) {
      await timed(step.name, () => step.start(ctx, parts));
    }
    router.addAll(parts.routes);
  } catch (err) {
    const said = redactor.scrub(errorMessage(err));
    bootLog.add(`boot failed: ${said}`);
    await lifecycle.shutdown(log, config.shutdownTimeoutMs);
    // The CLI prints this error's message on stderr: one that quotes a registered secret goes out scrubbed.
    if (said !== errorMessage(err)) throw err instanceof NxsError ? new NxsError(err.code, said, err.details) : new NxsError('NXS_ERR_INTERNAL', said);
    throw err;
  }

  writeHostFile(config.dataDir, { pid: process.pid, url: server.url, port: server.port, boot_id: bootLog.bootId, version: opts.version, started_at: new Date(startedAt).toISOString() });
  lifecycle.onStop('host-file', () => removeHostFile(config.dataDir, process.pid));
  ready = true;
  bootLog.markReady();
  bootLog.add(`ready at ${server.url} after ${clock.now() - startedAt} ms`);
  // Where a start's time went before startHost: Node's own bootstrap, then loading the code.
  const cache = codeCacheState();
  bootLog.add(`process: ${Math.round(performance.now())} ms since exec (Node bootstrap ${Math.round(performance.nodeTiming.bootstrapComplete)} ms, code loaded and CLI parsed by ${Math.round(bootStartedAt)} ms${cache ? `, code cache ${cache}` : ''})`);
  log.info({ url: server.url, bootId: bootLog.bootId, dataDir: config.dataDir, tier: ctx.profile.current.tier }, 'ready');
  // The work that starts at ready (network probes, the sandbox probe, deferred answers)
  // starts on the next turn of the event loop: the caller prints its banner first, and
  // a request that arrives at once is not queued behind all of it. Not on a host that
  // was stopped in between.
  const announced = new Promise<void>((resolve) =>
    setImmediate(() => {
      if (!lifecycle.isStopping) ctx.events.emit('host.ready', { bootId: bootLog.bootId, url: server.url });
      resolve();
    }),
  );

  return {
    ctx,
    parts,
    url: server.url,
    port: server.port,
    announced,
    routes: () => router.list(),
    stop: async (reason) => {
      if (!lifecycle.isStopping) {
        ready = false;
        bootLog.add(`stopping: ${reason}`);
        ctx.events.emit('host.stopping', { reason });
        log.info({ reason }, 'stopping');
      }
      await lifecycle.shutdown(log, config.shutdownTimeoutMs);
    },
  };
}

function healthRoutes(isReady: () => boolean, parts: HostParts): Route[] {
  return [
    {
      method: 'GET',
      path: '/healthz',
      access: publicAccess('liveness for supervisors: answers only ok'),
      beforeReady: true,
      handler: () => ({ body: { status: 'ok' } }),
    },
    {
      method: 'GET',
      path: '/readyz',
      access: publicAccess('readiness for supervisors: ready or not, and why'),
      beforeReady: true,
      handler: () => {
        const details: Record<string, unknown> = {};
        for (const [name, read] of parts.readiness) details[name] = read();
        const ok = isReady();
        return { status: ok ? 200 : 503, body: { ready: ok, ...details } };
      },
    },
  ];
}

export type { Logger };
