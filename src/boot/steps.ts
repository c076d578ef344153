import type { Context } from '../core/context.ts';
import type { HostParts } from './parts.ts';
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

/**
 * A numbered start step. Steps run in order after the store is open and the
 * HTTP server answers /healthz; the host is ready when the last one returns.
 * A step registers its own stop with `ctx.lifecycle.onStop`, so stops run in
 * reverse order. Readiness never waits on the network: a step that probes the
 * network starts the probe and returns.
 */
export interface BootStep {
  name: string;
  start(ctx: Context, parts: HostParts): Promise<void> | void;
}

export const BOOT_STEPS: readonly BootStep[] = [
  systemdStep,
  metricsStep,
  detectStep,
  hostRoutesStep,
  queueStep,
  schedulerStep,
  providersStep,
  SUPERVISOR_STEP,
  checkpointsStep,
  doctorStep,
  assistantStep,
  toolsStep,
  consoleStep,
];
