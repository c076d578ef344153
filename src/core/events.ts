import { EventEmitter } from 'node:events';

/**
 * The typed event map of the host. Parts announce what happened here; the doctor,
 * the monitor and status surfaces listen. Add an event by adding a key.
 */
export interface HostEvents {
  'host.ready': { bootId: string; url: string };
  'host.stopping': { reason: string };
  'tier.changed': { from: string; to: string; reason: string };
  'alert': { source: string; code: string; message: string; severity: 'info' | 'warning' | 'critical' };
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
