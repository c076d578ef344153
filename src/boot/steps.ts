import type { HostBase } from './parts.ts';
import { bootPlan, type BootStep, type Given } from './boot-step.ts';
import { hostRoutesStep } from './host-routes.ts';
import { queueStep } from '../queue/boot-step.ts';
import { schedulerStep } from '../scheduler/boot-step.ts';
import { providersStep } from '../providers/boot-step.ts';
import { SUPERVISOR_STEP } from '../supervisor/step.ts';
import { detectStep } from '../detect/boot-step.ts';
import { checkpointsStep } from '../checkpoints/step.ts';
import { doctorStep } from '../doctor/step.ts';
import { assistantStep } from '../assistant/boot-step.ts';
import { toolsStep } from '../tools/boot-step.ts';
import { systemdStep } from '../install/systemd-step.ts';
import { consoleStep } from '../console/boot-step.ts';
import { metricsStep } from '../metrics/boot-step.ts';

export type { BootStep };

/**
 * The host's parts, in start order: the one list a new part joins. They run after
 * the store is open and the HTTP server answers /healthz; the host is ready when
 * the last one returns, and they stop in reverse. Each step's needs are checked
 * against what the steps before it gave (src/boot/boot-step.ts).
 */
export const BOOT_STEPS = bootPlan(
  systemdStep, // 1. first, so the watchdog is armed while the rest start
  metricsStep, // 2. early, so it counts what the later steps announce
  detectStep, // 3. measures the box and applies the tier the others size themselves by
  hostRoutesStep, // 4. /api/status and the boot log
  queueStep, // 5. gives queue
  schedulerStep, // 6. needs queue; gives scheduler
  providersStep, // 7. gives llm (the fallback client) and the /v1 door
  SUPERVISOR_STEP, // 8. gives supervisor and tokens (which bound the door)
  checkpointsStep, // 9. gives checkpoints
  doctorStep, // 10. gives doctor (its fixes use the supervisor and checkpoints)
  assistantStep, // 11. gives assistant (on the queue and llm)
  toolsStep, // 12. gives tools (to the supervisor's agents and the assistant)
  consoleStep, // 13. last: its pages read the parts above
);

/** The handles a host started with every step holds. */
export type BootParts = Given<typeof BOOT_STEPS>;

/** What `Host.parts` holds: the base, and the handles of the steps that ran (tests start only some). */
export type HostParts = HostBase & Partial<BootParts>;
