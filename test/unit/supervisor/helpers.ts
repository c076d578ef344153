import { chmodSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { hostRoutesStep } from '../../../src/boot/host-routes.ts';
import { supervisorStep } from '../../../src/supervisor/step.ts';
import type { GpuUtilization } from '../../../src/supervisor/gpu-utilization.ts';
import type { GpuDevice } from '../../../src/supervisor/gpu-scheduler.ts';
import type { Clock } from '../../../src/core/clock.ts';
import { startTestHost, type TestHost } from '../../helpers/test-host.ts';

export const FAKE_GPUS: readonly GpuDevice[] = [
  { id: 0, name: 'fake-gpu-0' },
  { id: 1, name: 'fake-gpu-1' },
];

/** A real host with the spine's routes and the supervisor, on port 0. */
export async function supervisorHost(opts: { config?: Record<string, unknown>; clock?: Clock; utilization?: () => Promise<GpuUtilization>; env?: Record<string, string> } = {}): Promise<TestHost> {
  return startTestHost({
    config: { tier: 'minimal', ...(opts.config ?? {}) },
    // Two GPUs whatever this machine has: the scheduler's tests claim, preempt and release them.
    steps: [hostRoutesStep, supervisorStep({ random: () => 0.5, gpuDevices: FAKE_GPUS, ...(opts.utilization ? { utilization: opts.utilization } : {}) })],
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.env ? { env: opts.env } : {}),
  });
}

/**
 * Agent modules written to a temp folder: each test's agents are real code the worker imports.
 * Pass `dir` as `supervisor.agents_dir`: the folder (mkdtemp's, 0700) and its files (0644) are
 * the host user's and writable by no one else, so the supervisor loads them.
 */
export function agentModules(): { dir: string; write(name: string, code: string): string; [Symbol.dispose](): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'nxs-agents-'));
  return {
    dir,
    write(name, code) {
      const file = path.join(dir, `${name}.mjs`);
      writeFileSync(file, code, { mode: 0o644 });
      chmodSync(file, 0o644); // whatever the umask
      return file;
    },
    [Symbol.dispose]() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function json(res: Response): Promise<any> {
  return res.json();
}

/** Resolves once the agent is running (now or later): listen first, then look, so no start is missed. */
export function running(host: TestHost, id: number | string): Promise<void> {
  return new Promise((resolve) => {
    const off = host.ctx.events.on('agent.started', (p) => {
      if (p.agentId === String(id)) {
        off();
        resolve();
      }
    });
    const sup = host.parts.supervisor;
    if (sup?.get(String(id))?.state === 'running') {
      off();
      resolve();
    }
  });
}
