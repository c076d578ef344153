import { createHash } from 'node:crypto';
import type { Context } from '../core/context.ts';
import { NxsError } from '../core/errors.ts';
import type { JobQueue, JobRecord } from '../queue/types.ts';
import type { ChatRequest, LlmClient } from './types.ts';

export const DEFERRED_QUEUE = 'llm.deferred';
/** One group: deferred requests are answered in the order they came. */
const GROUP = 'llm.deferred';
/** How long a job waits for the recovery event before giving its turn back to the queue's backoff. */
const WAIT_FOR_RECOVERY_MS = 120_000;

export interface DeferredPayload {
  request: ChatRequest;
}

/**
 * Deferred requests: when every provider fails and the caller asked for it
 * (header `x-nxs-defer: 1`; without it the door answers the error, so an SDK
 * raises and nothing runs later behind the caller's back), the /v1 door
 * queues the request in the durable queue. The worker waits for the client's recovery
 * (an event, not polling), bounded so the job's lease stays safe, then asks
 * the chain; while still down it throws and the queue backs off (capped at 5
 * minutes). The answer is kept for GET /v1/deferred/:id.
 */
export function wireDeferred(ctx: Context, client: LlmClient, queue: JobQueue): () => void {
  queue.declare({
    name: DEFERRED_QUEUE,
    maxAttempts: 1000,
    backoff: { baseMs: 2_000, maxMs: 300_000 },
    retryByCode: { NXS_ERR_PROVIDERS_EXHAUSTED: { baseMs: 2_000, maxMs: 300_000 }, NXS_ERR_PROVIDER_REJECTED: false, NXS_ERR_LLM_BAD_REQUEST: false },
  });
  return queue.process<DeferredPayload>(DEFERRED_QUEUE, async (payload, job) => {
    if (client.mode() === 'emergency') await waitForRecovery(ctx, client, job.signal);
    const r = await client.chat(payload.request, { signal: job.signal });
    if (r.cached) throw new NxsError('NXS_ERR_PROVIDERS_EXHAUSTED', 'still no provider; only a cached answer was available');
    // The creator goes with the answer: GET /v1/deferred/:id shows it to that caller only (and ADMIN).
    ctx.db.prepare('INSERT OR REPLACE INTO llm_deferred_results (job_id, completion, provider, finished_at, created_by) VALUES (?, ?, ?, ?, ?)').run(job.job.id, JSON.stringify(r.completion), r.provider, ctx.clock.now(), job.job.createdBy);
    ctx.log.info({ job: job.job.id, provider: r.provider }, 'deferred LLM request answered');
  });
}

/** Queues `req` for `createdBy` (the caller's principal id): only that caller (and ADMIN) may read the answer. */
export function deferRequest(queue: JobQueue, req: ChatRequest, createdBy: string): JobRecord {
  const { stream: _s, ...request } = req as ChatRequest & { stream?: boolean };
  // A client retrying the same request (the SDK does on errors) gets the same job; another caller
  // sending the same request gets its own (sharing one would hand it the first caller's job id and answer).
  const key = createHash('sha256').update(createdBy).update('\0').update(JSON.stringify(request)).digest('hex');
  return queue.enqueue<DeferredPayload>({ queue: DEFERRED_QUEUE, group: GROUP, payload: { request }, idempotencyKey: key, createdBy });
}

export function deferredResult(ctx: Context, jobId: number): { completion: unknown; provider: string; createdBy: string | null } | null {
  const row = ctx.db.prepare('SELECT completion, provider, created_by FROM llm_deferred_results WHERE job_id = ?').get(jobId) as { completion: string; provider: string; created_by: string | null } | undefined;
  return row ? { completion: JSON.parse(row.completion) as unknown, provider: row.provider, createdBy: row.created_by } : null;
}

function waitForRecovery(ctx: Context, client: LlmClient, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      off();
      ctx.clock.clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const off = client.onRecovered(done);
    const timer = ctx.clock.setTimeout(done, WAIT_FOR_RECOVERY_MS);
    signal.addEventListener('abort', done, { once: true });
  });
}
