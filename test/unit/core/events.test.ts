import { describe, it, expect } from 'vitest';
import { EventBus } from '../../../src/core/events.ts';

function recordingLog(): { log: { error: (o: object, msg: string) => void }; lines: [object, string][] } {
  const lines: [object, string][] = [];
  return { log: { error: (o, msg) => lines.push([o, msg]) }, lines };
}

describe('the event bus', () => {
  it('a listener that throws breaks neither the emitter nor the listeners after it; it is logged and counted', () => {
    const { log, lines } = recordingLog();
    const bus = new EventBus({ log });
    const heard: string[] = [];
    bus.on('provider.down', () => {
      throw new Error('ENOSPC: no space left on device');
    });
    bus.on('provider.down', ({ provider }) => heard.push(provider));
    expect(() => bus.emit('provider.down', { provider: 'a', reason: '500' })).not.toThrow();
    expect(heard).toEqual(['a']);
    expect(bus.listenerFailures).toBe(1);
    expect(lines).toEqual([[{ event: 'provider.down', err: 'ENOSPC: no space left on device', failures: 1 }, 'an event listener failed; the emitter carried on']]);
  });

  it('an async listener that rejects is caught, logged and counted (no unhandled rejection)', async () => {
    let logged!: (line: object) => void;
    const line = new Promise<object>((resolve) => (logged = resolve));
    const bus = new EventBus({ log: { error: (o) => logged(o) } });
    bus.on('disk.low', async () => {
      throw new Error('late failure');
    });
    bus.emit('disk.low', { freeBytes: 1, floorBytes: 2 });
    expect(await line).toMatchObject({ event: 'disk.low', err: 'late failure' });
    expect(bus.listenerFailures).toBe(1);
  });

  it('unsubscribes one subscription at a time; once resolves with the payload and lets go', async () => {
    const bus = new EventBus();
    const calls: number[] = [];
    const f = ({ depth }: { depth: number }): void => void calls.push(depth);
    const off1 = bus.on('queue.backlog', f);
    const off2 = bus.on('queue.backlog', f);
    bus.emit('queue.backlog', { queue: 'q', depth: 1, limit: 0 });
    off1();
    bus.emit('queue.backlog', { queue: 'q', depth: 2, limit: 0 });
    off2();
    bus.emit('queue.backlog', { queue: 'q', depth: 3, limit: 0 });
    expect(calls).toEqual([1, 1, 2]);
    const ready = bus.once('host.ready');
    bus.emit('host.ready', { bootId: 'b', url: 'http://127.0.0.1:1' });
    bus.emit('host.ready', { bootId: 'c', url: 'http://127.0.0.1:2' });
    expect(await ready).toEqual({ bootId: 'b', url: 'http://127.0.0.1:1' });
  });

  it('a listener added during an emit hears the next emit, not this one', () => {
    const bus = new EventBus();
    const heard: string[] = [];
    bus.on('channel.up', () => {
      bus.on('channel.up', ({ channel }) => heard.push(`late ${channel}`));
    });
    bus.emit('channel.up', { channel: 'one' });
    expect(heard).toEqual([]);
    bus.emit('channel.up', { channel: 'two' });
    expect(heard).toEqual(['late two']);
  });
});
