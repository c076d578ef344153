import type { BootStep } from '../boot/boot-step.ts';
import type { UseDoorLimits } from './token-limits.ts';
import { agentsCollector } from '../metrics/collectors/agents.ts';
import type { JobQueue } from '../queue/types.ts';
import type { DetectHandle } from '../detect/handle.ts';
import { isProbeError } from '../detect/facts.ts';
import { AgentSupervisor } from './supervisor.ts';
import { GpuScheduler, type GpuDevice } from './gpu-scheduler.ts';
import { readGpuUtilization, type GpuUtilization } from './gpu-utilization.ts';
import { Mailbox } from './ipc.ts';
import { TokenStore } from './tokens.ts';
import { HostOps } from './host-ops.ts';
import { agentRoutes } from './routes-agents.ts';
import { accessRoutes } from './routes-access.ts';
import { resourceRoutes } from './routes-resources.ts';

/**
 * Boot step `supervisor`: tokens first (so the resolver answers), then the GPU
 * devices (detection's list, numbered 0..n-1 in its order; tests give their own
 * with `gpuDevices`, so no test seam sits in the production config), the mailbox on the queue when there is one, the routes,
 * and last the agents that were alive at the last stop. Gives `supervisor` and `tokens`.
 */
export function supervisorStep(
  opts: { gpuDevices?: readonly GpuDevice[]; utilization?: () => Promise<GpuUtilization>; random?: () => number } = {},
): BootStep<{ detect?: DetectHandle; queue?: JobQueue; useDoorLimits?: UseDoorLimits }, { supervisor: AgentSupervisor; tokens: TokenStore }> {
  return {
    name: 'supervisor',
    start(ctx, parts) {
      const detected = detectedGpus(parts.detect);
      const devices = opts.gpuDevices ?? detected;
      const sup = new AgentSupervisor(ctx, { gpu: new GpuScheduler(devices), ...(opts.random ? { random: opts.random } : {}) });
      const tokens = new TokenStore(ctx.db, ctx.clock);
      // The /v1 door (an earlier step) bounds each request by its token's limits.
      parts.useDoorLimits?.((id) => tokens.doorLimits(id));
      parts.auth.addResolver(tokens.resolver((id) => (sup.store.get(Number(id)) ? sup.capabilitiesOf(id) : null)));
      const queue = parts.queue ?? null;
      const mailbox = new Mailbox(ctx.db, ctx.clock, queue, (to, m) => {
        const proc = sup.process(to);
        if (!proc || sup.get(to)?.state !== 'running') return false;
        proc.deliver(m);
        ctx.events.emit('ipc.delivered', { messageId: m.message_id, to });
        return true;
      }, () => ctx.profile.current.ipc);
      ctx.events.on('agent.started', ({ agentId }) => mailbox.flush(agentId));
      const ops = new HostOps(ctx, sup, mailbox);
      parts.auth.onDenied((d) => ops.recordDenial(d));
      sup.requestHandler = (agentId, op, args) => ops.agentRequest(agentId, op, args);
      const utilization = opts.utilization ?? (() => readGpuUtilization());
      parts.routes.push(...agentRoutes(sup, ops), ...accessRoutes(ctx, sup, tokens), ...resourceRoutes(sup, ops, utilization));
      parts.status.set('agents', () => {
        const all = sup.list();
        const count = (s: string): number => all.filter((a) => a.state === s).length;
        const inHost = all.filter((a) => a.runtime === 'host').length;
        return { total: all.length, running: count('running'), restarting: count('restarting'), parked: count('parked'), in_host: inHost, worker_threads: sup.workerCount(), gpu_devices: sup.gpu.listDevices().length };
      });
      parts.metrics.registry.onCollect(agentsCollector(parts.metrics, () => sup));
      const stopMailbox = mailbox.start();
      ctx.lifecycle.onStop('supervisor', async () => {
        stopMailbox();
        await sup.stopAll();
      });
      sup.resume();
      return { supervisor: sup, tokens };
    },
  };
}

export const SUPERVISOR_STEP = supervisorStep();

/** Detection's GPUs as schedulable devices; none when the probe failed or found none. */
export function detectedGpus(detect: DetectHandle | undefined): GpuDevice[] {
  const gpu = detect?.facts().gpu;
  if (!gpu || isProbeError(gpu)) return [];
  return gpu.devices.map((d, i) => ({ id: i, name: d.name }));
}
