import { NxsError } from '../core/errors.ts';

/**
 * A part's share of an agent's semantic state (memory, conversations, queued
 * work, schedules). `export` gathers it as JSON-safe data, never credentials;
 * `validate` checks restored data before anything is applied; `import` applies
 * it for the restored agent and runs inside the restore's SQLite transaction,
 * so it must be synchronous and write through ctx.db only.
 */
export interface StateProvider {
  export(agentId: string): unknown | Promise<unknown>;
  validate?(data: unknown): void;
  import(agentId: string, data: unknown): void;
  /** Runs after the restore's transaction committed: effects outside the store (a file), which must not fail the restore. */
  afterCommit?(agentId: string, data: unknown): void;
  /** Runs when the restore's transaction rolled back: drop in-memory effects of `import` (cached counts, timers). */
  onRollback?(): void;
}

export class StateProviderRegistry {
  private readonly providers = new Map<string, StateProvider>();

  register(name: string, provider: StateProvider): void {
    if (!/^[a-z][a-z0-9_-]{0,40}$/.test(name)) throw new NxsError('NXS_ERR_INTERNAL', `state provider name ${JSON.stringify(name)} must be lowercase letters, digits, - or _`);
    if (this.providers.has(name)) throw new NxsError('NXS_ERR_INTERNAL', `state provider ${name} is registered twice`);
    this.providers.set(name, provider);
  }

  get(name: string): StateProvider | undefined {
    return this.providers.get(name);
  }

  names(): string[] {
    return [...this.providers.keys()].sort();
  }
}
