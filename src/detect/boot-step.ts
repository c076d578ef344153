import type { BootStep } from '../boot/boot-step.ts';
import { tierCollector } from '../metrics/collectors/tier.ts';
import type { Context } from '../core/context.ts';
import { errorMessage } from '../core/errors.ts';
import type { TierName } from '../config/schema.ts';
import { detectLocal, detectNetwork, type DetectOptions } from './detect.ts';
import type { Facts, NetworkProbeFacts } from './facts.ts';
import { checkForcedTier, selectTier } from './select-tier.ts';
import { profileFor } from './profile-for.ts';
import { ResourceMonitor } from './monitor.ts';
import { PressureReader } from './pressure-reader.ts';
import { summarize } from './summary.ts';
import { diskRoomGuard, type DetectHandle } from './handle.ts';
import type { PressureReading } from './monitor-decision.ts';
import { providerEndpoints } from './provider-endpoints.ts';
import { pruneLogs } from './log-prune.ts';

export interface DetectStepOptions {
  /** The folder standing for `/`; tests point it at a fake tree. */
  root?: string;
  /** Replaces the pressure reader (tests script readings). */
  read?: (tier: TierName) => Promise<PressureReading>;
  /** Endpoints to check besides `detect.endpoints` and the configured providers' base URLs. */
  endpoints?: (ctx: Context) => string[];
}

/**
 * Boot step `detect` (after systemd and metrics, before the parts that size
 * themselves by the tier): measure the box (local probes only: readiness never
 * waits on the network), choose and apply the tier, then start the network
 * probes and the resource monitor in the background. Gives `detect`.
 */
export function makeDetectStep(opts: DetectStepOptions = {}): BootStep<object, { detect: DetectHandle }> {
  return {
    name: 'detect',
    async start(ctx, parts) {
      const root = opts.root ?? '/';
      const cfg = ctx.config.detect;
      const o: DetectOptions = {
        root,
        env: ctx.env,
        dataDir: ctx.config.dataDir,
        nvidiaSmiTimeoutMs: cfg.probes.nvidiaSmiTimeoutMs,
        networkTimeoutMs: cfg.probes.networkTimeoutMs,
        endpoints: [...new Set([...cfg.probes.endpoints, ...providerEndpoints(ctx.config), ...(opts.endpoints?.(ctx) ?? [])])],
        lmstudioUrl: cfg.probes.lmstudioUrl,
        ollamaUrl: cfg.probes.ollamaUrl,
      };
      // Proxy URLs may carry user:password; status masks them, and the redactor keeps them out of every log.
      for (const name of ['HTTPS_PROXY', 'HTTP_PROXY', 'ALL_PROXY', 'https_proxy', 'http_proxy', 'all_proxy']) {
        ctx.redactor.add(proxyPassword(ctx.env[name]));
      }
      const local = await detectLocal(o);
      let facts: Facts = { detectedAt: new Date(ctx.clock.now()).toISOString(), ...local.facts, timings: local.timings };
      for (const [k, v] of summarize(local.facts)) ctx.bootLog.add(`detect ${k}: ${v}`);

      const choice = selectTier(local.facts, cfg.tierPolicy);
      const forced = ctx.config.tier === 'auto' ? null : ctx.config.tier;
      const warnings = forced ? checkForcedTier(local.facts, cfg.tierPolicy, forced) : [];
      const tier = forced ?? choice.tier;
      const { profile, adjustments } = profileFor(tier, local.facts);
      const why = forced ? `forced by config (detection chose ${choice.tier})` : 'detected';
      ctx.profile.set(profile, `tier ${tier} ${why}`);
      ctx.bootLog.add(`tier ${tier} (${why}): ${choice.reasons.join('; ')}`);
      if (adjustments.length) ctx.bootLog.add(`profile fitted to the box: ${adjustments.join('; ')}`);
      for (const w of warnings) {
        ctx.bootLog.add(`warning: ${w}`);
        ctx.log.warn({ tier: forced }, w);
      }
      ctx.log.info({ tier, detected: choice.tier, forced }, 'tier chosen');

      const applyTier = (t: TierName, reason: string): void => ctx.profile.set(profileFor(t, local.facts).profile, reason);
      const reader = new PressureReader({ root, dataDir: ctx.config.dataDir, rss: () => process.memoryUsage.rss() });
      const note = (line: string): void => {
        // After shutdown the store is closed; a late note is dropped rather than thrown.
        if (!ctx.lifecycle.isStopping) ctx.bootLog.add(line);
      };
      const monitor = new ResourceMonitor({
        clock: ctx.clock,
        profile: ctx.profile,
        events: ctx.events,
        log: ctx.log,
        note,
        policy: cfg.tierPolicy,
        ceiling: tier,
        read: opts.read ?? ((t) => reader.read(t, cfg.tierPolicy)),
        applyTier,
        watchFile: opts.read ? null : await watchTarget(reader, root),
      });
      ctx.lifecycle.onStop('detect-monitor', () => monitor.stop());
      // Low disk: let go of nxs's own old records before the store runs out of room.
      const offDiskLow = ctx.events.on('disk.low', () => {
        if (ctx.lifecycle.isStopping) return;
        const days = ctx.profile.current.logRetentionDays;
        try {
          const r = pruneLogs(ctx.db, { dataDir: ctx.config.dataDir, currentBootId: ctx.bootLog.bootId, now: ctx.clock.now(), retentionDays: days });
          const line = `disk low: pruned logs older than ${days} days: ${r.boots} boot(s) with ${r.rows} boot-log line(s), ${r.files} log file(s) (${r.bytes} bytes)${r.errors.length ? `; could not remove ${r.errors.join('; ')}` : ''}`;
          note(line);
          ctx.log.warn({ boots: r.boots, rows: r.rows, files: r.files, bytes: r.bytes, errors: r.errors }, 'disk low: logs pruned');
        } catch (err) {
          ctx.log.warn({ err: errorMessage(err) }, 'disk low: pruning logs failed');
        }
      });
      ctx.lifecycle.onStop('detect-disk-prune', offDiskLow);

      // The network probes start as the host turns ready: readiness never waited for them, and started
      // here their sockets and parsing (~25 ms of CPU on a 2-core box) competed with the rest of the boot.
      const networkReady = ctx.events.once('host.ready').then(() => detectNetwork(o)).then(
        (net): NetworkProbeFacts => {
          facts = { ...facts, ...net.facts, timings: { ...facts.timings, ...net.timings } };
          for (const [k, v] of summarize(net.facts)) note(`detect ${k}: ${ctx.redactor.scrub(v)}`);
          return net.facts;
        },
        // detectNetwork answers errors per probe; this only catches a bug, and readiness must not care.
        (err: unknown): NetworkProbeFacts => {
          const error = `network detection failed: ${errorMessage(err)}`;
          ctx.log.warn(error);
          return { network: { error }, localLlm: { error } };
        },
      );

      const handle: DetectHandle = {
        facts: () => facts,
        choice,
        forced,
        warnings,
        networkReady,
        diskLow: () => monitor.diskLow(),
        assertDiskRoom: diskRoomGuard(monitor, () => ctx.profile.current.diskFloorBytes),
        monitor,
      };
      parts.metrics.registry.onCollect(tierCollector(parts.metrics, () => ctx.profile.current.tier, () => choice.tier));
      parts.status.set('detect', () => ({
        tier: ctx.profile.current.tier,
        detected_tier: choice.tier,
        forced_tier: forced,
        reasons: choice.reasons,
        warnings,
        memory_pressure: monitor.current.underPressure,
        disk_low: monitor.diskLow(),
        facts,
      }));
      monitor.start();
      return { detect: handle };
    },
  };
}

function proxyPassword(value: string | undefined): string | undefined {
  if (!value) return undefined;
  try {
    return decodeURIComponent(new URL(value).password) || undefined;
  } catch {
    // Not a URL: nothing to pick out; the status masks it anyway.
    return undefined;
  }
}

async function watchTarget(reader: PressureReader, root: string): Promise<string | null> {
  const file = await reader.eventsFile();
  return file === null ? null : root === '/' ? file : `${root}${file}`;
}

export const detectStep = makeDetectStep();
