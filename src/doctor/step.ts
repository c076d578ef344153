import type { BootStep } from '../boot/steps.ts';
import type { CheckpointManager } from '../checkpoints/manager.ts';
import { Doctor } from './doctor.ts';
import { hostActions } from './actions.ts';
import { doctorRoutes } from './routes.ts';
import { statfsSync } from 'node:fs';

function freeDiskBytes(dir: string): number | null {
  try {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    // An unreadable filesystem is not the doctor's to diagnose at boot; the monitor reports disk trouble.
    return null;
  }
}

/** Starts the doctor on the host's events, with the real fixes; `parts.doctor`, routes, status. */
export const doctorStep: BootStep = {
  name: 'doctor',
  start(ctx, parts) {
    const doctor = new Doctor(ctx, {
      actions: hostActions(ctx, parts),
      latestCheckpoint: (agentId) => (parts.checkpoints as CheckpointManager | undefined)?.list(agentId)[0]?.checkpoint_id ?? null,
    });
    parts.doctor = doctor;
    parts.routes.push(...doctorRoutes(doctor));
    parts.status.set('doctor', () => ({ enabled: ctx.config.doctor.enabled, pending: doctor.list('pending').filter((d) => d.needs_approval).length }));
    if (ctx.config.doctor.enabled) {
      doctor.start();
      // One cheap metric at start (no polling: later changes arrive as disk.low events from the monitor).
      const free = freeDiskBytes(ctx.config.dataDir);
      const floor = ctx.profile.current.diskFloorBytes;
      if (free !== null && free < floor) doctor.onEvent('disk.low', { freeBytes: free, floorBytes: floor });
    }
    ctx.lifecycle.onStop('doctor', () => doctor.stop());
  },
};
