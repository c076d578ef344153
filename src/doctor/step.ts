import type { BootStep } from '../boot/boot-step.ts';
import { Doctor } from './doctor.ts';
import { hostActions, type ActionParts } from './actions.ts';
import { doctorRoutes } from './routes.ts';
import type { DetectHandle } from '../detect/handle.ts';

/** Starts the doctor on the host's events, with the real fixes on the supervisor and checkpoints; routes, status. Gives `doctor`. */
export const doctorStep: BootStep<ActionParts & { detect?: DetectHandle }, { doctor: Doctor }> = {
  name: 'doctor',
  start(ctx, parts) {
    const doctor = new Doctor(ctx, {
      actions: hostActions(ctx, parts),
      latestCheckpoint: (agentId) => parts.checkpoints?.list(agentId)[0]?.checkpoint_id ?? null,
    });
    parts.routes.push(...doctorRoutes(doctor));
    parts.status.set('doctor', () => ({ enabled: ctx.config.doctor.enabled, pending: doctor.list('pending').filter((d) => d.needs_approval).length }));
    if (ctx.config.doctor.enabled) {
      doctor.start();
      // The monitor may have found the disk low (and said so) before the doctor listened: ask it, no statfs
      // of our own. If its first look is still running, its disk.low event is yet to come and will be heard.
      const monitor = parts.detect?.monitor;
      const free = monitor?.diskFreeBytes() ?? null;
      if (monitor?.diskLow() && free !== null) doctor.onEvent('disk.low', { freeBytes: free, floorBytes: ctx.profile.current.diskFloorBytes });
    }
    ctx.lifecycle.onStop('doctor', () => doctor.stop());
    return { doctor };
  },
};
