import type { BootStep } from './steps.ts';
import { listBoots, readBootLog } from './boot-log.ts';
import { NxsError } from '../core/errors.ts';
import type { Context } from '../core/context.ts';
import type { HostParts } from './parts.ts';

/** The spine's own API: status and seed 004's boot log. */
export const hostRoutesStep: BootStep = {
  name: 'host-routes',
  start(ctx, parts) {
    parts.routes.push(
      {
        method: 'GET',
        path: '/api/status',
        auth: 'token',
        beforeReady: true,
        handler: () => ({ body: hostStatus(ctx, parts) }),
      },
      {
        method: 'GET',
        path: '/api/boot/log',
        auth: 'token',
        handler: ({ query }) => {
          const found = readBootLog(ctx.db, query.get('boot_id') ?? undefined);
          if (!found) throw new NxsError('NXS_ERR_NOT_FOUND', `no boot ${query.get('boot_id') ?? '(none recorded yet)'}`);
          return { body: { boot_id: found.bootId, log: found.log } };
        },
      },
      {
        method: 'GET',
        path: '/api/boot/list',
        auth: 'token',
        handler: () => ({ body: { boots: listBoots(ctx.db) } }),
      },
      {
        method: 'POST',
        path: '/api/boot/entry',
        auth: 'token',
        capability: 'ADMIN',
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

export function hostStatus(ctx: Context, parts: HostParts): Record<string, unknown> {
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
    ...sections,
  };
}
