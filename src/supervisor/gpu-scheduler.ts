import { randomInt } from 'node:crypto';
import { NxsError } from '../core/errors.ts';

export interface GpuDevice {
  id: number;
  name: string;
}

export interface GpuClaim {
  handle: number;
  deviceId: number;
  agentId: string;
  priority: number;
  claimedAt: number;
}

export type ClaimOutcome = { claim: GpuClaim; preempted: GpuClaim | null };

/**
 * Exclusive claims on GPU devices. A claim on a claimed device wins only with a
 * strictly higher priority (seed 004: "request priority > current priority");
 * the loser's claim is gone and its handle no longer releases anything.
 * In memory on purpose: after a host restart no agent holds a device.
 */
export class GpuScheduler {
  private readonly devices: Map<number, GpuDevice>;
  private readonly byDevice = new Map<number, GpuClaim>();
  private readonly byHandle = new Map<number, GpuClaim>();

  constructor(devices: readonly GpuDevice[]) {
    this.devices = new Map(devices.map((d) => [d.id, d]));
  }

  listDevices(): GpuDevice[] {
    return [...this.devices.values()];
  }

  hasDevice(id: number): boolean {
    return this.devices.has(id);
  }

  claim(agentId: string, deviceId: number, priority: number, now: number): ClaimOutcome {
    if (!this.devices.has(deviceId)) throw deviceNotFound(deviceId, this.devices);
    const current = this.byDevice.get(deviceId);
    if (current && current.agentId === agentId) {
      current.priority = Math.max(current.priority, priority);
      return { claim: current, preempted: null };
    }
    if (current && !(priority > current.priority)) {
      throw new NxsError('NXS_ERR_GPU_BUSY', `GPU device ${deviceId} is claimed by agent ${current.agentId} at priority ${current.priority}; a claim needs a higher priority to preempt it`, {
        deviceId,
        ownerAgentId: current.agentId,
        ownerPriority: current.priority,
      });
    }
    if (current) this.drop(current);
    const claim: GpuClaim = { handle: this.newHandle(), deviceId, agentId, priority, claimedAt: now };
    this.byDevice.set(deviceId, claim);
    this.byHandle.set(claim.handle, claim);
    return { claim, preempted: current ?? null };
  }

  release(handle: number): GpuClaim {
    const claim = this.byHandle.get(handle);
    if (!claim) throw new NxsError('NXS_ERR_GPU_HANDLE_NOT_FOUND', `no GPU claim has handle ${handle} (released, preempted or never made)`, { handle });
    this.drop(claim);
    return claim;
  }

  claimOf(handle: number): GpuClaim | null {
    return this.byHandle.get(handle) ?? null;
  }

  /** Everything an agent holds is let go (the agent was killed or restarted). */
  releaseAgent(agentId: string): GpuClaim[] {
    const mine = [...this.byHandle.values()].filter((c) => c.agentId === agentId);
    for (const c of mine) this.drop(c);
    return mine;
  }

  status(deviceId: number): { device_id: number; owner_agent_id?: number | string; state: 'available' | 'claimed'; priority?: number } {
    if (!this.devices.has(deviceId)) throw deviceNotFound(deviceId, this.devices);
    const c = this.byDevice.get(deviceId);
    if (!c) return { device_id: deviceId, state: 'available' };
    return { device_id: deviceId, owner_agent_id: numeric(c.agentId), state: 'claimed', priority: c.priority };
  }

  private drop(c: GpuClaim): void {
    this.byDevice.delete(c.deviceId);
    this.byHandle.delete(c.handle);
  }

  // Handles are random (not 1, 2, 3) so one agent cannot guess and release another's claim.
  private newHandle(): number {
    for (;;) {
      const h = randomInt(1, 2 ** 47);
      if (!this.byHandle.has(h)) return h;
    }
  }
}

function deviceNotFound(id: number, devices: Map<number, GpuDevice>): NxsError {
  const known = [...devices.keys()];
  return new NxsError('NXS_ERR_GPU_DEVICE_NOT_FOUND', `no GPU device ${id}; ${known.length ? `devices are ${known.join(', ')}` : 'this host has no GPU devices'}`, { deviceId: id });
}

/** Agent ids are decimal strings inside, u64 numbers on the wire (seed 004). */
export function numeric(id: string): number | string {
  return /^\d{1,15}$/.test(id) ? Number(id) : id;
}
