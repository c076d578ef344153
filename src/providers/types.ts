// The fallback client's contract with the rest of the host. src/providers
// implements it; the assistant, agents and the /v1 door consume it.

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string | null | unknown[];
  name?: string;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
}

export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** An OpenAI chat-completions request; unknown fields pass through to the provider. */
export interface ChatRequest {
  model?: string;
  messages: ChatMessage[];
  tools?: unknown[];
  tool_choice?: unknown;
  response_format?: unknown;
  temperature?: number;
  max_tokens?: number;
  [field: string]: unknown;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** How long the caller can wait in all (decides whether a Retry-After is honoured). */
  latencyBudgetMs?: number;
  /** The caller's own say over fallbacks, retries and timeout (the door's x-nxs-config header). */
  control?: import('./request-control.ts').RequestControl;
}

export interface AttemptRecord {
  provider: string;
  outcome: 'ok' | 'retry' | 'failover' | 'skipped' | 'caller-error';
  reason?: string;
  ms: number;
  /** Why a provider could not answer when that changes what the caller is told (exhausted-cause.ts). */
  cause?: 'rate_limit' | 'context_length';
}

/** Headers of the upstream answer as undici gave them (the door passes on the request id and rate-limit headers). */
export type UpstreamHeaders = Record<string, string | string[] | undefined>;

/** The OpenAI chat.completion object as the provider returned it (id, choices, usage...). */
export type ChatCompletion = {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: { index: number; message: ChatMessage; finish_reason: string | null }[];
  usage?: unknown;
  [field: string]: unknown;
};

export interface ChatResult {
  completion: ChatCompletion;
  provider: string;
  model: string;
  /** Answered from the emergency cache of earlier answers. */
  cached: boolean;
  attempts: AttemptRecord[];
  /** The serving provider's response headers (none for a cached answer). */
  upstreamHeaders?: UpstreamHeaders;
}

/** A streamed delta, as OpenAI's chat.completion.chunk. */
export type ChatChunk = { id: string; object: 'chat.completion.chunk'; created: number; model: string; choices: { index: number; delta: Partial<ChatMessage>; finish_reason: string | null }[]; [field: string]: unknown };

/** Who took a streamed request: known once a provider answered with an event stream (or the cache answered). */
export interface StreamAccepted {
  provider: string;
  /** The model id sent upstream (the cached answer's model for a cache hit). */
  model: string;
  cached: boolean;
  upstreamHeaders?: UpstreamHeaders;
}

export interface StreamOutcome {
  provider: string;
  /**
   * complete: ended normally; continued: cut mid-answer and finished on a provider declared
   * `continuation: assistant-prefix`, the seam checked; incomplete: cut and not finished.
   */
  ending: 'complete' | 'continued' | 'incomplete';
  text: string;
  attempts: AttemptRecord[];
  /** Answered from the emergency cache of earlier answers. */
  cached?: boolean;
}

export type ClientMode = 'normal' | 'degraded' | 'emergency';

export interface LlmClient {
  /** Throws NxsError NXS_ERR_PROVIDERS_EXHAUSTED when every provider fails and no cached answer fits. */
  chat(req: ChatRequest, opts?: CallOptions): Promise<ChatResult>;
  /**
   * A streamed call. It starts at once and runs whether or not `chunks` is read
   * (chunks are buffered), so `outcome` always settles; awaiting only `outcome`
   * never hangs. How the two agree:
   * - complete or continued answer: `chunks` ends normally (no throw); `outcome`
   *   resolves with ending `complete` | `continued` (cached answers: `cached: true`).
   * - cut mid-answer and not finishable: `chunks` throws NXS_ERR_STREAM_INCOMPLETE
   *   after the last chunk that was received (no made-up finish_reason);
   *   `outcome` RESOLVES with ending `incomplete` and the partial `text` (it does
   *   not reject).
   * - failure before any chunk (NXS_ERR_PROVIDERS_EXHAUSTED with no cached answer,
   *   NXS_ERR_PROVIDER_REJECTED, ...): `chunks` throws it on the first `next()`;
   *   `outcome` rejects with the same error.
   * - cancelled (opts.signal aborts, or the consumer stops reading early with
   *   `break`/`return()`, which cancels the upstream request): `outcome` rejects
   *   NXS_ERR_PROVIDER_ABORTED; after a `break` the iterator is simply done.
   * `outcome` never causes an unhandled rejection if nobody awaits it.
   */
  stream(req: ChatRequest, opts?: CallOptions): { chunks: AsyncIterable<ChatChunk>; outcome: Promise<StreamOutcome> };
  mode(): ClientMode;
  /** Called when a provider answers again after emergency mode. */
  onRecovered(listener: () => void): () => void;
}
