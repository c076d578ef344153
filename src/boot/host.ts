import { NxsError, errorMessage } from '../core/errors.ts';
import type { Context } from '../core/context.ts';
import type { Logger } from '../core/logger.ts';
import { Lifecycle } from '../core/lifecycle.ts';
import { Router } from '../http/router.ts';
import { publicAccess, type Route } from '../http/route.ts';
import { startHttpServer, type RunningServer } from '../http/server.ts';
import { codeCacheState } from '../runtime/load-core.ts';
import { writeHostFile, removeHostFile } from './host-file.ts';
import { BOOT_STEPS, type BootStep, type HostParts } from './steps.ts';
import type { HostBase } from './parts.ts';
import { beginBoot, makeContext, makeHostBase, openDataFolder, readOperatorToken, readSettings, type Boot, type StartHostOptions } from './open-host.ts';

export type { StartHostOptions };

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
 * The composition root, in numbered steps, each phase timed into the boot log:
 * 1. config and logger; 2. data folder, lock and store; 3. operator token;
 * 4. the context; 5. HTTP (so /healthz answers while the rest starts); 6. the
 * boot steps (src/boot/steps.ts); 7. ready. Whatever step 2 to 5 took hold of
 * is released if a later one throws, so the next start on the folder succeeds.
 */
export async function startHost(opts: StartHostOptions): Promise<Host> {
  const boot = beginBoot(opts);
  const settings = await readSettings(boot);
  const { config, log } = settings;
  const lifecycle = new Lifecycle();
  let ctx: Context;
  let base: HostBase;
  let http: Listening;
  try {
    const db = await openDataFolder(boot, settings, lifecycle);
    const operatorToken = await readOperatorToken(boot, settings);
    ctx = makeContext(boot, settings, db, lifecycle);
    base = makeHostBase(opts.version, operatorToken, settings.logTail);
    http = await listen(boot, ctx, base);
  } catch (err) {
    await lifecycle.shutdown(log, config.shutdownTimeoutMs);
    throw err;
  }
  const parts = await runBootSteps(boot, ctx, base, opts.steps ?? BOOT_STEPS, http.router);
  return markReady(boot, ctx, parts, http);
}

interface Listening {
  server: RunningServer;
  router: Router;
  /** Flips /readyz (and the requests that wait for readiness). */
  setReady(ready: boolean): void;
}

/** 5. The HTTP server, answering /healthz and /readyz while the boot steps run. */
async function listen(boot: Boot, ctx: Context, base: HostBase): Promise<Listening> {
  const { config, log, redactor, lifecycle } = ctx;
  const router = new Router();
  let ready = false;
  router.addAll(healthRoutes(() => ready, base));
  const server = await boot.timed('http', () =>
    startHttpServer({ log, redactor, auth: base.auth, router, maxBodyBytes: config.server.maxBodyBytes, limits: config.server, isReady: () => ready, observer: base.metrics.http }, config.server.host, config.server.port),
  );
  lifecycle.onStop('http', () => server.close());
  return { server, router, setReady: (r) => void (ready = r) };
}

/**
 * 6. The boot steps, in order, each handed the base and what the steps before it
 * gave; then their routes join the router. A step that throws ends the start: everything stops in reverse, and the
 * error goes out with any registered secret scrubbed (the CLI prints it).
 */
async function runBootSteps(boot: Boot, ctx: Context, base: HostBase, steps: readonly BootStep[], router: Router): Promise<HostParts> {
  const parts: HostParts = base;
  try {
    for (const step of steps) {
      const gave = await boot.timed(step.name, () => step.start(ctx, parts));
      if (gave) Object.assign(parts, gave);
    }
    router.addAll(parts.routes);
    return parts;
  } catch (err) {
    const said = ctx.redactor.scrub(errorMessage(err));
    boot.bootLog.add(`boot failed: ${said}`);
    await ctx.lifecycle.shutdown(ctx.log, ctx.config.shutdownTimeoutMs);
    if (said !== errorMessage(err)) throw err instanceof NxsError ? new NxsError(err.code, said, err.details) : new NxsError('NXS_ERR_INTERNAL', said);
    throw err;
  }
}

/** 7. host.json, the ready lines of the boot log, and host.ready on the next turn of the event loop. */
function markReady(boot: Boot, ctx: Context, parts: HostParts, { server, router, setReady }: Listening): Host {
  const { config, log, lifecycle } = ctx;
  const { bootLog, startedAt, opts } = boot;
  writeHostFile(config.dataDir, { pid: process.pid, url: server.url, port: server.port, boot_id: bootLog.bootId, version: opts.version, started_at: new Date(startedAt).toISOString() });
  lifecycle.onStop('host-file', () => removeHostFile(config.dataDir, process.pid));
  setReady(true);
  bootLog.markReady();
  bootLog.add(`ready at ${server.url} after ${boot.clock.now() - startedAt} ms`);
  // Where a start's time went before startHost: Node's own bootstrap, then loading the code.
  const cache = codeCacheState();
  bootLog.add(`process: ${Math.round(performance.now())} ms since exec (Node bootstrap ${Math.round(performance.nodeTiming.bootstrapComplete)} ms, code loaded and CLI parsed by ${Math.round(boot.bootStartedAt)} ms${cache ? `, code cache ${cache}` : ''})`);
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
        setReady(false);
        bootLog.add(`stopping: ${reason}`);
        ctx.events.emit('host.stopping', { reason });
        log.info({ reason }, 'stopping');
      }
      await lifecycle.shutdown(log, config.shutdownTimeoutMs);
    },
  };
}

function healthRoutes(isReady: () => boolean, base: HostBase): Route[] {
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
        for (const [name, read] of base.readiness) details[name] = read();
        const ok = isReady();
        return { status: ok ? 200 : 503, body: { ready: ok, ...details } };
      },
    },
  ];
}

export type { Logger };
