import { getHeapStatistics } from 'node:v8';
import type { BootStep } from './boot-step.ts';
import { listBoots, readBootLog } from '../store/boot-records.ts';
import { NxsError } from '../core/errors.ts';
import type { Context } from '../core/context.ts';
import type { HostBase } from './parts.ts';
import { anyToken, needs } from '../http/route.ts';

/** The spine's own API: status and seed 004's boot log. */
export const hostRoutesStep: BootStep = {
  name: 'host-routes',
  start(ctx, parts) {
    parts.routes.push(
      {
        method: 'GET',
        path: '/api/status',
        access: anyToken('what nxs status shows: version, tier, uptime and part states, no payloads'),
        beforeReady: true,
        handler: () => ({ body: hostStatus(ctx, parts) }),
      },
      {
        method: 'GET',
        path: '/api/boot/log',
        access: anyToken('seed 004 §4: the boot sequence (secrets scrubbed when written)'),
        handler: ({ query }) => {
          const found = readBootLog(ctx.db, query.get('boot_id') ?? undefined);
          if (!found) throw new NxsError('NXS_ERR_NOT_FOUND', `no boot ${query.get('boot_id') ?? '(none recorded yet)'}`);
          return { body: { boot_id: found.bootId, log: found.log } };
        },
      },
      {
        method: 'GET',
        path: '/api/boot/list',
        access: anyToken('seed 004 §4: boot ids and times'),
        handler: () => ({ body: { boots: listBoots(ctx.db) } }),
      },
      {
        method: 'POST',
        path: '/api/boot/entry',
        access: needs('ADMIN'),
        handler: ({ body }) => {
          const entry = (body as { entry?: unknown } | undefined)?.entry;
          if (typeof entry !== 'string' || entry.trim() === '') throw new NxsError('NXS_ERR_BAD_REQUEST', 'body must be {"entry": "<non-empty text>"}');
          if (entry.length > 4000) throw new NxsError('NXS_ERR_BAD_REQUEST', 'entry is longer than 4000 characters');
          ctx.bootLog.add(entry);
          return { body: { success: true } };
        },
      },
    );
  },
};

export function hostStatus(ctx: Context, parts: HostBase): Record<string, unknown> {
  const sections: Record<string, unknown> = {};
  for (const [name, read] of parts.status) sections[name] = read();
  return {
    version: ctx.version,
    boot_id: ctx.bootLog.bootId,
    pid: process.pid,
    uptime_ms: Math.round(process.uptime() * 1000),
    data_dir: ctx.config.dataDir,
    tier: ctx.profile.current.tier,
    memory_rss_bytes: process.memoryUsage.rss(),
    // The soak (bench/soak.ts) watches it for leaks; getHeapStatistics is cheap, unlike memoryUsage().
    memory_heap_used_bytes: getHeapStatistics().used_heap_size,
    ...sections,
  };
}
