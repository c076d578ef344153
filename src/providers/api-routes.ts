import type { Context } from '../core/context.ts';
import { NxsError } from '../core/errors.ts';
import { anyToken, needs, ownerScoped, type Route } from '../http/route.ts';
import { seesAll } from '../http/ownership.ts';
import type { FallbackClient } from './client.ts';
import type { UsageRow, UsageStore } from './usage-store.ts';
import type { LatencyWindows } from './latency-window.ts';

/** The longest window GET /api/providers/usage reads (a year and a day). */
const MAX_USAGE_DAYS = 366;

/** nxs's own view of the chain: `nxs providers ls|test|usage` through the running host, and the console's cooldown reset. */
export function providerApiRoutes(d: { ctx: Context; client: FallbackClient; usage: UsageStore; latency: LatencyWindows }): Route[] {
  return [
    {
      method: 'GET',
      path: '/api/providers',
      access: anyToken('what nxs providers ls shows: names, states, latencies and the mode, never keys'),
      beforeReady: true,
      // latency: p50/p95 of the provider's last answered attempts (latency-window.ts), null before its first answer.
      handler: () => ({ body: { mode: d.client.mode(), providers: d.client.views().map((v) => ({ ...v, latency: d.latency.summary(v.name) })) } }),
    },
    {
      method: 'POST',
      path: '/api/providers/:name/reset',
      access: needs('ADMIN'),
      handler: ({ params, principal }) => {
        const name = params.name!;
        if (!d.client.resetCooldown(name)) throw new NxsError('NXS_ERR_NOT_FOUND', `no provider named ${name}; see: nxs providers ls`);
        d.ctx.log.info({ provider: name, by: principal?.id }, 'provider cooldown reset by the operator: its breaker is closed');
        return { body: { provider: d.client.views().find((v) => v.name === name) ?? null } };
      },
    },
    {
      method: 'POST',
      path: '/api/providers/test',
      access: needs('ADMIN'),
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
    {
      method: 'GET',
      path: '/api/providers/usage',
      access: ownerScoped('tokens used through the /v1 door per day, caller and provider: a token sees its own rows; ADMIN every caller\'s'),
      handler: ({ query, principal }) => {
        const raw = query.get('days');
        if (raw !== null && !/^\d{1,3}$/.test(raw)) throw new NxsError('NXS_ERR_BAD_REQUEST', `days must be an integer from 1 to ${MAX_USAGE_DAYS}; got ${JSON.stringify(raw)}`);
        const days = raw === null ? 7 : Number(raw);
        if (days < 1 || days > MAX_USAGE_DAYS) throw new NxsError('NXS_ERR_BAD_REQUEST', `days must be an integer from 1 to ${MAX_USAGE_DAYS}; got ${days}`);
        const rows = d.usage.list(days, seesAll(principal!) ? undefined : principal!.id);
        return { body: { days, rows, totals: totalsOf(rows) } };
      },
    },
  ];
}

function totalsOf(rows: readonly UsageRow[]): { requests: number; prompt_tokens: number; completion_tokens: number } {
  const t = { requests: 0, prompt_tokens: 0, completion_tokens: 0 };
  for (const r of rows) {
    t.requests += r.requests;
    t.prompt_tokens += r.prompt_tokens;
    t.completion_tokens += r.completion_tokens;
  }
  return t;
}
