import { NxsError } from '../core/errors.ts';
import { anyToken, type Route } from '../http/route.ts';
import { UPSTREAM_TIME_HEADER } from '../http/upstream-time.ts';
import { admitDoorRequest, openAiErrors, type DoorDeps } from './door.ts';
import { modelsFor } from './model-routes.ts';
import { passedOnHeaders } from './upstream-headers.ts';
import { validateEmbeddingsRequest } from './validate-request.ts';
import { estimatePrompt, reportedUsage } from './usage-count.ts';

/**
 * POST /v1/embeddings through the same chain as chat: only the providers that declare
 * `endpoints: [..., embeddings]`, routed by model (a chat model asked for here is 404
 * model_not_found), with the same failover, x-nxs-config, door-token bounds and usage records.
 * Nothing is cached or deferred: an outage is the 503 every SDK raises.
 */
export function embeddingsRoute(d: DoorDeps): Route {
  return {
    method: 'POST',
    path: '/v1/embeddings',
    access: anyToken('embeddings through the gateway: a token is what the operator hands a local program for it'),
    errorStyle: 'openai',
    scrubAnswer: true,
    handler: (r) => openAiErrors(d, async () => {
      const req = validateEmbeddingsRequest(r.body);
      const model = req.model;
      if (model !== undefined && model !== 'auto') {
        const served = modelsFor(d.client.chain, d.ctx.config.providers.client.modelGroups, 'embeddings');
        const named = served.size > 1 || modelsFor(d.client.chain, d.ctx.config.providers.client.modelGroups, 'chat').size > 1;
        // As for chat, with no model names configured anywhere any name passes through.
        if (named && !served.has(model)) {
          throw new NxsError('NXS_ERR_LLM_MODEL_UNKNOWN', `model ${JSON.stringify(model)} is not served for embeddings here; use one of ${[...served].join(', ')} (a provider serves embeddings when it lists them in endpoints)`, { param: 'model' });
        }
      }
      const { control, admission } = admitDoorRequest(d, r, model, 'embeddings');
      const res = await d.client.embed(req, { signal: r.signal, ...(control ? { control } : {}) });
      const used = reportedUsage(res.answer.usage);
      d.quota.spent(admission, res.provider, used?.prompt ?? estimatePrompt(req), 0);
      const headers = passedOnHeaders(res.upstreamHeaders);
      headers['x-nxs-provider'] = res.provider;
      headers['x-nxs-model'] = res.model;
      r.res.setHeader(UPSTREAM_TIME_HEADER, res.attempts.reduce((ms, a) => ms + a.ms, 0).toFixed(1));
      return { body: res.answer, headers };
    }),
  };
}
