import { createHash } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import type { Db } from '../store/database.ts';
import type { ChatCompletion, ChatRequest } from './types.ts';
import { scrubStrings, type TextScrubber } from '../core/secrets-redactor.ts';

/**
 * Emergency mode's exact-match cache: a request's digest (messages, model,
 * tools, response_format and the sampling fields that change an answer) to
 * the last answer a provider gave. Bounded: the least recently used go first.
 */
/** An earlier whole answer to the same request, and who gave it. */
export interface CachedAnswer {
  completion: ChatCompletion;
  provider: string;
}

export class AnswerCache {
  private readonly db: Db;
  private readonly max: number;
  private readonly now: () => number;
  private stmts: Record<'get' | 'touch' | 'upsert' | 'count' | 'evict', Statement<unknown[]>> | null = null;
  /** Answers waiting for the deferred write (putLater), in arrival order. */
  private pending: { req: ChatRequest; completion: ChatCompletion; provider: string; at: number }[] = [];
  private flushQueued = false;
  private readonly schedule: (flush: () => void) => void;
  private readonly scrubber: TextScrubber;
  /**
   * `schedule` runs the deferred write (putLater): by default the next turn of
   * the event loop (setImmediate), after the response that produced the answer
   * has been written; no timer, so an idle host holds none. `scrubber` removes
   * registered secrets from an answer before it is kept: a provider that echoes
   * a key must not have it stored, nor served again from here.
   */
  constructor(db: Db, max: number, now: () => number, schedule: (flush: () => void) => void = (f) => setImmediate(f), scrubber: TextScrubber = { scrub: (t) => t }) {
    this.db = db;
    this.max = max;
    this.now = now;
    this.schedule = schedule;
    this.scrubber = scrubber;
  }

  // Prepared once, on first use (the table exists only after migrations).
  private get sql() {
    this.stmts ??= {
      get: this.db.prepare('SELECT completion, provider FROM llm_answer_cache WHERE key = ?'),
      touch: this.db.prepare('UPDATE llm_answer_cache SET used_at = ? WHERE key = ?'),
      upsert: this.db.prepare('INSERT INTO llm_answer_cache (key, completion, provider, created_at, used_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET completion = excluded.completion, provider = excluded.provider, used_at = excluded.used_at'),
      count: this.db.prepare('SELECT count(*) AS n FROM llm_answer_cache'),
      evict: this.db.prepare('DELETE FROM llm_answer_cache WHERE key IN (SELECT key FROM llm_answer_cache ORDER BY used_at ASC LIMIT ?)'),
    };
    return this.stmts;
  }

  get(req: ChatRequest): CachedAnswer | null {
    if (this.max === 0) return null;
    this.flush();
    const key = cacheKey(req);
    const row = this.sql.get.get(key) as { completion: string; provider: string } | undefined;
    if (!row) return null;
    this.sql.touch.run(this.now(), key);
    return { completion: JSON.parse(row.completion) as ChatCompletion, provider: row.provider };
  }

  put(req: ChatRequest, completion: ChatCompletion, provider: string): void {
    if (this.max === 0) return;
    this.pending.push({ req, completion: scrubStrings(completion, this.scrubber), provider, at: this.now() });
    this.flush();
  }

  /**
   * Records an answer later (see `schedule`), so the SQLite write (a
   * transaction and its commit) is off the response path and answers arriving
   * before it share one transaction. Reads (get, size) and close flush first,
   * so nothing is lost while the process runs; a crash loses at most one batch
   * of an emergency cache, never a request.
   */
  putLater(req: ChatRequest, completion: ChatCompletion, provider: string): void {
    if (this.max === 0) return;
    this.pending.push({ req, completion: scrubStrings(completion, this.scrubber), provider, at: this.now() });
    if (this.flushQueued) return;
    this.flushQueued = true;
    this.schedule(() => {
      this.flushQueued = false;
      try {
        this.flush();
      } catch {
        // The cache is a best effort for emergency mode; a failed write (store closed at shutdown) loses one answer, never a request.
      }
    });
  }

  /** Writes the pending answers in one transaction and trims to the bound. */
  flush(): void {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.db.transaction(() => {
      for (const a of batch) this.sql.upsert.run(cacheKey(a.req), JSON.stringify(a.completion), a.provider, a.at, a.at);
      const { n } = this.sql.count.get() as { n: number };
      if (n > this.max) this.sql.evict.run(n - this.max);
    })();
  }

  size(): number {
    this.flush();
    return (this.sql.count.get() as { n: number }).n;
  }
}

const KEY_FIELDS = ['model', 'messages', 'tools', 'tool_choice', 'response_format', 'temperature', 'top_p', 'max_tokens', 'seed', 'stop', 'n'];

export function cacheKey(req: ChatRequest): string {
  const picked: Record<string, unknown> = {};
  for (const k of KEY_FIELDS) if (req[k] !== undefined) picked[k] = req[k];
  return createHash('sha256').update(stableJson(picked)).digest('hex');
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}
