import { EventEmitter } from 'node:events';

/**
 * The typed event map of the host. Parts announce what happened here; the doctor,
 * the monitor and status surfaces listen. Add an event by adding a key.
 */
export interface HostEvents {
  'host.ready': { bootId: string; url: string };
  'host.stopping': { reason: string };
  'tier.changed': { from: string; to: string; reason: string };
  'memory.pressure': { detail: string; tier: string };
  'disk.low': { freeBytes: number; floorBytes: number };
  'alert': { source: string; code: string; message: string; severity: 'info' | 'warning' | 'critical' };
  'queue.job.dead': { id: number; queue: string; group: string | null; code: string | null; error: string };
  'channel.down': { channel: string; failures: number; error: string };
  'assistant.survival': { active: boolean; reason: string };
  'agent.crash_loop': { agentId: string; name: string; failures: number; windowMs: number; last: string };
  'provider.credential_expired': { provider: string; source: string };
  'provider.down': { provider: string; reason: string };
  'queue.backlog': { queue: string; depth: number; limit: number };
  'provider.demote': { provider: string; reason: string };
  'config.reloaded': { files: string[]; tier: string };
  'doctor.diagnosis': { id: string; rule: string; severity: string; summary: string; needs_approval: boolean };
  [event: `${string}.${string}`]: unknown;
}

export class EventBus {
  private readonly emitter = new EventEmitter({ captureRejections: false });
  constructor() {
    // Many parts may listen to one event (doctor rules, status, channels).
    this.emitter.setMaxListeners(100);
  }
  emit<K extends keyof HostEvents & string>(event: K, payload: HostEvents[K]): void {
    this.emitter.emit(event, payload);
  }
  on<K extends keyof HostEvents & string>(event: K, listener: (payload: HostEvents[K]) => void): () => void {
    this.emitter.on(event, listener);
    return () => this.emitter.off(event, listener);
  }
  once<K extends keyof HostEvents & string>(event: K): Promise<HostEvents[K]> {
    return new Promise((resolve) => this.emitter.once(event, resolve));
  }
}
