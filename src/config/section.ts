import type { ConfigCheck } from './check.ts';

/**
 * A part of nxs that owns some top-level config keys. The loader refuses keys
 * no section claims, and hands each section the whole merged document so it
 * can read its own keys (some parts accept several spellings, such as the
 * seeds' `providers` and `llm_providers`).
 */
export interface ConfigSection<T> {
  keys: readonly string[];
  parse(root: Record<string, unknown>, check: ConfigCheck): T;
}
