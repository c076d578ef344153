import type { ProviderSpec } from './provider-spec.ts';
import type { Transport } from './transport.ts';
import type { UpstreamHeaders } from './types.ts';
import { UpstreamFailure } from './upstream-failure.ts';
import { postJson } from './chat-call.ts';

/** An OpenAI embeddings request; unknown fields (encoding_format, dimensions, user) pass through. */
export interface EmbeddingsRequest {
  model?: string;
  input: unknown;
  [field: string]: unknown;
}

/** OpenAI's embeddings answer as the provider returned it. */
export interface EmbeddingsAnswer {
  object: 'list';
  data: { object: 'embedding'; index: number; embedding: number[] | string }[];
  model: string;
  usage?: { prompt_tokens?: number; total_tokens?: number };
  [field: string]: unknown;
}

export interface EmbeddingsResult {
  answer: EmbeddingsAnswer;
  provider: string;
  model: string;
  attempts: import('./types.ts').AttemptRecord[];
  upstreamHeaders?: UpstreamHeaders;
}

/**
 * One embeddings call to one provider (POST {base_url}/embeddings), through the same transport,
 * timeouts and failure classification as chat: an error answer is an UpstreamFailure the chain
 * runner retries or fails over on, a body without `data` is malformed.
 */
export async function callEmbeddings(t: Transport, p: ProviderSpec, body: EmbeddingsRequest, apiKey: string | undefined, signal?: AbortSignal): Promise<{ answer: EmbeddingsAnswer; headers: UpstreamHeaders }> {
  const { parsed, headers } = await postJson(t, p, '/embeddings', body, apiKey, signal);
  const a = parsed as EmbeddingsAnswer;
  if (!a || typeof a !== 'object' || !Array.isArray(a.data)) throw new UpstreamFailure({ kind: 'malformed', detail: 'no data list in the embeddings answer' }, 'malformed answer');
  return { answer: a, headers };
}
