import type { Context } from '../core/context.ts';
import { NxsError } from '../core/errors.ts';
import type { Route } from '../http/route.ts';
import type { FallbackClient } from './client.ts';

/** nxs's own view of the chain: `nxs providers ls|test` through the running host. */
export function providerApiRoutes(d: { ctx: Context; client: FallbackClient }): Route[] {
  return [
    {
      method: 'GET',
      path: '/api/providers',
      auth: 'token',
      beforeReady: true,
      handler: () => ({ body: { mode: d.client.mode(), providers: d.client.views() } }),
    },
    {
      method: 'POST',
      path: '/api/providers/test',
      auth: 'token',
      handler: async ({ body, signal }) => {
        const name = (body as { name?: unknown } | undefined)?.name;
        if (name !== undefined && typeof name !== 'string') throw new NxsError('NXS_ERR_BAD_REQUEST', 'body must be {} or {"name": "<provider>"}');
        const targets = name ? d.client.chain.filter((p) => p.name === name) : [...d.client.chain];
        if (name && targets.length === 0) throw new NxsError('NXS_ERR_NOT_FOUND', `no provider named ${name}; see: nxs providers ls`);
        const results = [];
        for (const p of targets) results.push({ name: p.name, ...(await d.client.probe(p, signal, true)) });
        return { body: { mode: d.client.mode(), results } };
      },
    },
  ];
}
