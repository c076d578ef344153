import { errorMessage } from './errors.ts';

/**
 * The typed event map of the host. Parts announce what happened here; the doctor,
 * the monitor, metrics and status surfaces listen. Closed on purpose (no index
 * signature): an event is emitted and heard only under a name listed here, with
 * this payload, so neither side needs a cast. Add an event by adding a key.
 */
export interface HostEvents {
  'host.ready': { bootId: string; url: string };
  'host.stopping': { reason: string };
  'tier.changed': { from: string; to: string; reason: string };
  'memory.pressure': { detail: string; tier: string };
  'disk.low': { freeBytes: number; floorBytes: number };
  'disk.ok': { freeBytes: number; floorBytes: number };
  /**
   * Something a human should know. `code` is the registered error code of the condition (README's
   * error table), the one naming scheme shared by the emitter and the doctor rule that matches it.
   */
  'alert': { source: string; code: `NXS_ERR_${string}`; message: string; severity: 'info' | 'warning' | 'critical' };
  'queue.job.dead': { id: number; queue: string; group: string | null; code: string | null; error: string };
  'queue.backlog': { queue: string; depth: number; limit: number };
  'channel.down': { channel: string; failures: number; error: string };
  'channel.up': { channel: string };
  'assistant.survival': { active: boolean; reason: string };
  'agent.started': { agentId: string; instanceId: string };
  'agent.crashed': { agentId: string; name: string; kind: 'crash' | 'hung' | 'oom' | 'clean'; detail: string };
  'agent.restarting': { agentId: string; delayMs: number; attempt: number };
  'agent.crash_loop': { agentId: string; name: string; failures: number; windowMs: number; last: string };
  'agent.killed': { agentId: string; by: string };
  'gpu.preempted': { deviceId: number; from: string; to: string };
  'ipc.delivered': { messageId: number; to: string };
  'provider.credential_expired': { provider: string; source: string };
  'provider.down': { provider: string; reason: string };
  'provider.breaker_opened': { provider: string; until: number; reason: string };
  'provider.recovered': { provider: string };
  'provider.demote': { provider: string; reason: string };
  'config.reloaded': { files: string[]; tier: string };
  'doctor.diagnosis': { id: string; rule: string; severity: string; summary: string; needs_approval: boolean };
}

export type HostEventName = keyof HostEvents;
// `void` accepts any listener, an async one too: emit checks for a promise and catches its rejection.
type Listener<K extends HostEventName> = (payload: HostEvents[K]) => void;
type AnyListener = (payload: never) => unknown;

export interface EventBusOptions {
  /** Where a failing listener is reported (the host's logger); without it, a process warning (stderr). */
  log?: { error(fields: { event: string; err: string; failures: number }, msg: string): void };
}

/**
 * Emitting cannot fail. Each listener runs in its own try (and a listener's rejected promise is
 * caught): a listener that throws, say the doctor writing its diagnosis to a full disk, is logged
 * and counted, the other listeners still run, and the emitter carries on. Without this a throw in
 * a `provider.down` listener turned into a failed LLM call in the code that merely announced it.
 */
export class EventBus {
  private readonly listeners = new Map<HostEventName, Set<AnyListener>>();
  private readonly log: EventBusOptions['log'];
  private failures = 0;

  constructor(opts: EventBusOptions = {}) {
    this.log = opts.log;
  }

  /** Listener calls that threw or rejected since the bus was made. */
  get listenerFailures(): number {
    return this.failures;
  }

  emit<K extends HostEventName>(event: K, payload: HostEvents[K]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    // A copy: a listener that subscribes or unsubscribes during the emit changes the next emit, not this one.
    for (const listener of [...set] as Listener<K>[]) {
      try {
        const r: unknown = listener(payload);
        if (r instanceof Promise) r.catch((err: unknown) => this.failed(event, err));
      } catch (err) {
        this.failed(event, err);
      }
    }
  }

  on<K extends HostEventName>(event: K, listener: Listener<K>): () => void {
    // Each subscription is its own entry, so subscribing one function twice means two calls and two unsubscribes.
    const entry: Listener<K> = (payload) => listener(payload);
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(entry as AnyListener);
    return () => {
      set.delete(entry as AnyListener);
    };
  }

  once<K extends HostEventName>(event: K): Promise<HostEvents[K]> {
    return new Promise((resolve) => {
      const off = this.on(event, (payload) => {
        off();
        resolve(payload);
      });
    });
  }

  private failed(event: HostEventName, err: unknown): void {
    this.failures += 1;
    const detail = { event, err: errorMessage(err), failures: this.failures };
    if (this.log) this.log.error(detail, 'an event listener failed; the emitter carried on');
    else process.emitWarning(`nxs: a listener of ${event} failed: ${detail.err}`, { code: 'NXS_EVENT_LISTENER' });
  }
}
